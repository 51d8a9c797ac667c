package io.llmux.config;

import static io.llmux.config.Configs.MOCK;
import static io.llmux.config.Configs.config;
import static io.llmux.config.Configs.load;
import static io.llmux.config.Configs.problem;
import static io.llmux.config.Configs.problems;
import static io.llmux.config.Configs.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The problems a config can have, one test each, with the exact path, line and message users see. */
class ConfigLoaderTest {

    @Test
    void emptyFileIsAConfigWithAllDefaults() throws Exception {
        Config config = config("");

        assertThat(config.server()).isEqualTo(ServerConfig.defaults());
        assertThat(config.auth().hasMasterKey()).isFalse();
        assertThat(config.providers()).isEmpty();
        assertThat(config.routing()).isEqualTo(RoutingConfig.defaults());
        assertThat(config.cache()).isEqualTo(CacheConfig.defaults());
        assertThat(config.redis()).isEqualTo(RedisConfig.none());
        assertThat(config.database()).isEqualTo(DatabaseConfig.none());
        assertThat(config.rateLimit()).isEqualTo(RateLimitConfig.defaults());
        assertThat(config.metrics()).isEqualTo(MetricsConfig.defaults());
        assertThat(config.tracing()).isEqualTo(TracingConfig.defaults());
        assertThat(config.logging()).isEqualTo(LoggingConfig.defaults());
    }

    @Test
    void emptyDocumentIsAConfigWithAllDefaults() throws Exception {
        assertThat(config("---\n# nothing here\n")).isEqualTo(config(""));
        assertThat(config("server:\n")).isEqualTo(config(""));
    }

