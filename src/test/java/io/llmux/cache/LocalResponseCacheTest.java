package io.llmux.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The local cache against a hand-moved ticker; evictions run on the calling thread so each bound is seen at once. */
class LocalResponseCacheTest {
    private static final long MIB = 1024 * 1024;

    private final AtomicLong nanos = new AtomicLong();

    private LocalResponseCache cache(long maxEntries, long maxItemSize, long budgetBytes) {
        return new LocalResponseCache(maxEntries, maxItemSize, budgetBytes, nanos::get, Runnable::run);
    }

    private void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }

    private static long present(LocalResponseCache cache, int keys) {
        return IntStream.range(0, keys)
                .filter(i -> cache.get("k" + i).isPresent())
                .count();
    }

    @Test
    void eachEntryLivesForTheTtlItWasPutWith() {
        LocalResponseCache cache = cache(100, 1000, 100_000);
        cache.put("short", new byte[] {1}, Duration.ofSeconds(10));
        cache.put("long", new byte[] {2}, Duration.ofSeconds(60));

        advance(Duration.ofSeconds(9));
        assertThat(cache.get("short")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
        advance(Duration.ofSeconds(2));
        assertThat(cache.get("short")).isEmpty();
        assertThat(cache.get("long")).hasValueSatisfying(v -> assertThat(v).containsExactly(2));

        cache.put("long", new byte[] {3}, Duration.ofSeconds(5));
        advance(Duration.ofSeconds(6));
        assertThat(cache.get("long")).as("a new put brings its own ttl").isEmpty();
    }

    @Test
    void aReadDoesNotExtendAnEntry() {
        LocalResponseCache cache = cache(100, 1000, 100_000);
        cache.put("k", new byte[] {1}, Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
            advance(Duration.ofSeconds(3));
            assertThat(cache.get("k")).isPresent();
        }
        advance(Duration.ofSeconds(2));
        assertThat(cache.get("k")).isEmpty();
    }

    @Test
    void noMoreThanMaxEntriesFitHoweverSmall() {
        LocalResponseCache cache = cache(3, 1000, LocalResponseCache.budget(3, 1000, Long.MAX_VALUE));
        for (int i = 0; i < 10; i++) {
            cache.put("k" + i, new byte[10], Duration.ofHours(1));
        }
        cache.cleanUp();
        assertThat(present(cache, 10)).isEqualTo(3);
    }

    @Test
    void theBytesHeldStayWithinTheBudget() {
        long budget = 10_000;
        LocalResponseCache cache = cache(100, 5_000, budget);
        for (int i = 0; i < 5; i++) {
            cache.put("k" + i, new byte[3_000], Duration.ofHours(1));
        }
        cache.cleanUp();
        long held = IntStream.range(0, 5)
                .mapToObj(i -> cache.get("k" + i))
                .flatMap(v -> v.stream())
                .mapToLong(v -> v.length + LocalResponseCache.ENTRY_OVERHEAD + 2)
                .sum();
        assertThat(present(cache, 5)).isEqualTo(3);
        assertThat(held).isLessThanOrEqualTo(budget);
    }

    @Test
    void aValueOverMaxItemSizeIsNotStored() {
        LocalResponseCache cache = cache(100, 1000, 100_000);
        cache.put("big", new byte[1001], Duration.ofHours(1));
        cache.put("fits", new byte[1000], Duration.ofHours(1));
        assertThat(cache.get("big")).isEmpty();
        assertThat(cache.get("fits")).isPresent();
    }

    @Test
    void aTtlOfNothingIsNotStored() {
        LocalResponseCache cache = cache(100, 1000, 100_000);
        cache.put("k", new byte[1], Duration.ZERO);
        assertThat(cache.get("k")).isEmpty();
    }

    @Test
    void theBudgetIsRoomForMaxEntriesOfTheLargestButAnEighthOfTheHeapAtMost() {
        assertThat(LocalResponseCache.budget(100, MIB, 8 * 1024 * MIB)).isEqualTo(100 * MIB);
        assertThat(LocalResponseCache.budget(10_000, MIB, 1024 * MIB))
                .as("the defaults would be 10 GB")
                .isEqualTo(128 * MIB);
        assertThat(LocalResponseCache.budget(Long.MAX_VALUE, Long.MAX_VALUE, 800))
                .isEqualTo(100);
    }

    @Test
    void itIsTheLocalLayerWithoutErrors() {
        LocalResponseCache cache = cache(1, 1, 1);
        assertThat(cache.layer()).isEqualTo("local");
        assertThat(cache.errors()).isZero();
    }
}
