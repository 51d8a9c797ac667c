package io.llmux.admin;

import io.llmux.GatewayException;
import io.llmux.store.BudgetDurations;
import io.llmux.store.BudgetFields;
import io.llmux.store.KeyRow;
import io.llmux.store.Limits;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The key fields of a {@code /key/generate}, {@code /key/update} or {@code /key/regenerate} body, each checked as it
 * is read, so a request is refused whole before anything is stored. One reading serves both: a create applies it to
 * nothing, an update to the stored key (absent keeps, null clears).
 */
record KeyInput(
        Patch<String> keyAlias,
        Patch<List<String>> models,
        Patch<Double> maxBudget,
        Patch<Double> softBudget,
        Patch<String> budgetDuration,
        Patch<Long> tpmLimit,
        Patch<Long> rpmLimit,
        Patch<Long> maxParallelRequests,
        Patch<Map<String, Long>> modelRpmLimit,
        Patch<Map<String, Long>> modelTpmLimit,
        Patch<Map<String, Double>> modelMaxBudget,
        Patch<String> userId,
        Patch<String> teamId,
        Patch<String> organizationId,
        Patch<Map<String, Object>> metadata,
        Patch<List<String>> tags,
        Patch<String> keyType,
        Patch<String> duration,
        Patch<Boolean> blocked) {

    static final List<String> KEY_TYPES = List.of(KeyRow.DEFAULT_KEY_TYPE, "llm_api", "management", "read_only");

    static KeyInput read(Fields f) throws GatewayException {
        Patch<Long> parallel = f.count("max_parallel_requests");
        if (parallel instanceof Patch.Set<Long> s && s.value() > Integer.MAX_VALUE) {
            throw Fields.bad("max_parallel_requests", "must be at most " + Integer.MAX_VALUE);
        }
        return new KeyInput(
                EntityFields.text(f, "key_alias"),
                f.strings("models"),
                f.amount("max_budget"),
                f.amount("soft_budget"),
                period(f, "budget_duration"),
                f.count("tpm_limit"),
                f.count("rpm_limit"),
                parallel,
                f.countsByModel("model_rpm_limit"),
                f.countsByModel("model_tpm_limit"),
                f.amountsByModel("model_max_budget"),
                EntityFields.id(f, "user_id"),
                EntityFields.id(f, "team_id"),
                EntityFields.id(f, "organization_id"),
                f.object("metadata"),
                f.strings("tags"),
                f.choice("key_type", KEY_TYPES),
                period(f, "duration"),
                f.bool("blocked"));
    }

    /** Whether the body sets any key field (a regenerate without one changes only the key). */
    boolean changesAnything() {
        return List.of(
                        keyAlias,
                        models,
                        maxBudget,
                        softBudget,
                        budgetDuration,
                        tpmLimit,
                        rpmLimit,
                        maxParallelRequests,
                        modelRpmLimit,
                        modelTpmLimit,
                        modelMaxBudget,
                        userId,
                        teamId,
                        organizationId,
                        metadata,
                        tags,
                        keyType,
                        duration,
                        blocked)
                .stream()
                .anyMatch(Patch::present);
    }

    /**
     * The key after this input: {@code current} (null for a new key) with each sent field applied. A new or changed
     * {@code budget_duration} anchors {@code budget_reset_at} one period from now; sending the stored duration again
     * keeps the anchor, so a client that echoes every field back does not postpone the reset. A {@code duration}
     * sets {@code expires} that long from now; null makes the key never expire.
     */
    KeyRow apply(KeyRow current, String token, String keyName, Instant now) {
        KeyRow cur = current == null
                ? new KeyRow(
                        token, keyName, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, false, null, null)
                : current;
        BudgetFields b = cur.budget();
        String period = budgetDuration.apply(b.budgetDuration());
        Instant resetAt = period == null
                ? null
                : period.equals(b.budgetDuration()) && b.budgetResetAt() != null
                        ? b.budgetResetAt()
                        : BudgetDurations.add(now, period, 1);
        Limits l = cur.limits();
        Long parallel = maxParallelRequests.apply(
                l.maxParallelRequests() == null ? null : l.maxParallelRequests().longValue());
        Instant expires = switch (duration) {
            case Patch.Absent<String> a -> cur.expires();
            case Patch.Clear<String> c -> null;
            case Patch.Set<String> s -> BudgetDurations.add(now, s.value(), 1);
        };
        return new KeyRow(
                token,
                keyName,
                keyAlias.apply(cur.keyAlias()),
                models.applyOr(cur.models(), List.of()),
                new BudgetFields(maxBudget.apply(b.maxBudget()), period, resetAt, b.spend()),
                softBudget.apply(cur.softBudget()),
                new Limits(
                        tpmLimit.apply(l.tpmLimit()),
                        rpmLimit.apply(l.rpmLimit()),
                        parallel == null ? null : parallel.intValue()),
                modelRpmLimit.applyOr(cur.modelRpmLimit(), Map.of()),
                modelTpmLimit.applyOr(cur.modelTpmLimit(), Map.of()),
                modelMaxBudget.applyOr(cur.modelMaxBudget(), Map.of()),
                cur.modelSpend(),
                userId.apply(cur.userId()),
                teamId.apply(cur.teamId()),
                organizationId.apply(cur.organizationId()),
                metadata.applyOr(cur.metadata(), Map.of()),
                tags.applyOr(cur.tags(), List.of()),
                keyType.applyOr(cur.keyType(), KeyRow.DEFAULT_KEY_TYPE),
                expires,
                blocked.applyOr(cur.blocked(), false),
                cur.createdAt(),
                cur.updatedAt());
    }

    /**
     * A period ({@code 30d}); an empty string means none, as LiteLLM's UI sends it. Read as a string first so that
     * an empty one is not refused as a malformed period.
     */
    private static Patch<String> period(Fields f, String name) throws GatewayException {
        Patch<String> raw = f.string(name);
        if (raw instanceof Patch.Set<String> s && s.value().isBlank()) {
            return new Patch.Clear<>();
        }
        return f.duration(name);
    }
}
