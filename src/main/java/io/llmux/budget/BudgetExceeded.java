package io.llmux.budget;

/**
 * A reservation would pass a budget. Carries the scope, what it has spent and what the request was estimated to
 * cost, for the 403 message ({@link BudgetMessages#exceeded}).
 */
public final class BudgetExceeded extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient BudgetScope scope;
    private final long spentNanoUsd;
    private final long estimateNanoUsd;

    public BudgetExceeded(BudgetScope scope, long spentNanoUsd) {
        this(scope, spentNanoUsd, 0);
    }

    public BudgetExceeded(BudgetScope scope, long spentNanoUsd, long estimateNanoUsd) {
        super(
                scope.kind().wire() + " " + scope.label() + (scope.model() == null ? "" : " on model " + scope.model())
                        + " is over its budget",
                null,
                false,
                false);
        this.scope = scope;
        this.spentNanoUsd = spentNanoUsd;
        this.estimateNanoUsd = estimateNanoUsd;
    }

    public BudgetScope scope() {
        return scope;
    }

    /** Spent plus reserved at the time of refusal, nano-USD. */
    public long spentNanoUsd() {
        return spentNanoUsd;
    }

    /** What the refused request was estimated to cost, nano-USD (0 when unknown). */
    public long estimateNanoUsd() {
        return estimateNanoUsd;
    }
}
