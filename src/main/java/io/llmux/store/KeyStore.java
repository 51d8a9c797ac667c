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

/**
 * {@code llmux_keys}: virtual keys by the SHA-256 of the key. After the insert, only {@link SpendLogStore#insertBatch}
 * adds to {@code spend} and {@code model_spend} (and budget resets zero them): updates leave them alone, so a key
 * update never loses spend charged while it ran.
 */
public final class KeyStore {
    static final String TABLE = "llmux_keys";
    private static final String COLUMNS = "token, key_name, key_alias, models, max_budget, budget_duration,"
            + " budget_reset_at, soft_budget, spend, tpm_limit, rpm_limit, max_parallel_requests, model_rpm_limit,"
            + " model_tpm_limit, model_max_budget, model_spend, user_id, team_id, organization_id, metadata, tags,"
            + " key_type, expires, blocked, created_at, updated_at";
    private static final String SELECT = "SELECT " + COLUMNS + " FROM " + TABLE;

    private final Database db;
    private final Clock clock;

    public KeyStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Stores a new key; {@code createdAt}/{@code updatedAt} default to now.
     *
     * @return the row as stored
     * @throws StoreException {@link StoreException#conflict()} when the hash or the alias is taken, the message
     *     saying which
     */
    public KeyRow insert(KeyRow key) {
        Instant now = clock.instant();
        KeyRow row = key.withTimes(Sql.orNow(key.createdAt(), now), Sql.orNow(key.updatedAt(), now));
        Sql.insert(
                db,
                "insert key",
                TABLE,
                COLUMNS,
                26,
                p -> p.text(row.token())
                        .text(row.keyName())
                        .text(row.keyAlias())
                        .json(row.models())
                        .budget(row.budget())
                        .dbl(row.softBudget())
                        .dbl(row.budget().spend())
                        .limits(row.limits())
                        .integer(row.limits().maxParallelRequests())
                        .json(row.modelRpmLimit())
                        .json(row.modelTpmLimit())
                        .json(row.modelMaxBudget())
                        .json(row.modelSpend())
                        .text(row.userId())
                        .text(row.teamId())
                        .text(row.organizationId())
                        .json(row.metadata())
                        .json(row.tags())
                        .text(row.keyType())
                        .ts(row.expires())
                        .bool(row.blocked())
                        .ts(row.createdAt())
                        .ts(row.updatedAt()),
                e -> explainConflict(row, e));
        return row;
    }

    public Optional<KeyRow> findByHash(String token) {
        return db.withConnection("read key", c -> Sql.one(c, SELECT + " WHERE token = ?", token, KeyStore::row));
    }

    public Optional<KeyRow> findByAlias(String alias) {
        return db.withConnection("read key", c -> Sql.one(c, SELECT + " WHERE key_alias = ?", alias, KeyStore::row));
    }

    /**
     * Replaces every field of the key with {@code key}'s except its hash, {@code key_name}, spend, model spend and
     * creation time; {@code updated_at} becomes now.
     *
     * @return the row as stored, or empty when no key has that hash
     * @throws StoreException {@link StoreException#conflict()} when the new alias is another key's
     */
    public Optional<KeyRow> update(KeyRow key) {
        try {
            return db.transaction("update key", c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET key_alias = ?, models = ?,"
                        + " max_budget = ?, budget_duration = ?, budget_reset_at = ?, soft_budget = ?,"
                        + " tpm_limit = ?, rpm_limit = ?, max_parallel_requests = ?, model_rpm_limit = ?,"
                        + " model_tpm_limit = ?, model_max_budget = ?, user_id = ?, team_id = ?,"
                        + " organization_id = ?, metadata = ?, tags = ?, key_type = ?, expires = ?, blocked = ?,"
                        + " updated_at = ? WHERE token = ?")) {
                    new Sql.Params(ps)
                            .text(key.keyAlias())
                            .json(key.models())
                            .budget(key.budget())
                            .dbl(key.softBudget())
                            .limits(key.limits())
                            .integer(key.limits().maxParallelRequests())
                            .json(key.modelRpmLimit())
                            .json(key.modelTpmLimit())
                            .json(key.modelMaxBudget())
                            .text(key.userId())
                            .text(key.teamId())
                            .text(key.organizationId())
                            .json(key.metadata())
                            .json(key.tags())
                            .text(key.keyType())
                            .ts(key.expires())
                            .bool(key.blocked())
                            .ts(clock.instant())
                            .text(key.token());
                    if (ps.executeUpdate() == 0) {
                        return Optional.<KeyRow>empty();
                    }
                }
                return Sql.one(c, SELECT + " WHERE token = ?", key.token(), KeyStore::row);
            });
        } catch (StoreException e) {
            throw e.conflict() ? explainConflict(key, e) : e;
        }
    }

    /** @return the row as stored, or empty when no key has that hash */
    public Optional<KeyRow> setBlocked(String token, boolean blocked) {
        return db.transaction("block key", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE " + TABLE + " SET blocked = ?, updated_at = ? WHERE token = ?")) {
                new Sql.Params(ps).bool(blocked).ts(clock.instant()).text(token);
                if (ps.executeUpdate() == 0) {
                    return Optional.<KeyRow>empty();
                }
            }
            return Sql.one(c, SELECT + " WHERE token = ?", token, KeyStore::row);
        });
    }

    /**
     * Gives the key a new hash and masked name in one statement, keeping everything else (spend, budgets, alias):
     * from then on only the new key works.
     *
     * @return the row as stored, or empty when no key has {@code oldToken}
     */
    public Optional<KeyRow> regenerate(String oldToken, String newToken, String newKeyName) {
        return db.transaction("regenerate key", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE " + TABLE + " SET token = ?, key_name = ?, updated_at = ? WHERE token = ?")) {
                new Sql.Params(ps)
                        .text(newToken)
                        .text(newKeyName)
                        .ts(clock.instant())
                        .text(oldToken);
                if (ps.executeUpdate() == 0) {
                    return Optional.<KeyRow>empty();
                }
            }
            return Sql.one(c, SELECT + " WHERE token = ?", newToken, KeyStore::row);
        });
    }

    /** @return the keys deleted, as they were; hashes that match no key are left out */
    public List<KeyRow> deleteByHashes(Collection<String> tokens) {
        return delete("token", tokens);
    }

    public List<KeyRow> deleteByAliases(Collection<String> aliases) {
        return delete("key_alias", aliases);
    }

    /** The keys of deleted teams, which would otherwise keep working without the team's bounds. */
    public List<KeyRow> deleteByTeams(Collection<String> teamIds) {
        return delete("team_id", teamIds);
    }

    public List<KeyRow> deleteByUsers(Collection<String> userIds) {
        return delete("user_id", userIds);
    }

    /** The keys issued straight to deleted organizations (their teams' keys go with {@link #deleteByTeams}). */
    public List<KeyRow> deleteByOrganizations(Collection<String> organizationIds) {
        return delete("organization_id", organizationIds);
    }

    /**
     * Keys in creation order, optionally only a user's and/or a team's.
     *
     * @param userId null for any; likewise {@code teamId}
     * @param page 1-based
     */
    public Page<KeyRow> list(String userId, String teamId, int page, int size) {
        Page.check(page, size);
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<String> args = new ArrayList<>();
        if (userId != null) {
            where.append(" AND user_id = ?");
            args.add(userId);
        }
        if (teamId != null) {
            where.append(" AND team_id = ?");
            args.add(teamId);
        }
        return db.withConnection("list keys", c -> {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + TABLE + where)) {
                new Sql.Params(ps).texts(args);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    SELECT + where + " ORDER BY created_at, token OFFSET ? ROWS FETCH NEXT ? ROWS ONLY")) {
                new Sql.Params(ps).texts(args).bigint((long) (page - 1) * size).bigint((long) size);
                return new Page<>(Sql.all(ps, KeyStore::row), total, page, size);
            }
        });
    }

    /**
     * Resets the spend (and model spend) of every key whose {@code budget_reset_at} has passed.
     *
     * @return the hashes of the keys this call reset; another replica racing it resets the rest
     */
    public List<String> resetBudgets(Instant now) {
        return BudgetResets.run(db, TABLE, "token", ", model_spend = '{}'", now);
    }

    private List<KeyRow> delete(String column, Collection<String> values) {
        if (values.isEmpty()) {
            return List.of();
        }
        return db.transaction("delete keys", c -> {
            // locked, so a delete racing this one waits and then finds nothing: each key is reported deleted once
            List<KeyRow> rows = Sql.list(
                    c,
                    SELECT + " WHERE " + column + " IN (" + Sql.placeholders(values.size()) + ") FOR UPDATE",
                    values,
                    KeyStore::row);
            if (!rows.isEmpty()) {
                List<String> tokens = rows.stream().map(KeyRow::token).toList();
                Sql.update(
                        c,
                        "DELETE FROM " + TABLE + " WHERE token IN (" + Sql.placeholders(tokens.size()) + ")",
                        tokens);
            }
            return rows;
        });
    }

    private StoreException explainConflict(KeyRow key, StoreException e) {
        Optional<KeyRow> sameAlias = key.keyAlias() == null ? Optional.empty() : findByAlias(key.keyAlias());
        String message = sameAlias.isPresent() && !sameAlias.get().token().equals(key.token())
                ? "key_alias \"" + key.keyAlias() + "\" is already used by another key"
                : "a key with this hash already exists";
        return new StoreException(StoreException.Kind.CONFLICT, message, e);
    }

    private static KeyRow row(ResultSet rs) throws SQLException {
        return new KeyRow(
                rs.getString("token"),
                rs.getString("key_name"),
                rs.getString("key_alias"),
                JsonColumns.strings(rs.getString("models")),
                Sql.budget(rs),
                Sql.nullableDouble(rs, "soft_budget"),
                Sql.limits(rs, true),
                JsonColumns.longs(rs.getString("model_rpm_limit")),
                JsonColumns.longs(rs.getString("model_tpm_limit")),
                JsonColumns.doubles(rs.getString("model_max_budget")),
                JsonColumns.doubles(rs.getString("model_spend")),
                rs.getString("user_id"),
                rs.getString("team_id"),
                rs.getString("organization_id"),
                JsonColumns.object(rs.getString("metadata")),
                JsonColumns.strings(rs.getString("tags")),
                rs.getString("key_type"),
                Sql.instant(rs, "expires"),
                rs.getBoolean("blocked"),
                Sql.instant(rs, "created_at"),
                Sql.instant(rs, "updated_at"));
    }
}
