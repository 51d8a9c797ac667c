package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.budget.BudgetScope.Kind;
import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Budget counters degrade to this replica's own when Redis fails; a request never fails because of Redis, nor does a
 * settlement held back and sent later.
 */
class FallbackLedgerTest {
    private static final long CENT = LedgerContract.CENT;
    private static final BudgetScope KEY = new BudgetScope(Kind.KEY, "k1", "my-key", 100 * CENT, 0, 20 * CENT);

    private final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:00Z"));
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final LogSink sink = new LogSink(logged, () -> false);
    private final Log log = new Log(sink, LoggingConfig.Level.INFO, clock::millis);
    private final List<FallbackLedger> made = new ArrayList<>();

    @AfterEach
    void close() {
        made.forEach(FallbackLedger::close); // stops their threads; closing twice is harmless
        sink.close();
    }

    private FallbackLedger fallback(Ledger shared, LocalLedger local, Duration flushEvery) {
        FallbackLedger ledger = new FallbackLedger(shared, local, clock, log, flushEvery);
        made.add(ledger);
        return ledger;
    }

    private FallbackLedger fallback(Ledger shared, LocalLedger local) {
        return fallback(shared, local, RedisLedger.FLUSH_EVERY);
    }

    /** A Redis ledger on a port nothing listens on, holding its settlements back as {@link Ledgers} makes it. */
    private RedisLedger unreachable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        RedisConfig down = new RedisConfig(
                "127.0.0.1:" + closedPort, "", 0, Duration.ofMillis(300), RedisConfig.OnError.FAIL_OPEN);
        return new RedisLedger(
                RedisClients.create(down), clock, LedgerKeys.DEFAULT_PREFIX, Ledgers.RESERVATION_TTL, true);
    }

    /** A reservation Redis took, as one made before the outage began. */
    private static Reservation shared(int n) {
        return new Reservation("replica:" + n, List.of(KEY), 10 * CENT, List.of(20 * CENT));
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    private String logText() {
        sink.flush();
        return logged.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withRedisDownReservationsAreAnsweredFromLocalCountersAndErrorsCounted() throws Exception {
        try (FallbackLedger ledger = fallback(unreachable(), new LocalLedger(clock))) {
            Reservation r = ledger.reserve(List.of(KEY), 50 * CENT);
            assertThat(r.spentBefore()).as("local, from the database's spend").containsExactly(20 * CENT);
            assertThat(ledger.redisErrors()).isEqualTo(1);

            assertThatThrownBy(() -> ledger.reserve(List.of(KEY), 40 * CENT))
                    .as("the local counter still holds the budget")
                    .isInstanceOf(BudgetExceeded.class);
            assertThat(ledger.redisErrors())
                    .as("Redis left alone for a second after a failure")
                    .isEqualTo(1);

            ledger.settle(r, 30 * CENT);
            assertThat(ledger.spent(KEY)).isEqualTo(50 * CENT);

            clock.advance(Duration.ofMillis(FallbackLedger.RETRY_AFTER_MILLIS));
            assertThat(ledger.spent(KEY))
                    .as("asked Redis again, answered locally")
                    .isEqualTo(50 * CENT);
            assertThat(ledger.redisErrors()).isEqualTo(2);
        }
        String text = logText();
        assertThat(text.split("redis failed", -1)).as("warned once per outage").hasSize(2);
        assertThat(text).contains("budget counters are this replica's own").contains("Connect");
    }

    @Test
    void eachReservationIsSettledWhereItWasMadeAndRecoveryIsLoggedOnce() throws BudgetExceeded {
        Flaky redis = new Flaky(new LocalLedger(clock));
        LocalLedger local = new LocalLedger(clock);
        FallbackLedger ledger = fallback(redis, local);

        Reservation shared = ledger.reserve(List.of(KEY), 10 * CENT);
        redis.down = true;
        Reservation mine = ledger.reserve(List.of(KEY), 10 * CENT);
        assertThat(local.spent(KEY)).isEqualTo(30 * CENT);

        redis.down = false;
        clock.advance(Duration.ofMillis(FallbackLedger.RETRY_AFTER_MILLIS));
        int callsBefore = redis.calls.get();
        ledger.settle(mine, 4 * CENT);
        assertThat(redis.calls.get())
                .as("a local reservation never goes to Redis")
                .isEqualTo(callsBefore);
        assertThat(local.spent(KEY)).isEqualTo(24 * CENT);

        ledger.settle(shared, 6 * CENT);
        assertThat(redis.inner.spent(KEY)).isEqualTo(26 * CENT);
        assertThat(ledger.spent(KEY)).as("read from Redis again").isEqualTo(26 * CENT);

        String text = logText();
        assertThat(text).contains("redis failed").contains("redis answers again: budget counters are shared");
        assertThat(text.split("redis answers again", -1)).as("logged once").hasSize(2);
    }

    @Test
    void aSharedSettleThatFailsIsCountedNotThrown() throws BudgetExceeded {
        Flaky redis = new Flaky(new LocalLedger(clock));
        FallbackLedger ledger = fallback(redis, new LocalLedger(clock));
        Reservation shared = ledger.reserve(List.of(KEY), 10 * CENT);
        redis.down = true;

        ledger.settle(shared, 10 * CENT);

        assertThat(ledger.redisErrors()).isEqualTo(1);
    }

    @Test
    void aHeldBackSettlementThatRedisFailsIsCountedAndTheNextFlushIsStillTried() throws Exception {
        FallbackLedger ledger = fallback(unreachable(), new LocalLedger(clock));

        ledger.settle(shared(1), 5 * CENT);
        await(() -> ledger.redisErrors() == 1, "the settler thread's flush to fail and be counted");

        clock.advance(Duration.ofMillis(FallbackLedger.RETRY_AFTER_MILLIS));
        ledger.settle(shared(2), 5 * CENT);
        await(() -> ledger.redisErrors() == 2, "the next flush, from a thread the failure did not end");

        String text = logText();
        assertThat(text).contains("redis failed").contains("settle").contains("Connect");
        assertThat(text).as("nothing reached Redis").doesNotContain("redis answers again");
    }

    @Test
    void closeSendsTheSettlementsLeftAndCountsAFailureWithoutThrowing() throws Exception {
        FallbackLedger ledger = fallback(unreachable(), new LocalLedger(clock), Duration.ofHours(1));
        ledger.settle(shared(1), 5 * CENT);
        ledger.settle(shared(2), 5 * CENT);
        assertThat(ledger.redisErrors())
                .as("held back: settling asks Redis nothing, and the thread sends only once an hour")
                .isZero();

        ledger.close();

        assertThat(ledger.redisErrors()).as("one call for both, which failed").isEqualTo(1);
    }

    @Test
    void whileRedisIsLeftAloneAfterAFailureHeldBackSettlementsWait() throws Exception {
        RedisLedger redis = unreachable();
        FallbackLedger ledger = fallback(redis, new LocalLedger(clock), Duration.ofHours(1));
        ledger.reserve(List.of(KEY), CENT); // fails over to the local ledger
        assertThat(ledger.redisErrors()).isEqualTo(1);
        ledger.settle(shared(1), 5 * CENT);

        assertThat(ledger.flush()).isZero();
        assertThat(ledger.redisErrors()).as("Redis not asked within the second").isEqualTo(1);

        clock.advance(Duration.ofMillis(FallbackLedger.RETRY_AFTER_MILLIS));
        assertThat(ledger.flush()).isZero();
        assertThat(ledger.redisErrors())
                .as("asked again, with the settlement kept")
                .isEqualTo(2);
        assertThat(redis.flush()).as("lost with the call that failed").isZero();
    }

    @Test
    void aRefusalFromRedisIsARefusalNotAnError() throws BudgetExceeded {
        Flaky redis = new Flaky(new LocalLedger(clock));
        FallbackLedger ledger = fallback(redis, new LocalLedger(clock));
        ledger.reserve(List.of(KEY), 80 * CENT);

        assertThatThrownBy(() -> ledger.reserve(List.of(KEY), 1)).isInstanceOf(BudgetExceeded.class);
        assertThat(ledger.redisErrors()).isZero();
    }

    /** Stands in for Redis: answers from its own ledger while up, throws what Jedis throws while down. */
    private static final class Flaky implements Ledger {
        final LocalLedger inner;
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean down;

        Flaky(LocalLedger inner) {
            this.inner = inner;
        }

        private void call() {
            calls.incrementAndGet();
            if (down) {
                throw new IllegalStateException("Connection refused");
            }
        }

        @Override
        public Reservation reserve(List<BudgetScope> scopes, long estimateNanoUsd) throws BudgetExceeded {
            call();
            return inner.reserve(scopes, estimateNanoUsd);
        }

        @Override
        public void settle(Reservation reservation, long actualNanoUsd) {
            call();
            inner.settle(reservation, actualNanoUsd);
        }

        @Override
        public long spent(BudgetScope scope) {
            call();
            return inner.spent(scope);
        }

        @Override
        public void close() {}
    }
}
