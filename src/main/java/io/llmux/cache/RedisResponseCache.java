package io.llmux.cache;

import io.llmux.redis.RedisErrors;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * Cached answers in Redis, shared by every replica, under {@code <namespace>:cache:<key>} with Redis's own expiry.
 * Redis failing is a miss, or a put skipped; never an error for the request. Every failed call is counted and the
 * failure logged at most once a minute ({@link RedisErrors}); after one, Redis is left alone for a second, so a Redis
 * that hangs costs one request its {@code redis.timeout}, not every request.
 */
public final class RedisResponseCache implements ResponseCache {
    /** A value and how long Redis keeps it yet: {@link ChronoUnit#FOREVER} when it has no expiry, zero when it just lapsed. */
    public record Hit(byte[] value, Duration remaining) {}

    private final UnifiedJedis redis;
    private final String prefix;
    private final long maxItemSize;
    private final RedisErrors errors;

    /**
     * @param redis from {@link io.llmux.redis.RedisClients#create}, closed with this cache
     * @param errors counts and logs failures, with what a failure means for this cache's callers
     */
    public RedisResponseCache(UnifiedJedis redis, String namespace, long maxItemSize, RedisErrors errors) {
        this.redis = redis;
        this.prefix = namespace + ":cache:";
        this.maxItemSize = maxItemSize;
        this.errors = errors;
    }

    @Override
    public Optional<byte[]> get(String key) {
        if (!errors.worthTrying()) {
            return Optional.empty();
        }
        try {
            byte[] value = redis.get(name(key));
            errors.answered();
            return Optional.ofNullable(value);
        } catch (RuntimeException e) {
            errors.failed("cache get", e);
            return Optional.empty();
        }
    }

    /**
     * The value with its remaining time to live, GET and PTTL pipelined in one round trip: what a local copy in front
     * of Redis needs so it does not outlive the shared one.
     */
    public Optional<Hit> getWithTtl(String key) {
        if (!errors.worthTrying()) {
            return Optional.empty();
        }
        byte[] name = name(key);
        try (AbstractPipeline pipeline = redis.pipelined()) {
            Response<byte[]> value = pipeline.get(name);
            Response<Long> pttl = pipeline.pttl(name);
            pipeline.sync();
            Optional<Hit> hit = Optional.ofNullable(value.get()).map(v -> new Hit(v, remaining(pttl.get())));
            errors.answered();
            return hit;
        } catch (RuntimeException e) {
            errors.failed("cache get", e);
            return Optional.empty();
        }
    }

    /** PTTL: milliseconds left, -1 when the key has no expiry, -2 when it is gone (it lapsed right after the GET). */
    private static Duration remaining(long pttl) {
        if (pttl == -1) {
            return ChronoUnit.FOREVER.getDuration();
        }
        return pttl > 0 ? Duration.ofMillis(pttl) : Duration.ZERO;
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        long millis = ttl.toMillis();
        if (value.length > maxItemSize || millis <= 0 || !errors.worthTrying()) {
            return;
        }
        try {
            redis.set(name(key), value, SetParams.setParams().px(millis));
            errors.answered();
        } catch (RuntimeException e) {
            errors.failed("cache put", e);
        }
    }

    private byte[] name(String key) {
        return (prefix + key).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String layer() {
        return "redis";
    }

    @Override
    public long errors() {
        return errors.count();
    }

    @Override
    public void close() {
        try {
            redis.close();
        } catch (RuntimeException e) {
            errors.failed("close", e); // shutting down: counted, nothing more to do
        }
    }
}
