package io.llmux.config;

import static io.llmux.config.Configs.config;
import static io.llmux.config.Configs.load;
import static io.llmux.config.Configs.problem;
import static io.llmux.config.Configs.problems;
import static io.llmux.config.Configs.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProviderSectionTest {

    private static String openai(String extra) {
        return """
                providers:
                  - name: openai
                    type: openai
                    api_key: sk-test
                    models: [gpt-4o]
                """ + extra;
    }

    @Test
    void providerKeysHaveTheirDefaults() throws Exception {
        ProviderConfig p = config(openai("")).providers().get(0);

        assertThat(p.baseUrl()).isEqualTo(URI.create("https://api.openai.com/v1"));
        assertThat(p.apiVersion()).isNull();
        assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.streamTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.maxConcurrent()).isEqualTo(100);
        assertThat(p.headers()).isEmpty();
        assertThat(p.weight()).isEqualTo(1);
        assertThat(p.tags()).isEmpty();
        assertThat(p.mock()).isEqualTo(MockOptions.DEFAULT);
        assertThat(p.enabled()).isTrue();
    }

    @Test
    void baseUrlDefaultsPerType() throws Exception {
        Config config = config("""
                providers:
                  - {name: a, type: anthropic, api_key: k, models: [claude]}
                  - {name: g, type: gemini, api_key: k, models: [gemini-1.5-pro]}
                  - {name: m, type: mock, models: [mock]}
                """);

        assertThat(config.providers())
                .extracting(ProviderConfig::baseUrl)
                .containsExactly(
                        URI.create("https://api.anthropic.com"),
                        URI.create("https://generativelanguage.googleapis.com"),
                        null);
    }

    @Test
    void shortAndLongModelFormsAndProviderDefaults() throws Exception {
        ProviderConfig p = config("""
                        providers:
                          - name: openai
                            type: openai
                            api_key: sk-test
                            weight: 3
                            tags: [eu]
                            models:
                              - gpt-4o
                              - name: gpt-4o-mini
                                model: gpt-4o-mini-2024-07-18
                                weight: 0
                                rpm: 500
                                tpm: 200000
                                tags: [fast]
                                input_cost_per_million: 0.15
                                output_cost_per_million: 0.60
                                cached_input_cost_per_million: 0.075
                                max_input_tokens: 128000
                              - model: o1
                        """).providers().get(0);

        assertThat(p.models())
                .containsExactly(
                        DeploymentConfig.of("gpt-4o", "gpt-4o", 3, List.of("eu")),
                        new DeploymentConfig(
                                "gpt-4o-mini",
                                "gpt-4o-mini-2024-07-18",
                                0,
                                500L,
                                200_000L,
                                List.of("fast"),
                                0.15,
                                0.60,
                                0.075,
                                128_000L,
                                true),
                        DeploymentConfig.of("o1", "o1", 3, List.of("eu")));
    }

    @Test
    void modelEntryWithoutANameIsAProblem() {
        assertThat(problem(openai("").replace("models: [gpt-4o]", "models:\n      - weight: 2")))
                .isEqualTo("providers[0].models[0].name: missing (the model group clients ask for) (line 6)");
    }

    @Test
    void providerWithoutModelsIsAProblem() {
        assertThat(problem(openai("").replace("    models: [gpt-4o]\n", "")))
                .isEqualTo(
                        "providers[0].models: missing (list the models this provider serves, e.g. [gpt-4o]) (line 2)");
        assertThat(problem(openai("").replace("[gpt-4o]", "[]")))
                .isEqualTo("providers[0].models: must list at least one model (line 5)");
    }

    @Test
    void duplicateDeploymentInOneProviderIsAProblem() {
        assertThat(problem(openai("").replace("[gpt-4o]", "[gpt-4o, gpt-4o]")))
                .isEqualTo("providers[0].models[1]: duplicate of providers[0].models[0] (gpt-4o) (line 5)");
    }

    @Test
    void negativeWeightIsAProblemAndZeroIsStandby() throws Exception {
        assertThat(problem(openai("    weight: -1\n")))
                .isEqualTo("providers[0].weight: -1 is out of range (at least 0) (line 6)");
        assertThat(config(openai("    weight: 0\n"))
                        .providers()
                        .get(0)
                        .models()
                        .get(0)
                        .weight())
                .isZero();
    }

    @Test
    void duplicateProviderNamesAreAProblem() {
        assertThat(problem(openai("  - {name: openai, type: mock, models: [m]}\n")))
                .isEqualTo("providers[1].name: \"openai\" is already the name of providers[0] (line 6)");
    }

    @Test
    void unknownProviderTypeListsTheTypes() {
        assertThat(problem(openai("").replace("type: openai", "type: cohere")))
                .isEqualTo("providers[0].type: \"cohere\" is not a provider type"
                        + " (one of openai, azure, anthropic, gemini, mock) (line 3)");
    }

    @Test
    void providerNeedsANameAndAType() {
        assertThat(problems("providers:\n  - models: [m]\n"))
                .extracting(ConfigProblem::toString)
                .containsExactlyInAnyOrder(
                        "providers[0].name: missing (every provider needs a unique name) (line 2)",
                        "providers[0].type: missing (one of openai, azure, anthropic, gemini, mock) (line 2)");
    }

    @Test
    void providerThatIsNotAMappingIsOneProblem() {
        assertThat(problem("providers:\n  - openai\n"))
                .isEqualTo("providers[0]: must be a provider (name, type, api_key, models, ...), not a value (line 2)");
    }

    @Test
    void providerNameMustBeUsableInPaths() {
        assertThat(problem(openai("").replace("name: openai", "name: open ai")))
                .isEqualTo("providers[0].name: \"open ai\" is not a valid provider name"
                        + " (letters, digits, '.', '_' and '-') (line 2)");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "https://user:secret@api.example.com/v1 | must not contain user info; put credentials in api_key or headers",
                "https://api.example.com/v1?key=secret  | must not contain a query string (use http(s)://host[:port][/path])",
                "https://api.example.com/v1#frag        | must not contain a fragment (use http(s)://host[:port][/path])",
                "ftp://api.example.com                  | must start with http:// or https:// (use http(s)://host[:port][/path])",
                "api.example.com/v1                     | must start with http:// or https:// (use http(s)://host[:port][/path])",
                "https://                               | is not a valid URL (use http(s)://host[:port][/path])",
                "http://host:99999                      | has a port out of range (1-65535)",
            })
    void baseUrlMustBeHttpHostPortPathAndIsNeverEchoed(String url, String message) {
        String problem = problem(openai("    base_url: " + url + "\n"));

        assertThat(problem).isEqualTo("providers[0].base_url: " + message + " (line 6)");
    }

    @Test
    void baseUrlTrailingSlashIsTrimmed() throws Exception {
        assertThat(config(openai("    base_url: http://vllm_server:8000/v1/\n"))
                        .providers()
                        .get(0)
                        .baseUrl())
                .isEqualTo(URI.create("http://vllm_server:8000/v1"));
    }

    @Test
    void azureNeedsABaseUrl() {
        assertThat(problem("providers:\n  - {name: az, type: azure, api_key: k, models: [gpt-4o]}\n"))
                .isEqualTo("providers[0].base_url: missing: azure needs base_url"
                        + " (https://{resource}.openai.azure.com) (line 2)");
    }

    @Test
    void azureApiVersionDefaultsAndOtherTypesIgnoreItWithAWarning() throws Exception {
        LoadedConfig loaded = load("""
                providers:
                  - {name: az, type: azure, api_key: k, base_url: https://r.openai.azure.com, models: [gpt-4o]}
                  - {name: oa, type: openai, api_key: k, api_version: 2024-10-21, models: [gpt-4o]}
                """);

        assertThat(loaded.config().providers())
                .extracting(ProviderConfig::apiVersion)
                .containsExactly("2024-10-21", null);
        assertThat(loaded.warnings()).containsExactly("providers[1].api_version: ignored (only azure uses it)");
    }

    @Test
    void headersAreReadWithSubstitution() throws Exception {
        ProviderConfig p = Configs.load(
                        openai("    headers:\n      OpenAI-Organization: ${ORG}\n      X-Team: gw\n"),
                        Map.of("ORG", "org-1"))
                .config()
                .providers()
                .get(0);

        assertThat(p.headers())
                .containsExactlyInAnyOrderEntriesOf(Map.of("OpenAI-Organization", "org-1", "X-Team", "gw"));
    }

    @Test
    void mockOptionsHaveDefaultsAndNeedNoKeyOrUrl() throws Exception {
        Config config = config("""
                providers:
                  - {name: plain, type: mock, models: [m1]}
                  - name: tuned
                    type: mock
                    latency: 50ms
                    stream_chunks: 3
                    response: Hello from the mock
                    models: [m2]
                """);

        assertThat(config.providers().get(0).mock()).isEqualTo(new MockOptions(Duration.ZERO, 8, null));
        assertThat(config.providers().get(1).mock())
                .isEqualTo(new MockOptions(Duration.ofMillis(50), 3, "Hello from the mock"));
        assertThat(config.providers()).allMatch(ProviderConfig::enabled);
    }

    @Test
    void mockOnlyKeysAreRejectedOnOtherTypes() {
        assertThat(problem(openai("    latency: 5ms\n")))
                .isEqualTo("providers[0].latency: only valid for providers of type mock (line 6)");
    }

    @Test
    void streamChunksMustBeAtLeastOne() {
        assertThat(problem("providers:\n  - {name: m, type: mock, stream_chunks: 0, models: [m]}\n"))
                .isEqualTo("providers[0].stream_chunks: 0 is out of range (at least 1) (line 2)");
    }

    @Test
    void unknownKeyInAModelEntry() {
        assertThat(problem(resource("bad-model-key.yaml")))
                .isEqualTo(
                        "providers[0].models[0].input_cost_per_milion: unknown key (did you mean input_cost_per_million?) (line 8)");
    }
}
