package io.llmux.budget;

/**
 * One budget a request is charged against: the calling key's, or its user's, team's or organization's, or the key's
 * budget for one model group ({@code model_max_budget}).
 *
 * @param id the entity's id (a key's hash for keys); for a key's model budget, the hash, {@code #} and the model
 *     group ({@link BudgetScopes#MODEL_SEPARATOR}): a hash is hex, so no model budget's counter is another key's
 * @param label how an error names the entity to a person (a key's alias, a team's alias or id), never a key
 * @param maxNanoUsd the budget in nano-USD; negative when the entity has none (its spend is still tracked)
 * @param periodEndMillis when the current budget period ends (epoch ms); 0 when the budget never resets. A larger
 *     value than a counter has seen starts a new period.
 * @param baseSpentNanoUsd what the database says was spent in this period: a counter never reads lower than this
 * @param model null for the entity's whole budget; else the model the budget is limited to, as
 *     {@code model_max_budget} names it (for errors: the counter is the id's)
 */
public record BudgetScope(
        Kind kind,
        String id,
        String label,
        long maxNanoUsd,
        long periodEndMillis,
        long baseSpentNanoUsd,
        String model) {

    /** The whole budget of an entity, for every model. */
    public BudgetScope(
            Kind kind, String id, String label, long maxNanoUsd, long periodEndMillis, long baseSpentNanoUsd) {
        this(kind, id, label, maxNanoUsd, periodEndMillis, baseSpentNanoUsd, null);
    }

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

    /** This scope limited to one model, named as {@code model_max_budget} names it. */
    public BudgetScope withModel(String name) {
        return new BudgetScope(kind, id, label, maxNanoUsd, periodEndMillis, baseSpentNanoUsd, name);
    }

    public boolean limited() {
        return maxNanoUsd >= 0;
    }

    /** The counter's name: kind and id. */
    public String key() {
        return kind.wire + ':' + id;
    }
}
