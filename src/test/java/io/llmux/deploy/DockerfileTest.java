package io.llmux.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.ConfigLoader;
import io.llmux.config.Env;
import io.llmux.config.LoadedConfig;
import io.llmux.deploy.Dockerfile.Instruction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Dockerfile keeps what SPEC §11 promises, checked without a Docker daemon or a linter. */
class DockerfileTest {
    private static Dockerfile dockerfile;

    @BeforeAll
    static void read() throws Exception {
        dockerfile = Dockerfile.read(Path.of("Dockerfile"));
    }

    private static Instruction inFinalStage(String keyword) {
        List<Instruction> found = dockerfile.finalStage().stream()
                .filter(i -> i.keyword().equals(keyword))
                .toList();
        assertThat(found).as(keyword + " in the runtime stage").hasSize(1);
        return found.get(0);
    }

    @Test
    void aMavenBuildStageThenAJre21Runtime() {
        List<Instruction> froms = dockerfile.all("FROM");
        assertThat(froms).hasSize(2);
        assertThat(froms.get(0).arguments()).contains("maven").contains("21").endsWith(" AS build");
        assertThat(froms.get(1).arguments()).contains("21").contains("jre");

        List<String> runs =
                dockerfile.all("RUN").stream().map(Instruction::arguments).toList();
        assertThat(runs).anyMatch(r -> r.startsWith("mvn ") && r.contains("dependency:go-offline"));
        assertThat(runs).anyMatch(r -> r.startsWith("mvn ") && r.contains("-DskipTests package"));
        // dependencies download before the sources arrive, so a source edit reuses that layer
        List<String> order = dockerfile.instructions().stream()
                .map(i -> i.keyword() + " " + i.arguments())
                .toList();
        int goOffline = indexOf(order, "dependency:go-offline");
        assertThat(goOffline).isLessThan(indexOf(order, "COPY src/"));
    }

    @Test
    void theRuntimeRunsTheShadedJarAsANonRootUser() throws Exception {
        String uid = inFinalStage("USER").userId();
        assertThat(uid).isNotIn("root", "0");
        // numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd
        assertThat(uid).matches("[1-9][0-9]*");

        assertThat(dockerfile.finalStage())
                .anyMatch(i -> i.keyword().equals("COPY")
                        && i.arguments().startsWith("--from=build ")
                        && i.arguments().contains("target/llmux.jar"));
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>llmux</finalName>");
    }

    @Test
    void theEntrypointIsTheJvmInExecFormWithContainerFlags() {
        List<String> entrypoint = inFinalStage("ENTRYPOINT").execForm();
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint)
                .contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar")
                .last()
                .asString()
                .endsWith("llmux.jar");
        assertThat(inFinalStage("STOPSIGNAL").arguments()).isEqualTo("SIGTERM");
        assertThat(inFinalStage("EXPOSE").arguments()).isEqualTo("8080");
    }

    @Test
    void theHealthcheckRunsThroughTheJvm() {
        Instruction healthcheck = inFinalStage("HEALTHCHECK");
        List<String> command = healthcheck.execForm();
        assertThat(command.get(0)).isEqualTo("java");
        assertThat(command).contains("--healthcheck");
        assertThat(healthcheck.arguments()).doesNotContain("curl").doesNotContain("wget");
    }

    @Test
    void theConfigIsReadFromSlashConfigAndTheDefaultOneStartsWithNoVariables() throws Exception {
        assertThat(dockerfile.finalStage())
                .anyMatch(i -> i.keyword().equals("ENV") && i.arguments().equals("LLMUX_CONFIG=/config/config.yaml"));
        Instruction copy = dockerfile.finalStage().stream()
                .filter(i -> i.keyword().equals("COPY") && i.arguments().endsWith(" /config/config.yaml"))
                .findFirst()
                .orElseThrow();
        Path shipped = Path.of(copy.firstWord());
        LoadedConfig loaded = new ConfigLoader().load(shipped, Env.empty());
        ConfigLoader.requireUsableProvider(loaded.config());
        assertThat(loaded.config().server().port()).isEqualTo(8080);
    }

    @Test
    void theBuildContextHoldsOnlyWhatTheBuildCopies() throws Exception {
        List<String> rules = Files.readAllLines(Path.of(".dockerignore")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        // everything is out first (target/, .git, .env, data/, bench results), then the build's inputs come back
        assertThat(rules.get(0)).isEqualTo("**");
        List<String> included = rules.stream()
                .filter(r -> r.startsWith("!"))
                .map(r -> r.substring(1))
                .toList();
        List<String> copied = dockerfile.all("COPY").stream()
                .filter(i -> !i.arguments().startsWith("--from="))
                .map(Instruction::firstWord)
                .toList();
        assertThat(included).containsExactlyInAnyOrderElementsOf(copied);
        assertThat(included).noneMatch(r -> r.startsWith("target") || r.startsWith(".env") || r.startsWith("data"));
    }

    private static int indexOf(List<String> instructions, String fragment) {
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).contains(fragment)) {
                return i;
            }
        }
        throw new AssertionError("no instruction with " + fragment + " in\n"
                + instructions.stream().collect(Collectors.joining("\n")));
    }
}
