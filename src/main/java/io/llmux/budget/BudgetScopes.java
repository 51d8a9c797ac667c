package io.llmux.budget;

import io.llmux.auth.Principal;
import io.llmux.store.BudgetDurations;
import io.llmux.store.BudgetFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The budgets a principal's request is charged against: always its key (for soft budgets and {@code /key/info}),
 * and its user, team and organization when they have a budget.
 */
public final class BudgetScopes {
    private BudgetScopes() {}

    public static List<BudgetScope> of(Principal p, Instant now) {
        List<BudgetScope> scopes = new ArrayList<>(4);
        scopes.add(
                scope(BudgetScope.Kind.KEY, p.key().token(), p.label(), p.key().budget(), now));
        if (p.user() != null && p.user().budget().maxBudget() != null) {
            scopes.add(scope(
                    BudgetScope.Kind.USER,
                    p.user().userId(),
                    p.user().userId(),
                    p.user().budget(),
                    now));
        }
        if (p.team() != null && p.team().budget().maxBudget() != null) {
            String alias = p.team().teamAlias();
            String label = alias == null || alias.isBlank() ? p.team().teamId() : alias;
            scopes.add(scope(
                    BudgetScope.Kind.TEAM, p.team().teamId(), label, p.team().budget(), now));
        }
        if (p.organization() != null && p.organization().budget().maxBudget() != null) {
            String alias = p.organization().organizationAlias();
            String id = p.organization().organizationId();
            scopes.add(scope(
                    BudgetScope.Kind.ORGANIZATION,
                    id,
                    alias == null || alias.isBlank() ? id : alias,
                    p.organization().budget(),
                    now));
        }
        return scopes;
    }

    /**
     * The scope of one entity at {@code now}. When its {@code budget_reset_at} has passed but the reset job has not
     * run yet, the current period is the next anchored one and nothing is spent in it yet: the stored spend belongs
     * to the period that ended.
     */
    public static BudgetScope scope(BudgetScope.Kind kind, String id, String label, BudgetFields b, Instant now) {
        long max = b.maxBudget() == null ? -1 : Nanos.fromUsd(b.maxBudget());
        long spent = Nanos.fromUsd(b.spend());
        if (b.budgetDuration() == null || b.budgetResetAt() == null) {
            return new BudgetScope(kind, id, label, max, 0, spent);
        }
        if (b.budgetResetAt().isAfter(now)) {
            return new BudgetScope(kind, id, label, max, b.budgetResetAt().toEpochMilli(), spent);
        }
        Instant next = BudgetDurations.nextReset(b.budgetResetAt(), b.budgetDuration(), now);
        return new BudgetScope(kind, id, label, max, next.toEpochMilli(), 0);
    }
}
