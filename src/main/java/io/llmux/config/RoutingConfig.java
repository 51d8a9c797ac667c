package io.llmux.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** {@code routing:} — how a deployment is picked and what happens when it fails (SPEC §6). */
public record RoutingConfig(
        RoutingStrategy strategy,
        boolean fallbackEnabled,
        int retryCount,
        Duration retryBackoff,
        Duration retryMaxBackoff,
        int allowedFails,
        Duration cooldownPeriod,
        double lowestLatencyBuffer,
        Map<String, List<String>> fallbacks,
        Map<String, List<String>> contextWindowFallbacks,
        Map<String, String> aliases,
        String defaultProvider) {

    public RoutingConfig {
        fallbacks = Map.copyOf(fallbacks);
        contextWindowFallbacks = Map.copyOf(contextWindowFallbacks);
        aliases = Map.copyOf(aliases);
    }

    public static RoutingConfig defaults() {
        return new RoutingConfig(
                RoutingStrategy.SIMPLE_SHUFFLE,
                true,
                3,
                Duration.ofMillis(100),
                Duration.ofSeconds(5),
                3,
                Duration.ofSeconds(60),
                0.1,
                Map.of(),
                Map.of(),
                Map.of(),
                null);
    }
}