    @Test
    void emptyConfigHasNoUsableProvider() throws Exception {
        Config config = config("");

        assertThatThrownBy(() -> ConfigLoader.requireUsableProvider(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "providers: no providers configured; add one, e.g. {name: mock, type: mock, models: [mock-model]}");
    }

    @Test
    void unknownKeySuggestsTheNearestValidKey() {
        String yaml = MOCK + """
                  - name: openai
                    type: openai
                    api_key: sk-test
                    modls: [gpt-4o]
                """;

        assertThat(problems(yaml))
                .extracting(ConfigProblem::toString)
                .contains("providers[1].modls: unknown key (did you mean models?) (line 8)");
    }

    @Test
    void unknownKeyFarFromAnyListsTheValidKeys() {
        assertThat(problem("server:\n  colour: blue\n"))
                .isEqualTo("server.colour: unknown key (valid here: host, port, read_timeout, write_timeout,"
                        + " idle_timeout, max_body_size, shutdown_timeout) (line 2)");
    }

    @Test
    void camelCaseKeySuggestsTheSnakeCaseKey() {
        assertThat(problem("server:\n  readTimeout: 5s\n"))
                .isEqualTo("server.readTimeout: unknown key (did you mean read_timeout?) (line 2)");
    }

    @Test
    void unknownTopLevelSection() {
        assertThat(problem("provider:\n  - {name: m, type: mock, models: [m]}\n"))
                .isEqualTo("provider: unknown key (did you mean providers?) (line 1)");
    }

    @Test
    void badDurationNamesThePathAndTheAcceptedForms() {
        assertThat(problem("routing:\n  retry_backoff: 10x\n"))
                .isEqualTo(
                        "routing.retry_backoff: \"10x\" is not a duration (use e.g. 250ms, 30s, 5m, 1h, 7d) (line 2)");
    }

    @Test
    void unknownStrategyListsTheStrategies() {
        assertThat(problem("routing:\n  strategy: fastest\n"))
                .isEqualTo("routing.strategy: \"fastest\" is not a strategy (one of simple-shuffle,"
                        + " lowest-latency, least-busy, lowest-tpm-rpm, lowest-cost, tag-based) (line 2)");
    }

    @Test
    void everyStrategyNameIsAccepted() throws Exception {
        for (RoutingStrategy strategy : RoutingStrategy.values()) {
            assertThat(config("routing:\n  strategy: " + strategy.configName() + "\n")
                            .routing()
                            .strategy())
                    .isEqualTo(strategy);
        }
    }

    @Test
    void nonNumericPortIsNotANumber() {
        assertThat(problem("server:\n  port: abc\n")).isEqualTo("server.port: \"abc\" is not a number (line 2)");
    }

    @Test
    void portOutsideItsRangeIsRejectedAndZeroIsAllowedForTests() throws Exception {
        assertThat(problem("server:\n  port: 70000\n"))
                .isEqualTo("server.port: 70000 is out of range (0-65535) (line 2)");
        assertThat(problem("server:\n  port: -1\n")).isEqualTo("server.port: -1 is out of range (0-65535) (line 2)");
        assertThat(config("server:\n  port: 0\n").server().port()).isZero();
    }

    @Test
    void fractionalCountIsNotAWholeNumber() {
        assertThat(problem("routing:\n  retry_count: 1.5\n"))
                .isEqualTo("routing.retry_count: \"1.5\" is not a whole number (line 2)");
    }

    @Test
    void badBooleanIsNotTrueOrFalse() {
        assertThat(problem("metrics:\n  enabled: maybe\n"))
                .isEqualTo("metrics.enabled: \"maybe\" is not true or false (line 2)");
    }

    @Test
    void badSizeNamesTheAcceptedForms() {
        assertThat(problem("server:\n  max_body_size: 10XB\n"))
                .isEqualTo("server.max_body_size: \"10XB\" is not a size (use e.g. 512KB, 10MB, 1GB) (line 2)");
    }

    @Test
    void zeroTimeoutIsRejected() {
        assertThat(problem("server:\n  read_timeout: 0s\n"))
                .isEqualTo("server.read_timeout: must be more than 0 (line 2)");
    }

    @Test
    void duplicateKeyIsAProblemNamingTheFirst() {
        assertThat(problem("server:\n  port: 1\n  port: 2\n"))
                .isEqualTo("server.port: duplicate key (first at line 2) (line 3)");
    }

    @Test
    void invalidYamlIsAProblemWithItsLine() {
        assertThat(problem("server:\n  port: 8080\n bad: [\n"))
                .startsWith("config: not valid YAML: ")
                .endsWith("(line 3)");
    }

    @Test
    void unquotedReferenceInAFlowMappingGetsAHint() {
        assertThat(problem("providers:\n  - {name: o, type: openai, api_key: ${KEY}, models: [m]}\n"))
                .endsWith("; inside { } or [ ], put a ${VAR} value in quotes (line 2)");
    }

    @Test
    void topLevelMustBeAMapping() {
        assertThat(problem("- server\n- providers\n"))
                .isEqualTo("config: must be a mapping of keys, not a list (line 1)");
    }

    @Test
    void sectionOfTheWrongShape() {
        assertThat(problem("server: [8080]\n")).isEqualTo("server: must be a mapping of keys, not a list (line 1)");
        assertThat(problem("server:\n  port: {a: 1}\n"))
                .isEqualTo("server.port: must be a number, not a mapping (line 2)");
    }

    @Test
    void aliasBombIsRejectedNotExpanded() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        char previous = 'a';
        for (char c = 'b'; c <= 'k'; c++) {
            yaml.append(c).append(": &").append(c).append(" [");
            yaml.append(("*" + previous + ", ").repeat(9));
            yaml.append("*").append(previous).append("]\n");
            previous = c;
        }

        assertThat(problem(yaml.toString()))
                .isEqualTo("config: refused: Number of aliases for non-scalar nodes exceeds the specified max=50");
    }

    @Test
    void mergeKeysShareProviderSettings() throws Exception {
        Config config = config("""
                providers:
                  - &defaults {name: base, type: mock, latency: 5ms, models: [m0]}
                  - <<: *defaults
                    name: a
                    models: [m]
                """);

        assertThat(config.providers()).extracting(ProviderConfig::name).containsExactly("base", "a");
        assertThat(config.providers().get(1).mock().latency()).isEqualTo(Duration.ofMillis(5));
        assertThat(config.providers().get(1).models())
                .extracting(DeploymentConfig::name)
                .containsExactly("m");
    }

