package io.llmux.cache;

import java.time.Duration;
import java.util.Optional;

/**
 * This replica's own cache in front of the shared one: a repeated request is answered from the heap without a round
 * trip, and an answer another replica cached is found in Redis and kept here for next time. While Redis is down, the
 * local copies still serve.
 */
public final class DualResponseCache implements ResponseCache {
    private final LocalResponseCache local;
    private final RedisResponseCache redis;
    private final Duration ttl;

    /** @param ttl {@code cache.ttl}: the longest a local copy of a Redis entry is kept */
    public DualResponseCache(LocalResponseCache local, RedisResponseCache redis, Duration ttl) {
        this.local = local;
        this.redis = redis;
        this.ttl = ttl;
    }

    @Override
    public Optional<byte[]> get(String key) {
        Optional<byte[]> here = local.get(key);
        if (here.isPresent()) {
            return here;
        }
        // the local copy lives only as long as Redis keeps the entry, so it never serves what Redis has let go
        return redis.getWithTtl(key).map(hit -> {
            Duration remaining = hit.remaining().compareTo(ttl) < 0 ? hit.remaining() : ttl;
            local.put(key, hit.value(), remaining);
            return hit.value();
        });
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        local.put(key, value, ttl);
        redis.put(key, value, ttl);
    }

    @Override
    public String layer() {
        return "dual";
    }

    @Override
    public long errors() {
        return redis.errors();
    }

    @Override
    public void close() {
        local.close();
        redis.close();
    }
}
