package io.llmux.budget;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A budget reservation under way on a virtual thread of its own. With budget counters and rate limits both in Redis,
 * admitting a request takes two round trips, the reservation's and the limiter's; started before the limiter's and
 * awaited after it, the reservation's overlaps it instead of preceding it.
 */
public final class PendingReservation {
    private final FutureTask<Reservation> task;

    private PendingReservation(FutureTask<Reservation> task) {
        this.task = task;
    }

    public static PendingReservation start(Ledger ledger, List<BudgetScope> scopes, long estimateNanoUsd) {
        FutureTask<Reservation> task = new FutureTask<>(() -> ledger.reserve(scopes, estimateNanoUsd));
        Thread.startVirtualThread(task);
        return new PendingReservation(task);
    }

    /**
     * Waits for the reservation (a ledger call is bounded by {@code redis.timeout}, so this is too). An interrupt does
     * not cut the wait short: the reservation exists either way, and only its holder can settle it.
     *
     * @throws BudgetExceeded as {@link Ledger#reserve} would have
     */
    public Reservation await() throws BudgetExceeded {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrown(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static BudgetExceeded rethrown(Throwable cause) {
        if (cause instanceof BudgetExceeded exceeded) {
            return exceeded;
        }
        if (cause instanceof RuntimeException e) {
            throw e;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("a budget reservation failed", cause);
    }
}
