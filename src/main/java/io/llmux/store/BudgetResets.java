package io.llmux.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The budget reset of one table: every row whose {@code budget_reset_at} has passed gets spend 0 and a reset time
 * moved on by whole periods. Each row's update is conditional on the reset time it was read with, so when two
 * replicas run this at once each row is reset by exactly one of them (the other's update matches no row).
 */
final class BudgetResets {
    private BudgetResets() {}

    private record Due(String id, String duration, Instant resetAt) {}

    /**
     * @param extraSet more assignments for a reset row, with a leading comma, or empty
     * @return the ids this call reset
     */
    static List<String> run(Database db, String table, String idColumn, String extraSet, Instant now) {
        List<Due> due = db.withConnection("read budgets due in " + table, c -> {
            List<Due> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + idColumn + ", budget_duration, budget_reset_at"
                    + " FROM " + table + " WHERE budget_reset_at <= ? ORDER BY " + idColumn)) {
                new Sql.Params(ps).ts(now);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Due(
                                rs.getString(1), rs.getString("budget_duration"), Sql.instant(rs, "budget_reset_at")));
                    }
                }
            }
            return rows;
        });
        List<String> reset = new ArrayList<>();
        for (Due d : due) {
            if (!BudgetDurations.valid(d.duration())) {
                // a reset time without a period (edited by hand): stop resetting rather than reset every run
                update(
                        db,
                        "UPDATE " + table + " SET budget_reset_at = NULL WHERE " + idColumn
                                + " = ? AND budget_reset_at = ?",
                        null,
                        d);
                continue;
            }
            Instant next = BudgetDurations.nextReset(d.resetAt(), d.duration(), now);
            if (update(
                    db,
                    "UPDATE " + table + " SET spend = 0" + extraSet + ", budget_reset_at = ? WHERE " + idColumn
                            + " = ? AND budget_reset_at = ?",
                    next,
                    d)) {
                reset.add(d.id());
            }
        }
        return reset;
    }

    private static boolean update(Database db, String sql, Instant next, Due d) {
        return db.withConnection("reset budget", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Sql.Params p = new Sql.Params(ps);
                if (next != null) {
                    p.ts(next);
                }
                p.text(d.id()).ts(d.resetAt());
                return ps.executeUpdate() == 1;
            }
        });
    }
}
