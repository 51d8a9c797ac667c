package io.llmux.budget;

import io.llmux.auth.Principal;
import io.llmux.store.BudgetDurations;
import io.llmux.store.BudgetFields;
import io.llmux.store.KeyRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The budgets a principal's request is charged against: always its key (for soft budgets and {@code /key/info}),
 * and its user, team and organization when they have a budget; for a call to a model, also the key's budget for
 * that model when {@code model_max_budget} has one.
 */
public final class BudgetScopes {
    /** Between a key's hash and a model group in the id of the key's budget for that model. */
    public static final char MODEL_SEPARATOR = '#';

    private BudgetScopes() {}

    /**
     * The scopes of a call to model group {@code group}, asked for as {@code requested} (the group's name or an
     * alias of it): those of {@link #of(Principal, Instant)}, then the key's budget for the model, if any.
     */
    public static List<BudgetScope> of(Principal p, String requested, String group, Instant now) {
        List<BudgetScope> scopes = of(p, now);
        BudgetScope model = model(p.key(), p.label(), requested, group, now);
        if (model != null) {
            scopes.add(model);
        }
        return scopes;
    }

    /**
     * The key's budget for one model group (LiteLLM's {@code model_max_budget}), or null when it has none. The budget
     * may be set under the group's name or under the name the client asked for (an alias); with both, the smaller
     * holds. Either way the spend counted is the group's ({@code model_spend} is kept per group), over the key's
     * budget period, which resets it too.
     */
    static BudgetScope model(KeyRow key, String label, String requested, String group, Instant now) {
        Double byGroup = key.modelMaxBudget().get(group);
        Double byAlias = requested.equals(group) ? null : key.modelMaxBudget().get(requested);
        if (byGroup == null && byAlias == null) {
            return null;
        }
        boolean alias = byGroup == null || (byAlias != null && byAlias < byGroup);
        BudgetFields b = key.budget();
        BudgetFields fields = new BudgetFields(
                alias ? byAlias : byGroup,
                b.budgetDuration(),
                b.budgetResetAt(),
                key.modelSpend().getOrDefault(group, 0.0));
        return scope(BudgetScope.Kind.KEY, key.token() + MODEL_SEPARATOR + group, label, fields, now)
                .withModel(alias ? requested : group);
    }

    public static List<BudgetScope> of(Principal p, Instant now) {
        List<BudgetScope> scopes = new ArrayList<>(5);
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
