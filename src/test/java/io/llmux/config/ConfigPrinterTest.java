package io.llmux.config;

import static io.llmux.config.Configs.load;
import static io.llmux.config.Configs.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigPrinterTest {

    @Test
    void checkConfigListsEachModelGroupWithItsDeployments() throws Exception {
        LoadedConfig loaded = load(resource("spec-example.yaml"), Map.of("OPENAI_API_KEY", "sk-test"));

        assertThat(ConfigPrinter.modelGroups(loaded.config()))
                .containsExactly(
                        "routing: simple-shuffle, 3 retries, fallbacks on",
                        "model groups:",
                        "  gpt-4o",
                        "    openai/gpt-4o  weight 1",
                        "  gpt-4o-mini",
                        "    openai/gpt-4o-mini-2024-07-18  weight 2  rpm 500  tpm 200000  tags fast",
                        "  claude-3-5-sonnet-20241022",
                        "    anthropic/claude-3-5-sonnet-20241022  weight 1  disabled: ANTHROPIC_API_KEY is not set",
                        "fallbacks:",
                        "  gpt-4o -> claude-3-5-sonnet-20241022");
    }

    @Test
    void groupsServedByManyProvidersListEveryDeploymentAndAliases() throws Exception {
        Config config = load("""
                        providers:
                          - {name: a, type: mock, models: [m]}
                          - {name: b, type: mock, weight: 0, models: [m, n]}
                        routing:
                          aliases: {fast: n}
                          default_provider: a
                        """).config();

        assertThat(ConfigPrinter.modelGroups(config))
                .containsSubsequence(
                        "  m",
                        "    a/m  weight 1",
                        "    b/m  weight 0 (standby)",
                        "  n",
                        "    b/n  weight 0 (standby)",
                        "aliases:",
                        "  fast -> n",
                        "default provider: a");
    }

    @Test
    void describeShowsWarningsFirst() throws Exception {
        LoadedConfig loaded = load(resource("seed-readme.yaml"));

        assertThat(ConfigPrinter.describe(loaded))
                .startsWith(
                        "config (text) is valid",
                        "warning: provider openai is disabled: OPENAI_API_KEY is not set",
                        "warning: provider anthropic is disabled: ANTHROPIC_API_KEY is not set");
    }

    @Test
    void summaryNeverShowsASecret() throws Exception {
        Config config = load("""
                        auth: {master_key: sk-master-secret}
                        providers:
                          - {name: openai, type: openai, api_key: sk-provider-secret, models: [gpt-4o]}
                        redis: {addr: "redis://:redis-secret@cache:6379", password: redis-secret}
                        database: {host: pg, password: db-secret}
                        """).config();

        String summary = ConfigPrinter.summary(config);
        assertThat(summary)
                .contains("master key set", "providers: openai", "database postgres pg:5432/llmux", "redis cache:6379")
                .doesNotContain("sk-master-secret", "sk-provider-secret", "redis-secret", "db-secret");
        assertThat(String.join("\n", ConfigPrinter.modelGroups(config))).doesNotContain("secret");
    }
}
