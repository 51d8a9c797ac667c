package io.llmux.config;

import java.time.Duration;

/** {@code cache:} — the response cache (SPEC §7). */
public record CacheConfig(
        boolean enabled, CacheType type, Duration ttl, String namespace, long maxEntries, long maxItemSize) {

    public enum CacheType {
        LOCAL,
        REDIS,
        DUAL
    }

    public static CacheConfig defaults() {
        return new CacheConfig(false, CacheType.LOCAL, Duration.ofHours(1), "llmux", 10_000, 1024L * 1024);
    }
}
