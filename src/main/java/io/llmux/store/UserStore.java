package io.llmux.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** {@code llmux_users}; a user's teams come from {@code llmux_team_members}. */
public final class UserStore {
    static final String TABLE = "llmux_users";
    private static final String COLUMNS = "user_id, user_email, user_role, models, max_budget, budget_duration,"
            + " budget_reset_at, spend, tpm_limit, rpm_limit, max_parallel_requests, metadata, created_at, updated_at";
    private static final String SELECT = "SELECT " + COLUMNS + " FROM " + TABLE;

    private final Database db;
    private final Clock clock;

    public UserStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * @return the row as stored ({@code createdAt}/{@code updatedAt} default to now)
     * @throws StoreException {@link StoreException#conflict()} when the user id is taken
     */
    public UserRow insert(UserRow user) {
        Instant now = clock.instant();
        UserRow row = user.withTimes(Sql.orNow(user.createdAt(), now), Sql.orNow(user.updatedAt(), now));
        Sql.insert(
                db,
                "insert user",
                TABLE,
                COLUMNS,
                14,
                p -> p.text(row.userId())
                        .text(row.userEmail())
                        .text(row.userRole())
                        .json(row.models())
                        .budget(row.budget())
                        .dbl(row.budget().spend())
                        .limits(row.limits())
                        .integer(row.limits().maxParallelRequests())
                        .json(row.metadata())
                        .ts(row.createdAt())
                        .ts(row.updatedAt()),
                e -> new StoreException(e.kind(), "user_id \"" + user.userId() + "\" already exists", e));
        return row;
    }

    public Optional<UserRow> find(String userId) {
        return db.withConnection("read user", c -> Sql.one(c, SELECT + " WHERE user_id = ?", userId, UserStore::row));
    }

    /**
     * The user with this email, ignoring case (LiteLLM's team calls name members by email as often as by id); the
     * oldest when several share it, as emails are not unique.
     */
    public Optional<UserRow> findByEmail(String email) {
        return db.withConnection(
                "read user",
                c -> Sql.one(
                        c,
                        SELECT + " WHERE LOWER(user_email) = LOWER(?) ORDER BY created_at, user_id"
                                + " FETCH FIRST 1 ROWS ONLY",
                        email,
                        UserStore::row));
    }

    /**
     * Replaces every field but the id, spend and creation time; {@code updated_at} becomes now.
     *
     * @return the row as stored, or empty when there is no such user
     */
    public Optional<UserRow> update(UserRow user) {
        return db.transaction("update user", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET user_email = ?, user_role = ?,"
                    + " models = ?, max_budget = ?, budget_duration = ?, budget_reset_at = ?, tpm_limit = ?,"
                    + " rpm_limit = ?, max_parallel_requests = ?, metadata = ?, updated_at = ? WHERE user_id = ?")) {
                new Sql.Params(ps)
                        .text(user.userEmail())
                        .text(user.userRole())
                        .json(user.models())
                        .budget(user.budget())
                        .limits(user.limits())
                        .integer(user.limits().maxParallelRequests())
                        .json(user.metadata())
                        .ts(clock.instant())
                        .text(user.userId());
                if (ps.executeUpdate() == 0) {
                    return Optional.<UserRow>empty();
                }
            }
            return Sql.one(c, SELECT + " WHERE user_id = ?", user.userId(), UserStore::row);
        });
    }

    /**
     * Deletes users and their team memberships; their keys stay until {@link KeyStore#deleteByUsers} removes them.
     *
     * @return the users deleted, as they were; unknown ids are left out
     */
    public List<UserRow> delete(Collection<String> userIds) {
        if (userIds.isEmpty()) {
            return List.of();
        }
        String in = " WHERE user_id IN (" + Sql.placeholders(userIds.size()) + ")";
        return db.transaction("delete users", c -> {
            List<UserRow> rows = Sql.list(c, SELECT + in + " FOR UPDATE", userIds, UserStore::row);
            Sql.update(c, "DELETE FROM " + TeamStore.MEMBERS + in, userIds);
            Sql.update(c, "DELETE FROM " + TABLE + in, userIds);
            return rows;
        });
    }

    /**
     * Users in creation order.
     *
     * @param role only users with this {@code user_role}; null for all
     * @param page 1-based
     */
    public Page<UserRow> list(String role, int page, int size) {
        Page.check(page, size);
        String where = role == null ? "" : " WHERE user_role = ?";
        List<String> args = role == null ? List.of() : List.of(role);
        return db.withConnection("list users", c -> {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + TABLE + where)) {
                new Sql.Params(ps).texts(args);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    SELECT + where + " ORDER BY created_at, user_id OFFSET ? ROWS FETCH NEXT ? ROWS ONLY")) {
                new Sql.Params(ps).texts(args).bigint((long) (page - 1) * size).bigint((long) size);
                return new Page<>(Sql.all(ps, UserStore::row), total, page, size);
            }
        });
    }

    /** The ids of the teams the user is a member of, sorted. */
    public List<String> teams(String userId) {
        List<TeamMember> memberships = db.withConnection(
                "read user teams",
                c -> Sql.list(
                        c,
                        "SELECT team_id, user_id, role FROM " + TeamStore.MEMBERS
                                + " WHERE user_id = ? ORDER BY team_id",
                        List.of(userId),
                        TeamStore::member));
        List<String> teams = new ArrayList<>();
        for (TeamMember m : memberships) {
            teams.add(m.teamId());
        }
        return teams;
    }

    /** Resets the spend of every user whose {@code budget_reset_at} has passed; returns the ids this call reset. */
    public List<String> resetBudgets(Instant now) {
        return BudgetResets.run(db, TABLE, "user_id", "", now);
    }

    private static UserRow row(ResultSet rs) throws SQLException {
        return new UserRow(
                rs.getString("user_id"),
                rs.getString("user_email"),
                rs.getString("user_role"),
                JsonColumns.strings(rs.getString("models")),
                Sql.budget(rs),
                Sql.limits(rs, true),
                JsonColumns.object(rs.getString("metadata")),
                Sql.instant(rs, "created_at"),
                Sql.instant(rs, "updated_at"));
    }
}
