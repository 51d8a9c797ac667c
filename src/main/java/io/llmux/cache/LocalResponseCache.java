package io.llmux.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Cached answers in this process's heap (Caffeine), each for the ttl it was put with. Bounded twice: by
 * {@code cache.max_entries} and by bytes. Both are enforced through one weight: an entry weighs its bytes, but never
 * less than {@code budget / max_entries}, so no more than {@code max_entries} entries fit however small they are, and
 * large ones fit only while their bytes stay within the budget.
 */
public final class LocalResponseCache implements ResponseCache {
    /**
     * What an entry costs beyond its value and its key's characters: the key's String and array headers, the entry
     * record and Caffeine's node. An estimate; it keeps a cache of tiny answers from overrunning the budget.
     */
    static final int ENTRY_OVERHEAD = 160;

    /** A value with the ttl it was put with, so each entry expires on its own schedule. */
    private record Entry(byte[] value, Duration ttl) {}

    private final Cache<String, Entry> cache;
    private final long maxItemSize;

    /** Sized from {@code cache.max_entries} and {@code cache.max_item_size} and this JVM's heap; see {@link #budget}. */
    public LocalResponseCache(long maxEntries, long maxItemSize) {
        this(
                maxEntries,
                maxItemSize,
                budget(maxEntries, maxItemSize, Runtime.getRuntime().maxMemory()),
                Ticker.systemTicker(),
                ForkJoinPool.commonPool());
    }

    /**
     * @param ticker nanoseconds for expiry; a test moves it by hand
     * @param executor where Caffeine evicts; a test runs it on the calling thread to see evictions at once
     */
    LocalResponseCache(long maxEntries, long maxItemSize, long budgetBytes, Ticker ticker, Executor executor) {
        this.maxItemSize = maxItemSize;
        long floor =
                Math.ceilDiv(budgetBytes, maxEntries); // rounded up: n entries of at least this fit only if n <= max
        this.cache = Caffeine.newBuilder()
                .maximumWeight(budgetBytes)
                .<String, Entry>weigher((key, entry) -> (int) Math.min(
                        Integer.MAX_VALUE, Math.max(entry.value().length + key.length() + ENTRY_OVERHEAD, floor)))
                .expireAfter(Expiry.<String, Entry>writing((key, entry) -> entry.ttl()))
                .ticker(ticker)
                .executor(executor)
                .build();
    }

    /**
     * The bytes the cache may hold: room for {@code max_entries} of the largest answers, but no more than an eighth of
     * the heap. The defaults (10,000 × 1 MB) would be 10 GB, more than most heaps; a cache that filled the heap would
     * take the gateway down with it, and an eighth leaves the rest for requests in flight, streams and the key cache.
     */
    static long budget(long maxEntries, long maxItemSize, long maxMemory) {
        long all = maxItemSize > Long.MAX_VALUE / maxEntries ? Long.MAX_VALUE : maxEntries * maxItemSize;
        return Math.max(1, Math.min(all, maxMemory / 8));
    }

    @Override
    public Optional<byte[]> get(String key) {
        Entry e = cache.getIfPresent(key);
        return e == null ? Optional.empty() : Optional.of(e.value());
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        if (value.length > maxItemSize || !ttl.isPositive()) {
            return;
        }
        cache.put(key, new Entry(value, ttl));
    }

    @Override
    public String layer() {
        return "local";
    }

    @Override
    public long errors() {
        return 0;
    }

    @Override
    public void close() {
        cache.invalidateAll();
    }

    /** Runs pending evictions now, so a test sees the bounds hold. */
    void cleanUp() {
        cache.cleanUp();
    }
}
