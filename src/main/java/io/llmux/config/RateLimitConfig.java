package io.llmux.config;

/**
 * {@code rate_limit:} — per key/user/team limits (SPEC §9); 0 means no default limit.
 *
 * @param defaultRpm for keys without an rpm limit of their own, and per client address on a gateway without auth
 */
public record RateLimitConfig(boolean enabled, long defaultRpm, long defaultTpm) {
    public static RateLimitConfig defaults() {
        return new RateLimitConfig(true, 0, 0);
    }
}
