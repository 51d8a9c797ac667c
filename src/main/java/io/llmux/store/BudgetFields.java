package io.llmux.store;

import java.time.Instant;

/**
 * The budget of a key, user, team or organization, as LiteLLM names it.
 *
 * @param maxBudget USD; null for no budget
 * @param budgetDuration how often spend resets ({@code 30d}, see {@link BudgetDurations}); null for never
 * @param budgetResetAt when spend next resets; null when it never does
 * @param spend USD spent in the current period, as the spend logs charged it
 */
public record BudgetFields(Double maxBudget, String budgetDuration, Instant budgetResetAt, double spend) {
    public static final BudgetFields NONE = new BudgetFields(null, null, null, 0);

    public BudgetFields {
        budgetResetAt = Sql.micros(budgetResetAt);
    }

    public BudgetFields withSpend(double value) {
        return new BudgetFields(maxBudget, budgetDuration, budgetResetAt, value);
    }
}
