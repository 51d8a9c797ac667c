package io.llmux.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code cache:} (SPEC §7), including the original Go LLMux's {@code cache.memory} keys, each mapped onto its
 * new name with one deprecation warning. A key under its new name wins over the old one.
 */
final class CacheSection {
    private static final Map<String, CacheConfig.CacheType> TYPES =
            Walker.names(CacheConfig.CacheType.values(), t -> t.name().toLowerCase(Locale.ROOT));

    private CacheSection() {}

    /** @param c the {@code cache} section, which also holds the old {@code cache.redis} block read with redis */
    static CacheConfig read(Section c) {
        Section memory = c.legacySection("memory");
        CacheConfig d = CacheConfig.defaults();

        Duration ttl = memory.deprecated("default_ttl", "use cache.ttl")
                ? memory.positiveDuration("default_ttl", d.ttl())
                : d.ttl();
        long maxEntries = memory.deprecated("max_size", "use cache.max_entries")
                ? memory.whole("max_size", d.maxEntries(), 1)
                : d.maxEntries();
        long maxItemSize = memory.deprecated("max_item_size", "use cache.max_item_size")
                ? memory.size("max_item_size", d.maxItemSize())
                : d.maxItemSize();
        if (memory.deprecated("cleanup_interval", "ignored: expired entries are evicted as they are found")) {
            memory.duration("cleanup_interval", Duration.ZERO);
        }
        return new CacheConfig(
                c.bool("enabled", d.enabled()),
                c.choice("type", d.type(), "cache type", TYPES),
                c.positiveDuration("ttl", ttl),
                c.string("namespace", d.namespace()).strip(),
                c.whole("max_entries", maxEntries, 1),
                c.size("max_item_size", maxItemSize));
    }

    static boolean usesRedis(CacheConfig cache) {
        return cache.enabled() && cache.type() != CacheConfig.CacheType.LOCAL;
    }
}
