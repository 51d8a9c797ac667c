package io.llmux.config;

import static io.llmux.config.Configs.load;
import static io.llmux.config.Configs.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §2: the original README's config and the SPEC's own example load as they are. */
class SeedConfigTest {
    private static final String README = resource("seed-readme.yaml");

    @Test
    void readmeConfigLoadsWithNoVariablesSet() throws Exception {
        LoadedConfig loaded = load(README);

        assertThat(loaded.config().providers()).noneMatch(ProviderConfig::enabled);
        assertThat(loaded.warnings())
                .containsExactly(
                        "provider openai is disabled: OPENAI_API_KEY is not set",
                        "provider anthropic is disabled: ANTHROPIC_API_KEY is not set");
    }

    @Test
    void readmeConfigWithNoVariablesCannotStart() throws Exception {
        Config config = load(README).config();

        assertThatThrownBy(() -> ConfigLoader.requireUsableProvider(config))
                .hasMessageContaining("openai (OPENAI_API_KEY is not set), anthropic (ANTHROPIC_API_KEY is not set)");
    }

    @Test
    void readmeConfigLoadsAndStartsWithOneVariableSet() throws Exception {
        for (String variable : List.of("OPENAI_API_KEY", "ANTHROPIC_API_KEY")) {
            LoadedConfig loaded = load(README, Map.of(variable, "sk-test"));

            assertThat(loaded.config().providers())
                    .filteredOn(ProviderConfig::enabled)
                    .hasSize(1);
            assertThat(loaded.warnings()).hasSize(1);
            assertThatCode(() -> ConfigLoader.requireUsableProvider(loaded.config()))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void readmeConfigLoadsWithAllVariablesSet() throws Exception {
        LoadedConfig loaded = load(README, Map.of("OPENAI_API_KEY", "sk-a", "ANTHROPIC_API_KEY", "sk-b"));

        Config config = loaded.config();
        assertThat(loaded.warnings()).isEmpty();
        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().writeTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(config.providers())
                .extracting(ProviderConfig::name, p -> p.models().size())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("openai", 2),
                        org.assertj.core.groups.Tuple.tuple("anthropic", 1));
        assertThat(config.routing().retryCount()).isEqualTo(3);
        assertThat(config.cache().enabled()).isTrue();
        assertThat(config.cache().ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(config.tracing().enabled()).isFalse();
    }

    @Test
    void specExampleLoads() throws Exception {
        LoadedConfig loaded = load(resource("spec-example.yaml"), Map.of("OPENAI_API_KEY", "sk-test"));

        Config config = loaded.config();
        assertThat(config.providers().get(0).models().get(1))
                .isEqualTo(new DeploymentConfig(
                        "gpt-4o-mini",
                        "gpt-4o-mini-2024-07-18",
                        2,
                        500L,
                        200_000L,
                        List.of("fast"),
                        0.15,
                        0.60,
                        null,
                        128_000L,
                        true));
        assertThat(config.routing().fallbacks()).isEqualTo(Map.of("gpt-4o", List.of("claude-3-5-sonnet-20241022")));
        assertThat(config.database().type()).isEqualTo(DatabaseConfig.Type.EMBEDDED);
        assertThat(config.redis().configured()).isFalse();
        assertThat(config.rateLimit().enabled()).isTrue();
        assertThat(config.server().maxBodySize()).isEqualTo(10L * 1024 * 1024);
        assertThat(loaded.warnings())
                .containsExactlyInAnyOrder(
                        "providers[0].api_version: ignored (only azure uses it)",
                        "provider anthropic is disabled: ANTHROPIC_API_KEY is not set");
    }
}
