package io.llmux.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvTest {
    @TempDir
    Path dir;

    @Test
    void dotEnvIsReadFromTheWorkingDirectory() throws IOException {
        Files.writeString(dir.resolve(".env"), "OPENAI_API_KEY=sk-from-file\n");

        Env env = Env.load(dir, Map.of());

        assertThat(env.get("OPENAI_API_KEY")).contains("sk-from-file");
        assertThat(env.warnings()).isEmpty();
    }

    @Test
    void realEnvironmentWinsOverDotEnv() throws IOException {
        Files.writeString(dir.resolve(".env"), "OPENAI_API_KEY=sk-from-file\nDB_HOST=db\n");

        Env env = Env.load(dir, Map.of("OPENAI_API_KEY", "sk-real"));

        assertThat(env.get("OPENAI_API_KEY")).contains("sk-real");
        assertThat(env.get("DB_HOST")).contains("db");
    }

    @Test
    void missingDotEnvIsNoFile() {
        Env env = Env.load(dir, Map.of("A", "1"));

        assertThat(env.get("A")).contains("1");
        assertThat(env.warnings()).isEmpty();
    }

    @Test
    void unreadableDotEnvIsAWarningNotAFailure() throws IOException {
        Files.createDirectory(dir.resolve(".env"));

        Env env = Env.load(dir, Map.of());

        assertThat(env.warnings()).singleElement().asString().contains(".env: not read");
    }

    @Test
    void dotEnvSyntax() {
        List<String> warnings = new ArrayList<>();
        Map<String, String> vars = Env.parseDotEnv("""
                # a comment

                PLAIN=value
                export EXPORTED=yes
                SINGLE='literal \\n # kept'
                DOUBLE="line\\nbreak \\"quoted\\" # kept"
                SPACED = padded value
                COMMENTED=value # trailing comment
                HASH=pass#word
                EMPTY=
                URL=postgres://u:p@h:5432/db?sslmode=disable
                """, warnings);

        assertThat(vars)
                .containsEntry("PLAIN", "value")
                .containsEntry("EXPORTED", "yes")
                .containsEntry("SINGLE", "literal \\n # kept")
                .containsEntry("DOUBLE", "line\nbreak \"quoted\" # kept")
                .containsEntry("SPACED", "padded value")
                .containsEntry("COMMENTED", "value")
                .containsEntry("HASH", "pass#word")
                .containsEntry("EMPTY", "")
                .containsEntry("URL", "postgres://u:p@h:5432/db?sslmode=disable");
        assertThat(warnings).isEmpty();
    }

    @Test
    void malformedLinesAreSkippedWithAWarningNamingTheLine() {
        List<String> warnings = new ArrayList<>();
        Map<String, String> vars = Env.parseDotEnv("GOOD=1\nnot a pair\n2BAD=x\nOPEN=\"unclosed\n", warnings);

        assertThat(vars).containsOnlyKeys("GOOD");
        assertThat(warnings)
                .containsExactly(
                        ".env line 2: not a KEY=value line; skipped",
                        ".env line 3: not a KEY=value line; skipped",
                        ".env line 4: OPEN has an unclosed quote; skipped");
    }

    @Test
    void aVariableSetToEmptyCountsAsUnset() {
        Env env = Env.of(Map.of("OPENAI_API_KEY", ""));

        assertThat(env.get("OPENAI_API_KEY")).isEmpty();
    }

    @Test
    void dotEnvWarningsReachTheLoadedConfig() throws Exception {
        Files.writeString(dir.resolve(".env"), "oops\n");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, Configs.MOCK);

        LoadedConfig loaded = new ConfigLoader().load(config, Env.load(dir, Map.of()));

        assertThat(loaded.warnings()).contains(".env line 1: not a KEY=value line; skipped");
        assertThat(loaded.source()).isEqualTo(config);
    }
}
