package io.llmux.cache;

import java.time.Duration;
import java.util.Optional;

/**
 * Where cached answers live (SPEC §7), by {@link CacheKey}. Values are opaque bytes, the serialized answer; a value
 * returned by {@link #get} is shared and must not be changed. A cache must never fail a request: {@link #get} and
 * {@link #put} do not throw, a store that cannot answer is a miss and a put it cannot take is skipped.
 */
public interface ResponseCache {

    Optional<byte[]> get(String key);

    /** Stores {@code value} for {@code ttl}; a value over {@code cache.max_item_size} is not stored. */
    void put(String key, byte[] value, Duration ttl);

    /** The metric's label: {@code local}, {@code redis} or {@code dual}. */
    String layer();

    /** Calls to Redis that failed so far (connection refused, timeout, error reply); 0 without Redis. */
    long errors();

    void close();
}
