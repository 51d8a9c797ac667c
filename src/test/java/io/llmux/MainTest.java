package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line of SPEC §1: --version, --check-config and its exit codes. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void versionPrintsTheVersion() {
        assertThat(run("--version")).isZero();
        assertThat(out()).startsWith("llmux ").doesNotContain("dev");
    }

    @Test
    void checkConfigPrintsModelGroupsAndExitsZero() {
        assertThat(run("--check-config", "--config", "config/config.yaml")).isZero();
        assertThat(out())
                .contains("gpt-4o")
                .contains("mock/gpt-4o")
                .contains("openai/gpt-4o")
                .contains("simple-shuffle");
    }

    @Test
    void checkConfigListsEveryProblemAndExitsTwo(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                server:
                  port: abc
                providers:
                  - name: m
                    type: mock
                    modls: [x]
                routing:
                  retry_backoff: 10x
                """);
        assertThat(run("--check-config", "--config", bad.toString())).isEqualTo(2);
        assertThat(err())
                .contains("server.port")
                .contains("providers[0].modls: unknown key (did you mean models?)")
                .contains("routing.retry_backoff: \"10x\" is not a duration");
    }

    @Test
    void aMissingConfigFileIsExitTwoNamingThePath() {
        assertThat(run("--check-config", "--config", "no/such/file.yaml")).isEqualTo(2);
        assertThat(err()).contains("no/such/file.yaml").contains("LLMUX_CONFIG");
    }

    @Test
    void unknownArgumentsAreExitTwoWithUsage() {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(err()).contains("unknown argument").contains("usage:");
    }
}