    @Test
    void plainScalarsStayStringsNotYaml11Dates() throws Exception {
        Config config = config("""
                providers:
                  - name: az
                    type: azure
                    api_key: k
                    base_url: https://res.openai.azure.com
                    api_version: 2024-10-21
                    models: [on, 1.0, 2024-10-21]
                  - name: m
                    type: mock
                    response: yes
                    models: [no]
                """);

        assertThat(config.providers().get(0).apiVersion()).isEqualTo("2024-10-21");
        assertThat(config.providers().get(0).models())
                .extracting(DeploymentConfig::name)
                .containsExactly("on", "1.0", "2024-10-21");
        assertThat(config.providers().get(1).mock().response()).isEqualTo("yes");
    }

    @Test
    void threeProblemsAreThreeProblems() {
        assertThat(problems(resource("bad-three-problems.yaml")))
                .extracting(ConfigProblem::toString)
                .containsExactly(
                        "server.port: \"eighty\" is not a number (line 3)",
                        "providers[0].modls: unknown key (did you mean models?) (line 10)",
                        "routing.retry_backoff: \"10x\" is not a duration (use e.g. 250ms, 30s, 5m, 1h, 7d) (line 14)");
    }

    @Test
    void everyProblemOfAFileIsListedInTheException() {
        assertThatThrownBy(() -> load(resource("bad-three-problems.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("test.yaml: 3 problems\n  server.port: ")
                .hasMessageContaining("(line 3)");
    }

    @Test
    void loadReadsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "\uFEFF" + MOCK);

        LoadedConfig loaded = new ConfigLoader().load(file, Env.empty());

        assertThat(loaded.source()).isEqualTo(file);
        assertThat(loaded.config().providers()).extracting(ProviderConfig::name).containsExactly("mock");
    }

    @Test
    void missingFileSaysHowToPointAtOne(@TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> new ConfigLoader().load(file, Env.empty()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": 1 problem\n  config: no such file (pass --config PATH or set LLMUX_CONFIG)");
    }

    @Test
    void fileThatIsNotUtf8IsRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xE9, '\n'});

        assertThatThrownBy(() -> new ConfigLoader().load(file, Env.empty()))
                .hasMessageEndingWith("config: not UTF-8 text");
    }

    @Test
    void substitutionHappensBeforeTypesAreRead() throws Exception {
        Config config = Configs.load("""
                        server:
                          host: ${HOST:0.0.0.0}
                          port: ${PORT}
                          max_body_size: ${BODY:1MB}
                        routing:
                          retry_backoff: ${BACKOFF:250ms}
                        cache:
                          namespace: $${literal}
                        """, Map.of("PORT", "9000", "BODY", "2MB")).config();

        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(config.server().port()).isEqualTo(9000);
        assertThat(config.server().maxBodySize()).isEqualTo(2L * 1024 * 1024);
        assertThat(config.routing().retryBackoff()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.cache().namespace()).isEqualTo("${literal}");
    }

    @Test
    void unsetVariableInANumberIsAProblem() {
        assertThat(problem("server:\n  port: ${PORT}\n")).isEqualTo("server.port: ${PORT} is not set (line 2)");
    }

    @Test
    void emptyDefaultInANumberMeansTheBuiltInDefault() throws Exception {
        assertThat(config("server:\n  port: ${PORT:}\n").server().port()).isEqualTo(8080);
    }

    @Test
    void unsetVariableInAStringIsEmptyWithAWarning() throws Exception {
        LoadedConfig loaded = load("tracing:\n  endpoint: ${OTEL_ENDPOINT}\n");

        assertThat(loaded.config().tracing().endpoint()).isEqualTo("localhost:4317");
        assertThat(loaded.warnings()).containsExactly("tracing.endpoint: OTEL_ENDPOINT is not set; using \"\"");
    }

    @Test
    void malformedReferenceIsAProblem() {
        assertThat(problem("tracing:\n  endpoint: ${OTEL_ENDPOINT\n"))
                .isEqualTo("tracing.endpoint: has a ${ without a closing }"
                        + " (use ${VAR} or ${VAR:default}; $${ for a literal ${) (line 2)");
    }

    @Test
    void retryMaxBackoffBelowRetryBackoffIsAProblem() {
        assertThat(problem("routing:\n  retry_backoff: 2s\n  retry_max_backoff: 1s\n"))
                .isEqualTo("routing.retry_max_backoff: must be at least routing.retry_backoff (2s) (line 3)");
    }
}
