package io.llmux.budget;

import java.time.Clock;
import java.util.List;

/**
 * Every test of {@link RedisLedgerIT} again, with the ledger under test holding each settlement back and sending it at
 * once through the batch script: the batch must do exactly what the single settle does (a lapsed reservation, a new
 * period, expiries, large amounts).
 */
class RedisLedgerHeldBackIT extends RedisLedgerIT {
    @Override
    protected Ledger create(Clock clock) {
        return new SentAtOnce(deferringReplica(clock));
    }

    /** Settles as {@link Ledgers}' Redis ledger does, then flushes what it held back. */
    private record SentAtOnce(RedisLedger inner) implements Ledger {
        @Override
        public Reservation reserve(List<BudgetScope> scopes, long estimateNanoUsd) throws BudgetExceeded {
            return inner.reserve(scopes, estimateNanoUsd);
        }

        @Override
        public void settle(Reservation reservation, long actualNanoUsd) {
            inner.settle(reservation, actualNanoUsd);
            if (!reservation.scopes().isEmpty() && inner.flush() != 1) {
                throw new AssertionError("the settlement was not held back");
            }
        }

        @Override
        public long spent(BudgetScope scope) {
            return inner.spent(scope);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
