package io.llmux.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A team, with LiteLLM's field meanings. Its members live in {@code llmux_team_members}: {@link TeamStore#members}.
 *
 * @param models model groups the team's keys may use; empty for all
 * @param organizationId null when the team belongs to no organization
 */
public record TeamRow(
        String teamId,
        String teamAlias,
        String organizationId,
        List<String> models,
        BudgetFields budget,
        Limits limits,
        Map<String, Object> metadata,
        boolean blocked,
        Instant createdAt,
        Instant updatedAt) {
    public TeamRow {
        Objects.requireNonNull(teamId, "teamId");
        models = Copies.list(models);
        budget = budget == null ? BudgetFields.NONE : budget;
        limits = limits == null ? Limits.NONE : limits;
        metadata = Copies.metadata(metadata);
        createdAt = Sql.micros(createdAt);
        updatedAt = Sql.micros(updatedAt);
    }

    TeamRow withTimes(Instant created, Instant updated) {
        return new TeamRow(
                teamId, teamAlias, organizationId, models, budget, limits, metadata, blocked, created, updated);
    }
}
