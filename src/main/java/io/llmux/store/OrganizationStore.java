package io.llmux.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** {@code llmux_organizations}: the top of the budget hierarchy. */
public final class OrganizationStore {
    static final String TABLE = "llmux_organizations";
    private static final String COLUMNS = "organization_id, organization_alias, models, max_budget, budget_duration,"
            + " budget_reset_at, spend, tpm_limit, rpm_limit, metadata, created_at, updated_at";
    private static final String SELECT = "SELECT " + COLUMNS + " FROM " + TABLE;

    private final Database db;
    private final Clock clock;

    public OrganizationStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * @return the row as stored ({@code createdAt}/{@code updatedAt} default to now)
     * @throws StoreException {@link StoreException#conflict()} when the organization id is taken
     */
    public OrganizationRow insert(OrganizationRow org) {
        Instant now = clock.instant();
        OrganizationRow row = org.withTimes(Sql.orNow(org.createdAt(), now), Sql.orNow(org.updatedAt(), now));
        Sql.insert(
                db,
                "insert organization",
                TABLE,
                COLUMNS,
                12,
                p -> p.text(row.organizationId())
                        .text(row.organizationAlias())
                        .json(row.models())
                        .budget(row.budget())
                        .dbl(row.budget().spend())
                        .limits(row.limits())
                        .json(row.metadata())
                        .ts(row.createdAt())
                        .ts(row.updatedAt()),
                e -> new StoreException(
                        e.kind(), "organization_id \"" + org.organizationId() + "\" already exists", e));
        return row;
    }

    public Optional<OrganizationRow> find(String organizationId) {
        return db.withConnection(
                "read organization",
                c -> Sql.one(c, SELECT + " WHERE organization_id = ?", organizationId, OrganizationStore::row));
    }

    /**
     * Replaces every field but the id, spend and creation time; {@code updated_at} becomes now.
     *
     * @return the row as stored, or empty when there is no such organization
     */
    public Optional<OrganizationRow> update(OrganizationRow org) {
        return db.transaction("update organization", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET organization_alias = ?,"
                    + " models = ?, max_budget = ?, budget_duration = ?, budget_reset_at = ?, tpm_limit = ?,"
                    + " rpm_limit = ?, metadata = ?, updated_at = ? WHERE organization_id = ?")) {
                new Sql.Params(ps)
                        .text(org.organizationAlias())
                        .json(org.models())
                        .budget(org.budget())
                        .limits(org.limits())
                        .json(org.metadata())
                        .ts(clock.instant())
                        .text(org.organizationId());
                if (ps.executeUpdate() == 0) {
                    return Optional.<OrganizationRow>empty();
                }
            }
            return Sql.one(c, SELECT + " WHERE organization_id = ?", org.organizationId(), OrganizationStore::row);
        });
    }

    /**
     * Deletes organizations only: their teams and keys are the caller's to delete first (LiteLLM's
     * {@code /organization/delete} takes them with it, and so does the API's).
     *
     * @return the organizations deleted, as they were; unknown ids are left out
     */
    public List<OrganizationRow> delete(Collection<String> organizationIds) {
        if (organizationIds.isEmpty()) {
            return List.of();
        }
        String in = " WHERE organization_id IN (" + Sql.placeholders(organizationIds.size()) + ")";
        return db.transaction("delete organizations", c -> {
            List<OrganizationRow> rows =
                    Sql.list(c, SELECT + in + " FOR UPDATE", organizationIds, OrganizationStore::row);
            Sql.update(c, "DELETE FROM " + TABLE + in, organizationIds);
            return rows;
        });
    }

    /** Organizations in creation order. */
    public List<OrganizationRow> list() {
        return db.withConnection(
                "list organizations",
                c -> Sql.list(c, SELECT + " ORDER BY created_at, organization_id", List.of(), OrganizationStore::row));
    }

    /** Resets the spend of every organization whose {@code budget_reset_at} has passed; returns the ids reset. */
    public List<String> resetBudgets(Instant now) {
        return BudgetResets.run(db, TABLE, "organization_id", "", now);
    }

    private static OrganizationRow row(ResultSet rs) throws SQLException {
        return new OrganizationRow(
                rs.getString("organization_id"),
                rs.getString("organization_alias"),
                JsonColumns.strings(rs.getString("models")),
                Sql.budget(rs),
                Sql.limits(rs, false),
                JsonColumns.object(rs.getString("metadata")),
                Sql.instant(rs, "created_at"),
                Sql.instant(rs, "updated_at"));
    }
}
