package io.llmux.budget;

import io.llmux.redis.RedisErrors;
import io.llmux.telemetry.Log;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Shared budget counters that degrade to this replica's own: a request never fails because Redis does. A call that
 * Redis fails is answered by the local ledger, and a reservation made there is settled there; local counters start
 * from what the database says was spent, so during an outage each replica holds the budget on its own (an overshoot
 * of at most one request per replica, as without Redis). After a failure Redis is left alone for a second, so a
 * Redis that hangs costs one request its timeout, not every request. Failures are logged at most once a minute and
 * the recovery once ({@link RedisErrors}); every failed call is counted for the metric.
 *
 * <p>A thread of its own sends the settlements the shared ledger holds back ({@link Ledger#flush}) at a fixed pace.
 * It sleeps in between rather than being woken by each settle: a wake per request would cost a context switch per
 * request.
 */
public final class FallbackLedger implements Ledger {
    static final long RETRY_AFTER_MILLIS = RedisErrors.RETRY_AFTER_MILLIS;

    private final Ledger shared;
    private final LocalLedger local;
    private final RedisErrors errors;
    private final long flushEveryNanos;
    private final Thread settler;
    private volatile boolean closed;

    /** @param flushEvery how long a settlement the shared ledger holds back may wait to be sent */
    FallbackLedger(Ledger shared, LocalLedger local, Clock clock, Log log, Duration flushEvery) {
        this.shared = shared;
        this.local = local;
        this.errors = new RedisErrors(clock, log, "budget counters are");
        this.flushEveryNanos = flushEvery.toNanos();
        this.settler =
                Thread.ofPlatform().daemon().name("llmux-budget-settlements").start(this::sendSettlements);
    }

    /** Sends the held-back settlements every {@code flushEvery}, while Redis answers; and once more on close. */
    private void sendSettlements() {
        while (!closed) {
            LockSupport.parkNanos(flushEveryNanos);
            flush();
        }
        flush();
    }

    /**
     * Sends the shared ledger's held-back settlements, unless Redis was just found failing: they wait for it then.
     * Never throws: a failure is counted, and those settlements are lost (their reservations lapse, and their costs
     * reach the counters through the database's spend).
     */
    @Override
    public int flush() {
        if (!errors.worthTrying()) {
            return 0; // kept until Redis is tried again
        }
        try {
            int sent = shared.flush();
            if (sent > 0) {
                errors.answered();
            }
            return sent;
        } catch (RuntimeException e) {
            errors.failed("settle", e);
            return 0;
        }
    }

    @Override
    public boolean remote() {
        return true;
    }

    /** Calls to Redis that failed (connection refused, timeout, any error reply): the metric's source. */
    public long redisErrors() {
        return errors.count();
    }

    @Override
    public Reservation reserve(List<BudgetScope> scopes, long estimateNanoUsd) throws BudgetExceeded {
        if (errors.worthTrying()) {
            try {
                Reservation r = shared.reserve(scopes, estimateNanoUsd);
                errors.answered();
                return r;
            } catch (RuntimeException e) {
                errors.failed("reserve", e);
            }
        }
        return local.reserve(scopes, estimateNanoUsd);
    }

    /**
     * A shared reservation is settled in Redis even right after a failure: Redis may be back, and until it is told,
     * the reservation holds its estimate against the budget until it lapses. A settle that succeeds is no sign that
     * Redis answers: the shared ledger may only have held it back ({@link #flush} reports what reached Redis).
     */
    @Override
    public void settle(Reservation reservation, long actualNanoUsd) {
        if (local.made(reservation)) {
            local.settle(reservation, actualNanoUsd);
            return;
        }
        try {
            shared.settle(reservation, actualNanoUsd);
        } catch (RuntimeException e) {
            errors.failed(
                    "settle", e); // the reservation lapses; the cost reaches the counter through the database's spend
        }
    }

    @Override
    public long spent(BudgetScope scope) {
        if (errors.worthTrying()) {
            try {
                long spent = shared.spent(scope);
                errors.answered();
                return spent;
            } catch (RuntimeException e) {
                errors.failed("spent", e);
            }
        }
        return local.spent(scope);
    }

    /** Sends what settlements are left, then closes both ledgers. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(settler);
        try {
            settler.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            shared.close();
        } catch (RuntimeException e) {
            errors.failed("close", e);
        }
        local.close();
    }
}
