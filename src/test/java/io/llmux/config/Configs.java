package io.llmux.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Loading configs from text in tests: no file system, no real environment. */
final class Configs {
    /** A provider that needs no key, for tests about other sections. */
    static final String MOCK = """
            providers:
              - name: mock
                type: mock
                models: [mock-model]
            """;

    private Configs() {}

    static LoadedConfig load(String yaml) throws ConfigException {
        return load(yaml, Map.of());
    }

    static LoadedConfig load(String yaml, Map<String, String> env) throws ConfigException {
        return new ConfigLoader().parse(yaml, "test.yaml", Env.of(env));
    }

    static Config config(String yaml) throws ConfigException {
        return load(yaml).config();
    }

    static List<ConfigProblem> problems(String yaml) {
        return problems(yaml, Map.of());
    }

    static List<ConfigProblem> problems(String yaml, Map<String, String> env) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(yaml, env));
        assertThat(e).as("expected the config to be rejected").isNotNull();
        return e.problems();
    }

    /** The one problem of {@code yaml}, rendered as {@code path: message (line N)}. */
    static String problem(String yaml) {
        return problem(yaml, Map.of());
    }

    static String problem(String yaml, Map<String, String> env) {
        List<ConfigProblem> problems = problems(yaml, env);
        assertThat(problems).as("problems").hasSize(1);
        return problems.get(0).toString();
    }

    static String resource(String name) {
        try (InputStream in = Configs.class.getResourceAsStream("/config/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
