package io.llmux.budget;

import io.llmux.redis.RedisErrors;
import io.llmux.telemetry.Log;
import java.time.Clock;
import java.util.List;

/**
 * Shared budget counters that degrade to this replica's own: a request never fails because Redis does. A call that
 * Redis fails is answered by the local ledger, and a reservation made there is settled there; local counters start
 * from what the database says was spent, so during an outage each replica holds the budget on its own (an overshoot
 * of at most one request per replica, as without Redis). After a failure Redis is left alone for a second, so a
 * Redis that hangs costs one request its timeout, not every request. Failures are logged at most once a minute and
 * the recovery once ({@link RedisErrors}); every failed call is counted for the metric.
 */
public final class FallbackLedger implements Ledger {
    static final long RETRY_AFTER_MILLIS = RedisErrors.RETRY_AFTER_MILLIS;

    private final Ledger shared;
    private final LocalLedger local;
    private final RedisErrors errors;

    FallbackLedger(Ledger shared, LocalLedger local, Clock clock, Log log) {
        this.shared = shared;
        this.local = local;
        this.errors = new RedisErrors(clock, log, "budget counters are");
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
            errors.answered();
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

    @Override
    public void close() {
        try {
            shared.close();
        } catch (RuntimeException e) {
            errors.failed("close", e);
        }
        local.close();
    }
}
