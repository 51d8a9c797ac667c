package io.llmux.cache;

import io.llmux.config.CacheConfig;
import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.redis.RedisErrors;
import io.llmux.telemetry.Log;
import java.time.Clock;

/** Builds the response cache {@code cache.type} names. */
public final class ResponseCaches {
    private ResponseCaches() {}

    /**
     * The configured cache, whether or not {@code cache.enabled}: the caller decides whether to use it. Nothing is sent
     * to Redis here: a Redis that is down at start-up only means misses until it is up.
     *
     * @throws IllegalArgumentException when {@code redis.addr} is neither {@code host:port} nor a URL
     */
    public static ResponseCache of(CacheConfig cache, RedisConfig redis, Clock clock, Log log) {
        return switch (cache.type()) {
            case LOCAL -> local(cache);
            case REDIS ->
                redis(cache, redis, new RedisErrors(clock, log, "cached answers are", "neither served nor stored"));
            case DUAL ->
                new DualResponseCache(
                        local(cache),
                        redis(cache, redis, new RedisErrors(clock, log, "cached answers are")),
                        cache.ttl());
        };
    }

    private static LocalResponseCache local(CacheConfig cache) {
        return new LocalResponseCache(cache.maxEntries(), cache.maxItemSize());
    }

    private static RedisResponseCache redis(CacheConfig cache, RedisConfig redis, RedisErrors errors) {
        if (!redis.configured()) {
            // ConfigLoader refuses such a config with its line and column; this guards configs built in code
            throw new IllegalStateException("cache type " + cache.type() + " needs redis.addr");
        }
        return new RedisResponseCache(RedisClients.create(redis), cache.namespace(), cache.maxItemSize(), errors);
    }
}
