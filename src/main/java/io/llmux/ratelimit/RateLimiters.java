package io.llmux.ratelimit;

import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.telemetry.Log;
import java.time.Clock;
import redis.clients.jedis.RedisClient;

/** Picks where rate limit counters live: this process alone, or Redis with this process's counters to fall back on. */
public final class RateLimiters {

    private RateLimiters() {}

    /**
     * Local counters when {@code redis} is not configured, else Redis falling back on {@code redis.on_error}. Nothing
     * is sent to Redis here: a Redis that is down at start-up only means the fallback until it is up.
     *
     * @throws IllegalArgumentException when {@code redis.addr} is neither {@code host:port} nor a URL
     */
    public static Owned of(RedisConfig redis, Clock clock, Log log) {
        LocalRateLimiter local = new LocalRateLimiter(clock);
        if (!redis.configured()) {
            return new Owned(local, null);
        }
        RedisClient client = RedisClients.create(redis);
        return new Owned(
                new FallbackRateLimiter(new RedisRateLimiter(client, true), local, redis.onError(), clock, log),
                client);
    }

    /** A limiter and the Redis client it uses, closed with it. */
    public record Owned(RateLimiter limiter, RedisClient client) implements AutoCloseable {
        @Override
        public void close() {
            if (limiter instanceof FallbackRateLimiter shared) {
                shared.close();
            }
            if (client != null) {
                client.close();
            }
        }
    }
}
