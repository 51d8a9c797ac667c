package io.llmux.config;

/** {@code routing.strategy}; the config name is the lower-case, hyphenated constant name. */
public enum RoutingStrategy {
    SIMPLE_SHUFFLE,
    LOWEST_LATENCY,
    LEAST_BUSY,
    LOWEST_TPM_RPM,
    LOWEST_COST,
    TAG_BASED;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
