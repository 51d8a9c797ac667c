package io.llmux.config;

import static io.llmux.config.Configs.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §2: a missing credential disables its provider instead of stopping the gateway. */
class CredentialsTest {
    private static final String OPENAI = """
            providers:
              - name: openai
                type: openai
                api_key: ${OPENAI_API_KEY}
                models: [gpt-4o]
            """;

    @Test
    void unsetKeyVariableLoadsTheProviderDisabledWithAWarning() throws Exception {
        LoadedConfig loaded = load(OPENAI);

        ProviderConfig openai = loaded.config().providers().get(0);
        assertThat(openai.enabled()).isFalse();
        assertThat(openai.missingCredential()).isEqualTo("OPENAI_API_KEY");
        assertThat(openai.apiKey()).isEmpty();
        assertThat(loaded.warnings()).containsExactly("provider openai is disabled: OPENAI_API_KEY is not set");
    }

    @Test
    void setKeyVariableEnablesTheProvider() throws Exception {
        LoadedConfig loaded = load(OPENAI, Map.of("OPENAI_API_KEY", "sk-live"));

        assertThat(loaded.config().providers().get(0).enabled()).isTrue();
        assertThat(loaded.config().providers().get(0).apiKey()).isEqualTo("sk-live");
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void keyVariableWithAnEmptyDefaultStillNamesTheVariable() throws Exception {
        LoadedConfig loaded = load(OPENAI.replace("${OPENAI_API_KEY}", "${OPENAI_API_KEY:}"));

        assertThat(loaded.config().providers().get(0).missingCredential()).isEqualTo("OPENAI_API_KEY");
    }

    @Test
    void absentOrEmptyKeyDisablesAHostedProvider() throws Exception {
        LoadedConfig loaded = load("""
                providers:
                  - {name: anthropic, type: anthropic, models: [claude]}
                  - {name: gemini, type: gemini, api_key: "", models: [gemini-1.5-pro]}
                """);

        assertThat(loaded.config().providers())
                .extracting(ProviderConfig::missingCredential)
                .containsExactly(ProviderConfig.NO_API_KEY, ProviderConfig.NO_API_KEY);
        assertThat(loaded.warnings())
                .containsExactly(
                        "provider anthropic is disabled: api_key is empty",
                        "provider gemini is disabled: api_key is empty");
    }

    @Test
    void ownOpenAiCompatibleServerNeedsNoKey() throws Exception {
        LoadedConfig loaded = load(
                "providers:\n  - {name: vllm, type: openai, base_url: http://localhost:8000/v1, models: [llama]}\n");

        assertThat(loaded.config().providers().get(0).enabled()).isTrue();
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void unsetVariableInAnAzureBaseUrlDisablesTheProvider() throws Exception {
        LoadedConfig loaded = load("""
                providers:
                  - name: azure
                    type: azure
                    api_key: k
                    base_url: https://${AZURE_RESOURCE}.openai.azure.com
                    models: [gpt-4o]
                """);

        assertThat(loaded.config().providers().get(0).missingCredential()).isEqualTo("AZURE_RESOURCE");
        assertThat(loaded.warnings()).containsExactly("provider azure is disabled: AZURE_RESOURCE is not set");
    }

    @Test
    void mockProviderNeverNeedsAKey() throws Exception {
        LoadedConfig loaded = load("providers:\n  - {name: mock, type: mock, api_key: \"${NOPE}\", models: [m]}\n");

        assertThat(loaded.config().providers().get(0).enabled()).isTrue();
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void startFailsWhenNoProviderIsUsableAndNoMockIsConfigured() throws Exception {
        Config config = load(OPENAI).config();

        assertThatThrownBy(() -> ConfigLoader.requireUsableProvider(config))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .containsExactly(new ConfigProblem(
                                "providers",
                                0,
                                "no provider can answer: openai (OPENAI_API_KEY is not set); set a key in the"
                                        + " environment or .env, or add a provider of type mock")));
    }

    @Test
    void aMockProviderIsEnoughToStart() throws Exception {
        Config config =
                load(OPENAI + "  - {name: mock, type: mock, models: [m]}\n").config();

        assertThatCode(() -> ConfigLoader.requireUsableProvider(config)).doesNotThrowAnyException();
    }

    @Test
    void apiKeysNeverAppearInToString() throws Exception {
        Config config =
                load(OPENAI, Map.of("OPENAI_API_KEY", "sk-secret-value")).config();

        assertThat(config.toString()).doesNotContain("sk-secret-value");
    }
}
