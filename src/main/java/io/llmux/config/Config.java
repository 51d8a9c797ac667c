package io.llmux.config;

import java.util.List;
import java.util.Objects;

/**
 * The whole resolved configuration (SPEC §2): immutable, so a reload swaps one object and requests in flight keep
 * the one they started with. Sections whose behaviour a later version brings are still parsed and validated.
 */
public record Config(
        ServerConfig server,
        AuthConfig auth,
        List<ProviderConfig> providers,
        RoutingConfig routing,
        CacheConfig cache,
        RedisConfig redis,
        DatabaseConfig database,
        RateLimitConfig rateLimit,
        MetricsConfig metrics,
        TracingConfig tracing,
        LoggingConfig logging) {

    public Config {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(auth, "auth");
        providers = List.copyOf(providers);
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(tracing, "tracing");
        Objects.requireNonNull(logging, "logging");
    }
}
