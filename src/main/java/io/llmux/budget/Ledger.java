package io.llmux.budget;

import java.util.List;

/**
 * Live budget counters, reserve-then-settle (SPEC §8): admission reserves the request's estimated cost on every
 * scope at once, or on none, and the answer's real cost replaces the reservation. Concurrent requests therefore
 * overshoot a budget by at most one request's estimate error, never by their number.
 */
public interface Ledger extends AutoCloseable {

    /**
     * Reserves {@code estimateNanoUsd} on every scope, atomically. A scope without a budget is charged too: its spend
     * is tracked. A reservation that is never settled (its replica died) stops counting after a lapse longer than any
     * request is expected to take.
     *
     * @throws BudgetExceeded naming the first scope whose spent + reserved has reached its budget or would pass it
     *     with the estimate (an exhausted budget refuses even a request estimated to cost nothing, as LiteLLM's
     *     {@code spend >= max_budget} does); nothing is reserved then
     */
    Reservation reserve(List<BudgetScope> scopes, long estimateNanoUsd) throws BudgetExceeded;

    /**
     * Replaces a reservation with the real cost (0 for a failed call). Called once per reservation. When the period
     * has moved on meanwhile, or the reservation lapsed, only the real cost is added, to the current period. A ledger
     * may hold the settlement back until its next {@link #flush}; the estimate stands until then.
     */
    void settle(Reservation reservation, long actualNanoUsd);

    /**
     * Sends the settlements this ledger has held back, and says how many; a ledger that holds none back (all but the
     * Redis one, {@link Ledgers}) sends nothing. Called by whoever owns the ledger's timing, not per request.
     */
    default int flush() {
        return 0;
    }

    /**
     * Whether a reservation waits on another process (Redis): then admission overlaps it with the rate limiter's
     * round trip ({@link PendingReservation}); an in-process reservation costs less than the thread that would.
     */
    default boolean remote() {
        return false;
    }

    /** What a scope has spent plus what is reserved on it right now (for soft budgets and the management API). */
    long spent(BudgetScope scope);

    @Override
    void close();
}
