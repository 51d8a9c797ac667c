package io.llmux.config;

/** {@code metrics:} — the Prometheus endpoint. */
public record MetricsConfig(boolean enabled, String path) {
    public static MetricsConfig defaults() {
        return new MetricsConfig(true, "/metrics");
    }
}
