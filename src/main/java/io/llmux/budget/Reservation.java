package io.llmux.budget;

import java.util.List;

/**
 * What {@link Ledger#reserve} took, to be settled once.
 *
 * @param id unique per reservation (Redis keeps reservations as lapsing members, so a dead replica's lapse)
 * @param spentBefore per scope, spent + reserved before this reservation, in nano-USD
 */
public record Reservation(String id, List<BudgetScope> scopes, long estimateNanoUsd, List<Long> spentBefore) {
    public Reservation {
        scopes = List.copyOf(scopes);
        spentBefore = List.copyOf(spentBefore);
    }
}
