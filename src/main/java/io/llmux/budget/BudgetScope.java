package io.llmux.budget;

/**
 * One budget a request is charged against: the calling key's, or its user's, team's or organization's.
 *
 * @param id the entity's id (a key's hash for keys)
 * @param label how an error names the entity to a person (a key's alias, a team's alias or id), never a key
 * @param maxNanoUsd the budget in nano-USD; negative when the entity has none (its spend is still tracked)
 * @param periodEndMillis when the current budget period ends (epoch ms); 0 when the budget never resets. A larger
 *     value than a counter has seen starts a new period.
 * @param baseSpentNanoUsd what the database says was spent in this period: a counter never reads lower than this
 */
public record BudgetScope(
        Kind kind, String id, String label, long maxNanoUsd, long periodEndMillis, long baseSpentNanoUsd) {

    public enum Kind {
        KEY("key"),
        USER("user"),
        TEAM("team"),
        ORGANIZATION("organization");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        /** As the management API and error messages name it. */
        public String wire() {
            return wire;
        }
    }

    public boolean limited() {
        return maxNanoUsd >= 0;
    }

    /** The counter's name: kind and id. */
    public String key() {
        return kind.wire + ':' + id;
    }
}
