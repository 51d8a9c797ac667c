package io.llmux.config;

import static io.llmux.config.Configs.config;
import static io.llmux.config.Configs.problem;
import static io.llmux.config.Configs.problems;
import static io.llmux.config.Configs.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingSectionTest {
    private static final String PROVIDERS = """
            providers:
              - {name: openai, type: openai, api_key: k, models: [gpt-4o, gpt-4o-mini]}
              - {name: anthropic, type: anthropic, api_key: k, models: [claude-3-5-sonnet-20241022]}
            """;

    @Test
    void routingIsRead() throws Exception {
        RoutingConfig routing = config(PROVIDERS + """
                        routing:
                          strategy: lowest-latency
                          fallback_enabled: false
                          retry_count: 1
                          retry_backoff: 50ms
                          retry_max_backoff: 2s
                          allowed_fails: 5
                          cooldown_period: 2m
                          lowest_latency_buffer: 0.2
                          fallbacks:
                            gpt-4o: [claude-3-5-sonnet-20241022, gpt-4o-mini]
                          context_window_fallbacks:
                            gpt-4o-mini: [gpt-4o]
                          aliases:
                            gpt4: gpt-4o
                            claude: claude-3-5-sonnet-20241022
                        """).routing();

        assertThat(routing)
                .isEqualTo(new RoutingConfig(
                        RoutingStrategy.LOWEST_LATENCY,
                        false,
                        1,
                        Duration.ofMillis(50),
                        Duration.ofSeconds(2),
                        5,
                        Duration.ofMinutes(2),
                        0.2,
                        Map.of("gpt-4o", List.of("claude-3-5-sonnet-20241022", "gpt-4o-mini")),
                        Map.of("gpt-4o-mini", List.of("gpt-4o")),
                        Map.of("gpt4", "gpt-4o", "claude", "claude-3-5-sonnet-20241022"),
                        null));
    }

    @Test
    void fallbackToAGroupNoProviderServesIsAProblem() {
        assertThat(problem(resource("bad-fallback.yaml")))
                .isEqualTo("routing.fallbacks.gpt-4o[0]: no provider serves the model group"
                        + " \"claude-3-5-sonnet\" (served: gpt-4o, gpt-4o-mini) (line 9)");
    }

    @Test
    void misspeltFallbackGroupSuggestsTheServedOne() {
        assertThat(problem(PROVIDERS + "routing:\n  fallbacks:\n    gpt-4o: [gpt-4o-mni]\n"))
                .isEqualTo("routing.fallbacks.gpt-4o[0]: no provider serves the model group"
                        + " \"gpt-4o-mni\" (did you mean gpt-4o-mini?) (line 6)");
    }

    @Test
    void fallbackFromAnUnservedGroupIsAProblem() {
        assertThat(problem(PROVIDERS + "routing:\n  fallbacks:\n    gpt-5: [gpt-4o]\n"))
                .isEqualTo("routing.fallbacks.gpt-5: no provider serves the model group"
                        + " \"gpt-5\" (did you mean gpt-4o?) (line 6)");
    }

    @Test
    void contextWindowFallbackToAnUnservedGroupIsAProblem() {
        assertThat(problem(PROVIDERS + "routing:\n  context_window_fallbacks:\n    gpt-4o: [gemini-1.5-pro]\n"))
                .startsWith("routing.context_window_fallbacks.gpt-4o[0]: no provider serves the model group"
                        + " \"gemini-1.5-pro\"")
                .endsWith("(line 6)");
    }

    @Test
    void groupFallingBackToItselfIsAProblem() {
        assertThat(problem(PROVIDERS + "routing:\n  fallbacks:\n    gpt-4o: [gpt-4o]\n"))
                .isEqualTo("routing.fallbacks.gpt-4o[0]: a model group cannot fall back to itself (line 6)");
    }

    @Test
    void fallbacksMustBeLists() {
        assertThat(problem(PROVIDERS + "routing:\n  fallbacks:\n    gpt-4o: gpt-4o-mini\n"))
                .isEqualTo("routing.fallbacks.gpt-4o: must be a list of model groups, not a value (line 6)");
    }

    @Test
    void aliasToAnUnservedGroupIsAProblem() {
        assertThat(problem(PROVIDERS + "routing:\n  aliases:\n    smart: gpt-5\n"))
                .isEqualTo("routing.aliases.smart: no provider serves the model group \"gpt-5\""
                        + " (did you mean gpt-4o?) (line 6)");
    }

    @Test
    void aliasShadowingAGroupIsAProblem() {
        assertThat(problem(PROVIDERS + "routing:\n  aliases:\n    gpt-4o: gpt-4o-mini\n"))
                .isEqualTo("routing.aliases.gpt-4o: alias shadows the model group gpt-4o that a provider"
                        + " serves; choose another alias (line 6)");
    }

    @Test
    void referencesToADisabledProvidersGroupsAreValid() throws Exception {
        String yaml =
                PROVIDERS.replace("api_key: k, models: [claude", "api_key: \"${ANTHROPIC_API_KEY}\", models: [claude")
                        + "routing:\n  fallbacks:\n    gpt-4o: [claude-3-5-sonnet-20241022]\n";

        assertThat(config(yaml).routing().fallbacks()).containsKey("gpt-4o");
    }

    @Test
    void everyBadReferenceIsReported() {
        assertThat(problems(PROVIDERS + "routing:\n  fallbacks:\n    a: [b]\n  aliases:\n    c: d\n"))
                .hasSize(3);
    }
}
