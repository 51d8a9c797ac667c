package io.llmux.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A virtual key, with LiteLLM's field meanings. Only the SHA-256 of the key is stored; the key itself is shown once,
 * when it is made.
 *
 * @param token SHA-256 hex of the whole key: the key's id
 * @param keyName the masked form for display, {@code sk-...abcd}
 * @param models model groups the key may use; empty for all its team allows
 * @param softBudget USD; crossing it warns, never blocks
 * @param modelRpmLimit per model group; likewise {@code modelTpmLimit}
 * @param modelMaxBudget USD per model group, per budget period
 * @param modelSpend USD per model group in the current period
 * @param keyType {@code default} (models and, for admins, management), {@code llm_api} (models only),
 *     {@code management} (management only) or {@code read_only} (info routes only)
 * @param expires null for never
 */
public record KeyRow(
        String token,
        String keyName,
        String keyAlias,
        List<String> models,
        BudgetFields budget,
        Double softBudget,
        Limits limits,
        Map<String, Long> modelRpmLimit,
        Map<String, Long> modelTpmLimit,
        Map<String, Double> modelMaxBudget,
        Map<String, Double> modelSpend,
        String userId,
        String teamId,
        String organizationId,
        Map<String, Object> metadata,
        List<String> tags,
        String keyType,
        Instant expires,
        boolean blocked,
        Instant createdAt,
        Instant updatedAt) {
    public static final String DEFAULT_KEY_TYPE = "default";

    public KeyRow {
        Objects.requireNonNull(token, "token");
        keyName = keyName == null ? "" : keyName;
        models = Copies.list(models);
        budget = budget == null ? BudgetFields.NONE : budget;
        limits = limits == null ? Limits.NONE : limits;
        modelRpmLimit = Copies.map(modelRpmLimit);
        modelTpmLimit = Copies.map(modelTpmLimit);
        modelMaxBudget = Copies.map(modelMaxBudget);
        modelSpend = Copies.map(modelSpend);
        metadata = Copies.metadata(metadata);
        tags = Copies.list(tags);
        keyType = keyType == null ? DEFAULT_KEY_TYPE : keyType;
        expires = Sql.micros(expires);
        createdAt = Sql.micros(createdAt);
        updatedAt = Sql.micros(updatedAt);
    }

    /** Whether the key has expired at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expires != null && !now.isBefore(expires);
    }

    KeyRow withTimes(Instant created, Instant updated) {
        return new KeyRow(
                token,
                keyName,
                keyAlias,
                models,
                budget,
                softBudget,
                limits,
                modelRpmLimit,
                modelTpmLimit,
                modelMaxBudget,
                modelSpend,
                userId,
                teamId,
                organizationId,
                metadata,
                tags,
                keyType,
                expires,
                blocked,
                created,
                updated);
    }
}
