package io.llmux.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code llmux_spend_logs}, and the spend it charges to keys, users, teams and organizations. A batch is written in
 * one transaction that inserts the rows not stored yet (by request id) and adds exactly their spend to the
 * entities, so a batch retried after an outage, or written by two writers at once, charges each request once.
 *
 * <p>The same transaction records each new combination of key, user and team in {@code llmux_spend_log_owners},
 * through which {@link #logs} filters by user or team (see {@code V2__spend_log_owners.sql}).
 */
public final class SpendLogStore {
    /** Rows per JDBC batch on H2: about 50 µs of this thread's CPU each. */
    static final int H2_CHUNK_ROWS = 4;

    static final String TABLE = "llmux_spend_logs";
    static final String OWNERS = "llmux_spend_log_owners";
    /** How {@link #OWNERS} stores a row without a key hash, or without a user or team. */
    static final String NONE = "";

    private static final String COLUMNS = "request_id, api_key, key_alias, user_id, team_id, organization_id, model,"
            + " model_group, deployment, provider, prompt_tokens, completion_tokens, total_tokens, spend, cache_hit,"
            + " status, start_time, end_time";
    private static final String DAY = "FLOOR(EXTRACT(EPOCH FROM start_time) / 86400)";

    private final Database db;
    private final Clock clock;

    /**
     * Owners committed lately, so that a batch writes only combinations it has not seen: a gateway's spend comes from
     * a few keys, and without this every batch would try them all again. Bounded, and forgetting is harmless (the
     * insert is {@code ON CONFLICT DO NOTHING}); entries expire so that owners deleted by hand come back.
     */
    private final Cache<Owner, Boolean> knownOwners = Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofMinutes(10))
            .executor(Runnable::run)
            .build();

    public SpendLogStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** One row of {@link #OWNERS}: absent values as {@link #NONE}. */
    record Owner(String apiKey, String userId, String teamId) implements Comparable<Owner> {
        private static final Comparator<Owner> ORDER =
                Comparator.comparing(Owner::apiKey).thenComparing(Owner::userId).thenComparing(Owner::teamId);

        /** The owner to record for {@code row}; null when it has neither user nor team (no filter can find it). */
        static Owner of(SpendLogRow row) {
            if (row.userId() == null && row.teamId() == null) {
                return null;
            }
            return new Owner(orNone(row.apiKey()), orNone(row.userId()), orNone(row.teamId()));
        }

        private static String orNone(String value) {
            return value == null ? NONE : value;
        }

        @Override
        public int compareTo(Owner other) {
            return ORDER.compare(this, other);
        }
    }

    /** What spend totals are grouped by, and the column that holds it. */
    public enum Group {
        KEY("api_key"),
        USER("user_id"),
        TEAM("team_id"),
        ORGANIZATION("organization_id"),
        MODEL("model"),
        PROVIDER("provider");

        final String column;

        Group(String column) {
            this.column = column;
        }
    }

    /**
     * Spend of one group.
     *
     * @param group the key hash, user id, ... ; null for requests without one (the master key has no hash)
     */
    public record Total(
            String group, long requests, long promptTokens, long completionTokens, long totalTokens, double spend) {}

    /** One UTC day of {@code /global/activity}. */
    public record Day(LocalDate date, long requests, long totalTokens, double spend) {}

    /**
     * The filters of {@code /spend/logs}; null fields do not filter.
     *
     * @param start inclusive; {@code end} exclusive; both on {@code start_time}
     * @param limit at most this many rows, newest first
     */
    public record Filter(
            String apiKey, String userId, String teamId, String requestId, Instant start, Instant end, int limit) {
        public Filter {
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be 1 or more, not " + limit);
            }
        }
    }

    /**
     * Stores a batch and charges its spend, in one transaction. Rows whose request id is already stored (a retry)
     * are skipped and charge nothing.
     *
     * @return per row, in the order given: 1 when stored now, 0 when it was already there
     */
    public int[] insertBatch(List<SpendLogRow> rows) {
        return insertBatch(rows, false);
    }

    /**
     * {@link #insertBatch(List)}, without the pauses between H2 chunks when {@code catchingUp}: a writer that falls
     * behind while yielding every few rows to a saturated core never catches up, and its backlog spills to disk.
     */
    public int[] insertBatch(List<SpendLogRow> rows, boolean catchingUp) {
        if (rows.isEmpty()) {
            return new int[0];
        }
        Instant now = clock.instant();
        // one order for every writer: concurrent batches then take their row and entity locks in the same order
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(i -> rows.get(i).requestId()));
        List<Owner> owners = unknownOwners(rows);
        int[] stored = db.transaction("write spend logs", c -> {
            recordOwners(c, owners);
            int[] counts =
                    db.postgres() ? insertReturning(c, rows, order, now) : insertEach(c, rows, order, now, !catchingUp);
            charge(c, rows, counts);
            return counts;
        });
        // only once committed: a batch rolled back must write its owners again when it is retried
        for (Owner o : owners) {
            knownOwners.put(o, Boolean.TRUE);
        }
        return stored;
    }

    /** The batch's owners not known to be stored, in one order for every writer (their locks, like the rows'). */
    private List<Owner> unknownOwners(List<SpendLogRow> rows) {
        TreeSet<Owner> out = new TreeSet<>();
        for (SpendLogRow r : rows) {
            Owner o = Owner.of(r);
            if (o != null && knownOwners.getIfPresent(o) == null) {
                out.add(o);
            }
        }
        return new ArrayList<>(out);
    }

    private static void recordOwners(Connection c, List<Owner> owners) throws SQLException {
        if (owners.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + OWNERS + " (api_key, user_id, team_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (Owner o : owners) {
                new Sql.Params(ps).text(o.apiKey()).text(o.userId()).text(o.teamId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * PostgreSQL: one multi-row statement that says which rows it stored. One execution instead of one per row
     * takes a good part of the database's work off a batch (which, in a small deployment, shares the gateway's
     * cores). A request id twice in one batch is stored, and counted, once.
     */
    private static int[] insertReturning(Connection c, List<SpendLogRow> rows, List<Integer> order, Instant now)
            throws SQLException {
        String tuple = "(" + Sql.placeholders(18) + ")";
        String sql = "INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES "
                + String.join(", ", Collections.nCopies(rows.size(), tuple))
                + " ON CONFLICT DO NOTHING RETURNING request_id";
        int[] counts = new int[rows.size()];
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Sql.Params params = new Sql.Params(ps);
            for (int i : order) {
                bind(params, rows.get(i), now);
            }
            Set<String> stored = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
            for (int i : order) {
                counts[i] = stored.remove(rows.get(i).requestId()) ? 1 : 0;
            }
        }
        return counts;
    }

    /**
     * H2 (no {@code RETURNING}): JDBC batches, whose per-row counts say which rows were new.
     *
     * <p>Embedded H2 does its work on this thread, in the gateway's process: a whole batch at once is several
     * milliseconds of CPU in one burst, and on a small machine every request in flight then waits behind it at each
     * thread hand-off. Chunks of {@link #H2_CHUNK_ROWS} with a yield between them keep each burst short, so request
     * threads run in between; the transaction stays one. A writer that is behind does not yield ({@code
     * yielding} false): its fair share of the core is then what lets it catch up.
     */
    @SuppressWarnings("ThreadPriorityCheck") // the yield is the point: see above
    private static int[] insertEach(
            Connection c, List<SpendLogRow> rows, List<Integer> order, Instant now, boolean yielding)
            throws SQLException {
        int[] counts = new int[rows.size()];
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES ("
                + Sql.placeholders(18) + ") ON CONFLICT DO NOTHING")) {
            for (int from = 0; from < order.size(); from += H2_CHUNK_ROWS) {
                if (from > 0 && yielding) {
                    Thread.yield();
                }
                int to = Math.min(order.size(), from + H2_CHUNK_ROWS);
                for (int j = from; j < to; j++) {
                    bind(new Sql.Params(ps), rows.get(order.get(j)), now);
                    ps.addBatch();
                }
                int[] chunk = ps.executeBatch();
                for (int j = 0; j < chunk.length; j++) {
                    counts[order.get(from + j)] = chunk[j] > 0 ? 1 : 0;
                }
            }
        }
        return counts;
    }

    /**
     * {@link #insertBatch}, counted: the shape of the spend writer's sink ({@code spendLogs::write}).
     *
     * @return how many rows were stored now
     */
    public int write(List<SpendLogRow> batch, boolean catchingUp) {
        int stored = 0;
        for (int n : insertBatch(batch, catchingUp)) {
            stored += n;
        }
        return stored;
    }

    /** Rows matching the filter, newest first. */
    public List<SpendLogRow> logs(Filter f) {
        return db.withConnection("read spend logs", c -> {
            StringBuilder where = new StringBuilder(" WHERE 1 = 1");
            List<Object> args = new ArrayList<>();
            eq(where, args, "api_key", f.apiKey());
            if ((f.userId() != null || f.teamId() != null) && !ownedBy(c, where, args, f.userId(), f.teamId())) {
                return List.of();
            }
            eq(where, args, "request_id", f.requestId());
            range(where, args, f.start(), f.end());
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + TABLE + where
                    + " ORDER BY start_time DESC, request_id FETCH FIRST ? ROWS ONLY")) {
                bindAll(ps, args).bigint((long) f.limit());
                return Sql.all(ps, SpendLogStore::row);
            }
        });
    }

    /**
     * The user and team filters: first the keys that user or team owned ({@link #OWNERS}), then their rows through the
     * api_key index, filtered on the rows' own columns. A key's team can change; its rows keep the team they were
     * charged to, and the owners hold every combination, so each filter finds exactly its rows. The keys go in as one
     * array rather than a subquery: given the list, both databases pick the index (PostgreSQL chose a hash join over
     * the whole table for the subquery).
     *
     * @return false when no key was ever charged to them: then no row matches
     */
    private boolean ownedBy(Connection c, StringBuilder where, List<Object> args, String userId, String teamId)
            throws SQLException {
        StringBuilder owners = new StringBuilder("SELECT DISTINCT api_key FROM " + OWNERS + " WHERE 1 = 1");
        List<Object> ownerArgs = new ArrayList<>();
        eq(owners, ownerArgs, "user_id", userId);
        eq(owners, ownerArgs, "team_id", teamId);
        List<String> keys = new ArrayList<>();
        boolean keyless = false;
        try (PreparedStatement ps = c.prepareStatement(owners.toString())) {
            bindAll(ps, ownerArgs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(1);
                    if (key.isBlank()) { // NONE, padded by CHAR(64) in one database and not in the other
                        keyless = true;
                    } else {
                        keys.add(key);
                    }
                }
            }
        }
        if (keys.isEmpty() && !keyless) {
            return false;
        }
        // bpchar: an array of varchar would compare as text, which the CHAR(64) index cannot serve
        where.append(" AND (api_key = ANY(?)");
        args.add(c.createArrayOf(db.postgres() ? "bpchar" : "CHAR", keys.toArray()));
        if (keyless) {
            where.append(" OR api_key IS NULL"); // rows without a key hash (the gateway gives them no user or team)
        }
        where.append(')');
        eq(where, args, "user_id", userId);
        eq(where, args, "team_id", teamId);
        return true;
    }

    /**
     * Spend totals grouped one way, biggest spend first.
     *
     * @param start inclusive, on {@code start_time}; null for no bound; {@code end} exclusive
     */
    public List<Total> totals(Group by, Instant start, Instant end) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        range(where, args, start, end);
        return db.withConnection("read spend totals", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + by.column + " AS grp, COUNT(*) AS requests,"
                    + " SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion,"
                    + " SUM(total_tokens) AS tokens, SUM(spend) AS usd FROM " + TABLE + where + " GROUP BY "
                    + by.column + " ORDER BY usd DESC, grp")) {
                bindAll(ps, args);
                return Sql.all(
                        ps,
                        rs -> new Total(
                                rs.getString("grp"),
                                rs.getLong("requests"),
                                rs.getLong("prompt"),
                                rs.getLong("completion"),
                                rs.getLong("tokens"),
                                rs.getDouble("usd")));
            }
        });
    }

    /**
     * Requests, tokens and spend per UTC day, oldest first; days without requests are absent.
     *
     * @param start inclusive, on {@code start_time}; null for no bound; {@code end} exclusive
     */
    public List<Day> daily(Instant start, Instant end) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        range(where, args, start, end);
        return db.withConnection("read daily spend", c -> {
            // epoch days rather than a cast to DATE, which would follow each session's time zone
            try (PreparedStatement ps = c.prepareStatement("SELECT " + DAY + " AS epoch_day, COUNT(*) AS requests,"
                    + " SUM(total_tokens) AS tokens, SUM(spend) AS usd FROM " + TABLE + where + " GROUP BY " + DAY
                    + " ORDER BY epoch_day")) {
                bindAll(ps, args);
                return Sql.all(
                        ps,
                        rs -> new Day(
                                LocalDate.ofEpochDay(rs.getLong("epoch_day")),
                                rs.getLong("requests"),
                                rs.getLong("tokens"),
                                rs.getDouble("usd")));
            }
        });
    }

    /**
     * Adds the spend of the rows stored now to their entities: one update per entity, in sorted order within each
     * table. A key's spend per model group is kept too, read under the row lock so concurrent batches add up.
     */
    private static void charge(Connection c, List<SpendLogRow> rows, int[] stored) throws SQLException {
        Map<String, Double> keys = new TreeMap<>();
        Map<String, Map<String, Double>> keyModels = new HashMap<>();
        Map<String, Double> users = new TreeMap<>();
        Map<String, Double> teams = new TreeMap<>();
        Map<String, Double> orgs = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            SpendLogRow r = rows.get(i);
            if (stored[i] == 0 || r.spend() == 0) {
                continue;
            }
            if (r.apiKey() != null) {
                keys.merge(r.apiKey(), r.spend(), Double::sum);
                String model = r.modelGroup() != null ? r.modelGroup() : r.model();
                keyModels.computeIfAbsent(r.apiKey(), k -> new TreeMap<>()).merge(model, r.spend(), Double::sum);
            }
            add(users, r.userId(), r.spend());
            add(teams, r.teamId(), r.spend());
            add(orgs, r.organizationId(), r.spend());
        }
        for (Map.Entry<String, Double> e : keys.entrySet()) {
            chargeKey(c, e.getKey(), e.getValue(), keyModels.get(e.getKey()));
        }
        chargeAll(c, UserStore.TABLE, "user_id", users);
        chargeAll(c, TeamStore.TABLE, "team_id", teams);
        chargeAll(c, OrganizationStore.TABLE, "organization_id", orgs);
    }

    /**
     * The UPDATE of {@code spend} goes first because it takes the row's lock: the read that follows sees every
     * batch committed before this one, and none can commit in between. A {@code SELECT ... FOR UPDATE} would do the
     * same in one statement fewer, but H2 never caches such a query: it parsed it again for every batch, which was a
     * third of this method's time while the JIT had not compiled H2's parser yet (it runs five times a second).
     */
    private static void chargeKey(Connection c, String token, double spend, Map<String, Double> byModel)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE " + KeyStore.TABLE + " SET spend = spend + ? WHERE token = ?")) {
            new Sql.Params(ps).dbl(spend).text(token);
            if (ps.executeUpdate() == 0) {
                return; // deleted since the request: its spend stays in the logs only
            }
        }
        Map<String, Double> modelSpend;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT model_spend FROM " + KeyStore.TABLE + " WHERE token = ?")) {
            ps.setString(1, token);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                modelSpend = new TreeMap<>(JsonColumns.doubles(rs.getString(1)));
            }
        }
        byModel.forEach((model, usd) -> modelSpend.merge(model, usd, Double::sum));
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE " + KeyStore.TABLE + " SET model_spend = ? WHERE token = ?")) {
            new Sql.Params(ps).json(modelSpend).text(token);
            ps.executeUpdate();
        }
    }

    private static void chargeAll(Connection c, String table, String idColumn, Map<String, Double> spend)
            throws SQLException {
        if (spend.isEmpty()) {
            return;
        }
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE " + table + " SET spend = spend + ? WHERE " + idColumn + " = ?")) {
            for (Map.Entry<String, Double> e : spend.entrySet()) {
                new Sql.Params(ps).dbl(e.getValue()).text(e.getKey());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void add(Map<String, Double> totals, String id, double spend) {
        if (id != null) {
            totals.merge(id, spend, Double::sum);
        }
    }

    /** Missing times and model never fail a batch: a row the writer got wrong must not block every row after it. */
    private static void bind(Sql.Params params, SpendLogRow r, Instant now) throws SQLException {
        Instant start = r.startTime() != null ? r.startTime() : r.endTime() != null ? r.endTime() : now;
        Instant end = r.endTime() != null ? r.endTime() : start;
        params.text(r.requestId())
                .text(r.apiKey())
                .text(r.keyAlias())
                .text(r.userId())
                .text(r.teamId())
                .text(r.organizationId())
                .text(r.model() == null ? "" : r.model())
                .text(r.modelGroup())
                .text(r.deployment())
                .text(r.provider())
                .bigint(r.promptTokens())
                .bigint(r.completionTokens())
                .bigint(r.totalTokens())
                .dbl(r.spend())
                .bool(r.cacheHit())
                .integer(r.status())
                .ts(start)
                .ts(end);
    }

    private static SpendLogRow row(ResultSet rs) throws SQLException {
        return new SpendLogRow(
                rs.getString("request_id"),
                rs.getString("api_key"),
                rs.getString("key_alias"),
                rs.getString("user_id"),
                rs.getString("team_id"),
                rs.getString("organization_id"),
                rs.getString("model"),
                rs.getString("model_group"),
                rs.getString("deployment"),
                rs.getString("provider"),
                rs.getLong("prompt_tokens"),
                rs.getLong("completion_tokens"),
                rs.getDouble("spend"),
                rs.getBoolean("cache_hit"),
                rs.getInt("status"),
                Sql.instant(rs, "start_time"),
                Sql.instant(rs, "end_time"));
    }

    private static void eq(StringBuilder where, List<Object> args, String column, String value) {
        if (value != null) {
            where.append(" AND ").append(column).append(" = ?");
            args.add(value);
        }
    }

    private static void range(StringBuilder where, List<Object> args, Instant start, Instant end) {
        if (start != null) {
            where.append(" AND start_time >= ?");
            args.add(start);
        }
        if (end != null) {
            where.append(" AND start_time < ?");
            args.add(end);
        }
    }

    private static Sql.Params bindAll(PreparedStatement ps, List<Object> args) throws SQLException {
        Sql.Params p = new Sql.Params(ps);
        for (Object a : args) {
            if (a instanceof Instant t) {
                p.ts(t);
            } else if (a instanceof java.sql.Array array) {
                p.array(array);
            } else {
                p.text((String) a);
            }
        }
        return p;
    }
}
