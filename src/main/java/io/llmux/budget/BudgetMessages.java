package io.llmux.budget;

import io.llmux.GatewayException;
import java.time.Instant;

/** What a client is told when a budget refuses its request (SPEC §4: 403 {@code permission_denied}). */
public final class BudgetMessages {
    public static final String CODE = "budget_exceeded";

    private BudgetMessages() {}

    /**
     * 403 {@code budget_exceeded} naming the entity, its budget, what it has spent and when the budget resets, e.g.
     * "Budget exceeded for team 'ml-research': it has used $10.02 of its $10.00 budget (requests in flight
     * included). The budget resets at 2030-02-01T00:00:00Z; until then an admin can raise max_budget." A key's
     * budget for one model says which model, and that its {@code model_max_budget} is the one to raise.
     */
    public static GatewayException exceeded(BudgetExceeded e) {
        BudgetScope scope = e.scope();
        long spent = e.spentNanoUsd();
        long max = Math.max(0, scope.maxNanoUsd());
        StringBuilder m = new StringBuilder("Budget exceeded for ")
                .append(scope.kind().wire())
                .append(" '")
                .append(scope.label())
                .append('\'');
        if (scope.model() != null) {
            m.append(" on model '").append(scope.model()).append('\'');
        }
        m.append(": it has used ")
                .append(Nanos.dollars(spent))
                .append(" of its ")
                .append(Nanos.dollars(max))
                .append(" budget (requests in flight included)");
        if (spent < max) { // in-flight requests hold their estimates, so this one would pass it
            m.append(", and this request, estimated at ")
                    .append(Nanos.dollars(e.estimateNanoUsd()))
                    .append(", would pass it");
        }
        String field = scope.model() == null ? "max_budget" : "model_max_budget";
        if (scope.periodEndMillis() == 0) {
            m.append(". The budget does not reset; an admin can raise ")
                    .append(field)
                    .append('.');
        } else {
            m.append(". The budget resets at ")
                    .append(Instant.ofEpochMilli(scope.periodEndMillis()))
                    .append("; until then an admin can raise ")
                    .append(field)
                    .append('.');
        }
        return GatewayException.permissionDenied(CODE, m.toString());
    }
}
