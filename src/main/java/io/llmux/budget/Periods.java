package io.llmux.budget;

/**
 * The budget period rules that both ledgers follow; {@link RedisLedgerScripts} says the same in Lua.
 *
 * <p>A scope names the period it believes current by when it ends ({@link BudgetScope#periodEndMillis}). A later end
 * than the counter's starts a new period: the budget was reset. An earlier end that has already passed comes from a
 * replica whose cached entity predates the reset (at most a second old) and is ignored, so a reset never flips back.
 * An earlier end still in the future is no such leftover: an admin gave the entity a shorter duration, or gave a
 * duration to an entity that had none; it starts a new period too. "Never resets" (0) outlasts every dated period,
 * so removing an entity's duration also starts a new period. A new period starts from what the database says was
 * spent in it.
 */
final class Periods {
    /** How long the counter of an entity whose budget never resets outlives its last use. */
    static final long UNDATED_IDLE_MILLIS = 40L * 24 * 3_600_000;
    /** How long a counter outlives its period's end (or its last use, once that end has passed). */
    static final long AFTER_PERIOD_MILLIS = 24L * 3_600_000;

    private Periods() {}

    /** 0 (never resets) sorts after every dated period end. */
    static long effectiveEnd(long periodEnd) {
        return periodEnd == 0 ? Long.MAX_VALUE : periodEnd;
    }

    /** Whether a scope that says {@code scopeEnd} moves a counter at {@code counterEnd} to a new period. */
    static boolean startsNewPeriod(long scopeEnd, long counterEnd, long now) {
        return effectiveEnd(scopeEnd) > effectiveEnd(counterEnd) || (scopeEnd != counterEnd && scopeEnd > now);
    }

    /**
     * When a counter last used now may be forgotten. The database holds every settled cost (the spend logs), so a
     * forgotten counter only loses its in-flight reservations, and this is far longer than any of those lives.
     */
    static long expireAt(long periodEnd, long now) {
        return periodEnd == 0 ? now + UNDATED_IDLE_MILLIS : Math.max(periodEnd, now) + AFTER_PERIOD_MILLIS;
    }

    /** The refusal rule of {@link Ledger#reserve}: an exhausted budget, or one the estimate would pass. */
    static boolean refuses(BudgetScope scope, long used, long estimate) {
        return scope.limited() && (used >= scope.maxNanoUsd() || estimate > scope.maxNanoUsd() - used); // no overflow
    }
}
