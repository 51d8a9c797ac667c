package io.llmux.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An organization, with LiteLLM's field meanings: the top of the budget hierarchy (key, user, team, organization).
 *
 * @param limits {@code maxParallelRequests} is always null: organizations have tpm and rpm limits only
 */
public record OrganizationRow(
        String organizationId,
        String organizationAlias,
        List<String> models,
        BudgetFields budget,
        Limits limits,
        Map<String, Object> metadata,
        Instant createdAt,
        Instant updatedAt) {
    public OrganizationRow {
        Objects.requireNonNull(organizationId, "organizationId");
        models = Copies.list(models);
        budget = budget == null ? BudgetFields.NONE : budget;
        limits = limits == null ? Limits.NONE : new Limits(limits.tpmLimit(), limits.rpmLimit(), null);
        metadata = Copies.metadata(metadata);
        createdAt = Sql.micros(createdAt);
        updatedAt = Sql.micros(updatedAt);
    }

    OrganizationRow withTimes(Instant created, Instant updated) {
        return new OrganizationRow(
                organizationId, organizationAlias, models, budget, limits, metadata, created, updated);
    }
}
