package io.llmux.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Column conversions both drivers agree on. Instants are stored as {@code TIMESTAMP WITH TIME ZONE} in UTC and cut
 * to microseconds (what both databases keep), so a value read back equals the one written, and a conditional
 * update can match on it.
 */
final class Sql {
    private Sql() {}

    static Instant micros(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MICROS);
    }

    static OffsetDateTime ts(Instant t) {
        return t == null ? null : micros(t).atOffset(ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    static Integer nullableInt(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    /** Reads one row of a result set. */
    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Runs a prepared query and reads every row. */
    static <T> List<T> all(PreparedStatement ps, RowReader<T> reader) throws SQLException {
        List<T> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(reader.read(rs));
            }
        }
        return rows;
    }

    /** The row {@code sql} finds for its one text parameter, if any. */
    static <T> Optional<T> one(Connection c, String sql, String arg, RowReader<T> reader) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            List<T> rows = all(ps, reader);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }
    }

    /** The rows {@code sql} finds for its text parameters, which it names with {@link #placeholders}. */
    static <T> List<T> list(Connection c, String sql, Collection<String> args, RowReader<T> reader)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            new Params(ps).texts(args);
            return all(ps, reader);
        }
    }

    /** Runs an update with text parameters; returns the rows changed. */
    static int update(Connection c, String sql, Collection<String> args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            new Params(ps).texts(args);
            return ps.executeUpdate();
        }
    }

    /** Binds one statement's parameters, in column order. */
    @FunctionalInterface
    interface Binder {
        void bind(Params params) throws SQLException;
    }

    /**
     * One row into {@code table}, every column bound by {@code bind}. A clash with a stored row (a taken id or alias)
     * is handed to {@code onConflict}, so each store can name the field that clashed.
     */
    static void insert(
            Database db,
            String action,
            String table,
            String columns,
            int count,
            Binder bind,
            java.util.function.UnaryOperator<StoreException> onConflict) {
        try {
            db.withConnection(action, c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders(count) + ")")) {
                    bind.bind(new Params(ps));
                    return ps.executeUpdate();
                }
            });
        } catch (StoreException e) {
            throw e.conflict() ? onConflict.apply(e) : e;
        }
    }

    /** A row's creation or update time, or now when the caller left it out. */
    static Instant orNow(Instant t, Instant now) {
        return t == null ? now : t;
    }

    /** {@code ?, ?, ?} for an {@code IN} list of n values (n ≥ 1). */
    static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** Binds parameters in order, so a statement's values read in the order of its columns. */
    static final class Params {
        private final PreparedStatement ps;
        private int index;

        Params(PreparedStatement ps) {
            this.ps = ps;
        }

        Params text(String v) throws SQLException {
            ps.setString(++index, v);
            return this;
        }

        Params array(java.sql.Array v) throws SQLException {
            ps.setArray(++index, v);
            return this;
        }

        Params texts(Collection<String> values) throws SQLException {
            for (String v : values) {
                text(v);
            }
            return this;
        }

        Params bigint(Long v) throws SQLException {
            if (v == null) {
                ps.setNull(++index, Types.BIGINT);
            } else {
                ps.setLong(++index, v);
            }
            return this;
        }

        Params integer(Integer v) throws SQLException {
            if (v == null) {
                ps.setNull(++index, Types.INTEGER);
            } else {
                ps.setInt(++index, v);
            }
            return this;
        }

        Params dbl(Double v) throws SQLException {
            if (v == null) {
                ps.setNull(++index, Types.DOUBLE);
            } else {
                ps.setDouble(++index, v);
            }
            return this;
        }

        Params bool(boolean v) throws SQLException {
            ps.setBoolean(++index, v);
            return this;
        }

        Params ts(Instant v) throws SQLException {
            if (v == null) {
                ps.setNull(++index, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                ps.setObject(++index, Sql.ts(v));
            }
            return this;
        }

        Params json(Object v) throws SQLException {
            return text(JsonColumns.write(v));
        }

        Params budget(BudgetFields b) throws SQLException {
            return dbl(b.maxBudget()).text(b.budgetDuration()).ts(b.budgetResetAt());
        }

        Params limits(Limits l) throws SQLException {
            return bigint(l.tpmLimit()).bigint(l.rpmLimit());
        }
    }

    static BudgetFields budget(ResultSet rs) throws SQLException {
        return new BudgetFields(
                nullableDouble(rs, "max_budget"),
                rs.getString("budget_duration"),
                instant(rs, "budget_reset_at"),
                rs.getDouble("spend"));
    }

    /** @param parallel whether the table has {@code max_parallel_requests} (organizations have not) */
    static Limits limits(ResultSet rs, boolean parallel) throws SQLException {
        return new Limits(
                nullableLong(rs, "tpm_limit"),
                nullableLong(rs, "rpm_limit"),
                parallel ? nullableInt(rs, "max_parallel_requests") : null);
    }
}
