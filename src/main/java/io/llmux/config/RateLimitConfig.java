package io.llmux.config;

/** {@code rate_limit:} — per key/user/team limits (SPEC §9); 0 means no default limit. */
public record RateLimitConfig(boolean enabled, long defaultRpm, long defaultTpm) {
    public static RateLimitConfig defaults() {
        return new RateLimitConfig(false, 0, 0);
    }
}
