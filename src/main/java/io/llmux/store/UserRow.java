package io.llmux.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A user, with LiteLLM's field meanings. Its teams live in {@code llmux_team_members}: {@link UserStore#teams}.
 *
 * @param userRole {@code proxy_admin}, {@code internal_user}, ... ({@code proxy_admin} keys may call the
 *     management API)
 */
public record UserRow(
        String userId,
        String userEmail,
        String userRole,
        List<String> models,
        BudgetFields budget,
        Limits limits,
        Map<String, Object> metadata,
        Instant createdAt,
        Instant updatedAt) {
    public static final String DEFAULT_ROLE = "internal_user";
    public static final String PROXY_ADMIN = "proxy_admin";

    public UserRow {
        Objects.requireNonNull(userId, "userId");
        userRole = userRole == null ? DEFAULT_ROLE : userRole;
        models = Copies.list(models);
        budget = budget == null ? BudgetFields.NONE : budget;
        limits = limits == null ? Limits.NONE : limits;
        metadata = Copies.metadata(metadata);
        createdAt = Sql.micros(createdAt);
        updatedAt = Sql.micros(updatedAt);
    }

    UserRow withTimes(Instant created, Instant updated) {
        return new UserRow(userId, userEmail, userRole, models, budget, limits, metadata, created, updated);
    }
}
