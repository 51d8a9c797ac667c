package io.llmux.budget;

import io.llmux.telemetry.Log;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared budget counters that degrade to this replica's own: a request never fails because Redis does. A call that
 * Redis fails is answered by the local ledger, and a reservation made there is settled there; local counters start
 * from what the database says was spent, so during an outage each replica holds the budget on its own (an overshoot
 * of at most one request per replica, as without Redis). After a failure Redis is left alone for a second, so a
 * Redis that hangs costs one request its timeout, not every request. The outage is logged once when it starts and
 * once when it ends; every failed call is counted for the metric.
 */
public final class FallbackLedger implements Ledger {
    static final long RETRY_AFTER_MILLIS = 1_000;

    private final Ledger shared;
    private final LocalLedger local;
    private final Clock clock;
    private final Log log;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile long retryAt = Long.MIN_VALUE;

    FallbackLedger(Ledger shared, LocalLedger local, Clock clock, Log log) {
        this.shared = shared;
        this.local = local;
        this.clock = clock;
        this.log = log;
    }

    /** Calls to Redis that failed (connection refused, timeout, any error reply): the metric's source. */
    public long redisErrors() {
        return errors.get();
    }

    @Override
    public Reservation reserve(List<BudgetScope> scopes, long estimateNanoUsd) throws BudgetExceeded {
        if (worthTrying()) {
            try {
                Reservation r = shared.reserve(scopes, estimateNanoUsd);
                answered();
                return r;
            } catch (RuntimeException e) {
                failed("reserve", e);
            }
        }
        return local.reserve(scopes, estimateNanoUsd);
    }

    /**
     * A shared reservation is settled in Redis even right after a failure: Redis may be back, and until it is told,
     * the reservation holds its estimate against the budget until it lapses.
     */
    @Override
    public void settle(Reservation reservation, long actualNanoUsd) {
        if (local.made(reservation)) {
            local.settle(reservation, actualNanoUsd);
            return;
        }
        try {
            shared.settle(reservation, actualNanoUsd);
            answered();
        } catch (RuntimeException e) {
            failed("settle", e); // the reservation lapses; the cost reaches the counter through the database's spend
        }
    }

    @Override
    public long spent(BudgetScope scope) {
        if (worthTrying()) {
            try {
                long spent = shared.spent(scope);
                answered();
                return spent;
            } catch (RuntimeException e) {
                failed("spent", e);
            }
        }
        return local.spent(scope);
    }

    @Override
    public void close() {
        try {
            shared.close();
        } catch (RuntimeException e) {
            failed("close", e);
        }
        local.close();
    }

    private boolean worthTrying() {
        long at = retryAt;
        return at == Long.MIN_VALUE || clock.millis() >= at;
    }

    private void answered() {
        if (down.get() && down.compareAndSet(true, false)) {
            log.info("redis answers again: budget counters are shared", "redis_errors", errors.get());
        }
    }

    private void failed(String call, RuntimeException e) {
        long n = errors.incrementAndGet();
        retryAt = clock.millis() + RETRY_AFTER_MILLIS;
        if (down.compareAndSet(false, true)) {
            log.warn( // once per outage: every request would hit it
                    "redis failed: budget counters are this replica's own until it answers again",
                    "call",
                    call,
                    "error",
                    describe(e),
                    "redis_errors",
                    n);
        }
    }

    /** The exception and its root, without a stack; Jedis hangs why a connect failed on as a suppressed one. */
    private static String describe(Throwable e) {
        Throwable root = e;
        for (int depth = 0; depth < 10; depth++) { // bounded: a cause chain may loop
            Throwable under = root.getCause() != null
                    ? root.getCause()
                    : root.getSuppressed().length > 0 ? root.getSuppressed()[0] : null;
            if (under == null) {
                break;
            }
            root = under;
        }
        String top = e.getClass().getSimpleName() + ": " + e.getMessage();
        return root.equals(e) ? top : top + "; " + root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
