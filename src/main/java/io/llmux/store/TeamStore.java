package io.llmux.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code llmux_teams} and their members ({@code llmux_team_members}). Like every store, writes leave {@code spend}
 * to the spend logs and budget resets.
 */
public final class TeamStore {
    static final String TABLE = "llmux_teams";
    static final String MEMBERS = "llmux_team_members";
    private static final String COLUMNS = "team_id, team_alias, organization_id, models, max_budget, budget_duration,"
            + " budget_reset_at, spend, tpm_limit, rpm_limit, max_parallel_requests, metadata, blocked, created_at,"
            + " updated_at";
    private static final String SELECT = "SELECT " + COLUMNS + " FROM " + TABLE;

    private final Database db;
    private final Clock clock;

    public TeamStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * @return the row as stored ({@code createdAt}/{@code updatedAt} default to now)
     * @throws StoreException {@link StoreException#conflict()} when the team id is taken
     */
    public TeamRow insert(TeamRow team) {
        Instant now = clock.instant();
        TeamRow row = team.withTimes(Sql.orNow(team.createdAt(), now), Sql.orNow(team.updatedAt(), now));
        Sql.insert(
                db,
                "insert team",
                TABLE,
                COLUMNS,
                15,
                p -> p.text(row.teamId())
                        .text(row.teamAlias())
                        .text(row.organizationId())
                        .json(row.models())
                        .budget(row.budget())
                        .dbl(row.budget().spend())
                        .limits(row.limits())
                        .integer(row.limits().maxParallelRequests())
                        .json(row.metadata())
                        .bool(row.blocked())
                        .ts(row.createdAt())
                        .ts(row.updatedAt()),
                e -> new StoreException(e.kind(), "team_id \"" + team.teamId() + "\" already exists", e));
        return row;
    }

    public Optional<TeamRow> find(String teamId) {
        return db.withConnection("read team", c -> Sql.one(c, SELECT + " WHERE team_id = ?", teamId, TeamStore::row));
    }

    /**
     * Replaces every field but the id, spend and creation time; {@code updated_at} becomes now.
     *
     * @return the row as stored, or empty when there is no such team
     */
    public Optional<TeamRow> update(TeamRow team) {
        return db.transaction("update team", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET team_alias = ?,"
                    + " organization_id = ?, models = ?, max_budget = ?, budget_duration = ?, budget_reset_at = ?,"
                    + " tpm_limit = ?, rpm_limit = ?, max_parallel_requests = ?, metadata = ?, blocked = ?,"
                    + " updated_at = ? WHERE team_id = ?")) {
                new Sql.Params(ps)
                        .text(team.teamAlias())
                        .text(team.organizationId())
                        .json(team.models())
                        .budget(team.budget())
                        .limits(team.limits())
                        .integer(team.limits().maxParallelRequests())
                        .json(team.metadata())
                        .bool(team.blocked())
                        .ts(clock.instant())
                        .text(team.teamId());
                if (ps.executeUpdate() == 0) {
                    return Optional.<TeamRow>empty();
                }
            }
            return Sql.one(c, SELECT + " WHERE team_id = ?", team.teamId(), TeamStore::row);
        });
    }

    /** @return the row as stored, or empty when there is no such team */
    public Optional<TeamRow> setBlocked(String teamId, boolean blocked) {
        return db.transaction("block team", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE " + TABLE + " SET blocked = ?, updated_at = ? WHERE team_id = ?")) {
                new Sql.Params(ps).bool(blocked).ts(clock.instant()).text(teamId);
                if (ps.executeUpdate() == 0) {
                    return Optional.<TeamRow>empty();
                }
            }
            return Sql.one(c, SELECT + " WHERE team_id = ?", teamId, TeamStore::row);
        });
    }

    /**
     * Deletes teams and their memberships; their keys stay until {@link KeyStore#deleteByTeams} removes them.
     *
     * @return the teams deleted, as they were; unknown ids are left out
     */
    public List<TeamRow> delete(Collection<String> teamIds) {
        if (teamIds.isEmpty()) {
            return List.of();
        }
        String in = " WHERE team_id IN (" + Sql.placeholders(teamIds.size()) + ")";
        return db.transaction("delete teams", c -> {
            List<TeamRow> rows = Sql.list(c, SELECT + in + " FOR UPDATE", teamIds, TeamStore::row);
            Sql.update(c, "DELETE FROM " + MEMBERS + in, teamIds);
            Sql.update(c, "DELETE FROM " + TABLE + in, teamIds);
            return rows;
        });
    }

    /**
     * Teams in creation order.
     *
     * @param organizationId only this organization's teams; null for every team
     */
    public List<TeamRow> list(String organizationId) {
        return db.withConnection(
                "list teams",
                c -> organizationId == null
                        ? Sql.list(c, SELECT + " ORDER BY created_at, team_id", List.of(), TeamStore::row)
                        : Sql.list(
                                c,
                                SELECT + " WHERE organization_id = ? ORDER BY created_at, team_id",
                                List.of(organizationId),
                                TeamStore::row));
    }

    /**
     * Adds a user to a team, or changes the role of a member.
     *
     * @return true when the user was not a member before
     */
    public boolean addMember(TeamMember member) {
        return db.transaction("add team member", c -> {
            // ON CONFLICT DO NOTHING is the one upsert H2 and PostgreSQL share
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO " + MEMBERS + " (team_id, user_id, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                new Sql.Params(ps).text(member.teamId()).text(member.userId()).text(member.role());
                if (ps.executeUpdate() == 1) {
                    return true;
                }
            }
            Sql.update(
                    c,
                    "UPDATE " + MEMBERS + " SET role = ? WHERE team_id = ? AND user_id = ?",
                    List.of(member.role(), member.teamId(), member.userId()));
            return false;
        });
    }

    /** @return whether the user was a member */
    public boolean deleteMember(String teamId, String userId) {
        return db.withConnection(
                "delete team member",
                c -> Sql.update(
                                c,
                                "DELETE FROM " + MEMBERS + " WHERE team_id = ? AND user_id = ?",
                                List.of(teamId, userId))
                        == 1);
    }

    /** A team's members, by user id. */
    public List<TeamMember> members(String teamId) {
        return members(List.of(teamId)).getOrDefault(teamId, List.of());
    }

    /** The members of several teams (for {@code /team/list}); teams without members are absent. */
    public Map<String, List<TeamMember>> members(Collection<String> teamIds) {
        if (teamIds.isEmpty()) {
            return Map.of();
        }
        List<TeamMember> all = db.withConnection(
                "read team members",
                c -> Sql.list(
                        c,
                        "SELECT team_id, user_id, role FROM " + MEMBERS + " WHERE team_id IN ("
                                + Sql.placeholders(teamIds.size()) + ") ORDER BY team_id, user_id",
                        teamIds,
                        TeamStore::member));
        Map<String, List<TeamMember>> byTeam = new LinkedHashMap<>();
        for (TeamMember m : all) {
            byTeam.computeIfAbsent(m.teamId(), k -> new ArrayList<>()).add(m);
        }
        return byTeam;
    }

    /** Resets the spend of every team whose {@code budget_reset_at} has passed; returns the ids this call reset. */
    public List<String> resetBudgets(Instant now) {
        return BudgetResets.run(db, TABLE, "team_id", "", now);
    }

    static TeamMember member(ResultSet rs) throws SQLException {
        return new TeamMember(rs.getString("team_id"), rs.getString("user_id"), rs.getString("role"));
    }

    private static TeamRow row(ResultSet rs) throws SQLException {
        return new TeamRow(
                rs.getString("team_id"),
                rs.getString("team_alias"),
                rs.getString("organization_id"),
                JsonColumns.strings(rs.getString("models")),
                Sql.budget(rs),
                Sql.limits(rs, true),
                JsonColumns.object(rs.getString("metadata")),
                rs.getBoolean("blocked"),
                Sql.instant(rs, "created_at"),
                Sql.instant(rs, "updated_at"));
    }
}
