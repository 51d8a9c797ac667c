package io.llmux.budget;

import java.time.Clock;

/** The ledger contract in-process (SPEC §8 without Redis: "one statement in-process"). */
class LocalLedgerTest extends LedgerContract {
    @Override
    protected Ledger create(Clock clock) {
        return new LocalLedger(clock);
    }
}
