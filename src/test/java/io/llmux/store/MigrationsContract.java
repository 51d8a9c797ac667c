package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.config.DatabaseConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Migrations} on empty databases of their own. */
abstract class MigrationsContract extends DatabaseContract {
    private static final List<String> TABLES = List.of(
            "llmux_organizations",
            "llmux_teams",
            "llmux_users",
            "llmux_team_members",
            "llmux_keys",
            "llmux_spend_logs",
            "llmux_spend_log_owners");
    private static final String[] ALL = {"V1__init.sql", "V2__spend_log_owners.sql"};
    private static final String[] ALL_VERSIONS = {"1 V1__init.sql", "2 V2__spend_log_owners.sql"};

    @Test
    void anEmptyDatabaseGetsEveryMigrationOnceAndASecondRunAppliesNothing() throws SQLException {
        try (Database fresh = Database.open(databases.fresh(), databases.workDir())) {
            assertThat(Migrations.apply(fresh)).containsExactly(ALL);

            assertThat(versions(fresh)).containsExactly(ALL_VERSIONS);
            for (String table : TABLES) {
                assertThat(count(fresh, table)).as(table).isZero();
            }
            assertThat(Migrations.apply(fresh)).isEmpty();
            assertThat(versions(fresh)).containsExactly(ALL_VERSIONS);
        }
    }

    @Test
    void twoInstancesStartingAtOnceApplyTheSchemaOnce() throws Exception {
        DatabaseConfig config = databases.fresh();
        int instances = 3;
        List<Database> dbs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(instances);
        try {
            for (int i = 0; i < instances; i++) {
                dbs.add(Database.open(config, databases.workDir()));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> runs = new ArrayList<>();
            for (Database d : dbs) {
                Callable<List<String>> run = () -> {
                    start.await();
                    return Migrations.apply(d);
                };
                runs.add(pool.submit(run));
            }
            start.countDown();
            List<String> applied = new ArrayList<>();
            for (Future<List<String>> run : runs) {
                applied.addAll(run.get(60, TimeUnit.SECONDS)); // each instance succeeded
            }

            assertThat(applied).containsExactly(ALL);
            assertThat(versions(dbs.get(0))).containsExactly(ALL_VERSIONS);
        } finally {
            pool.shutdownNow();
            dbs.forEach(Database::close);
        }
    }

    @Test
    void aFailedMigrationIsNotRecordedAndRunsAgainOnceFixed() throws SQLException {
        // on the class's migrated database: a fresh one costs PostgreSQL half a second
        List<Migrations.Migration> shipped = Migrations.load();
        Migrations.Migration broken = new Migrations.Migration(
                99,
                "V99__extra.sql",
                List.of("CREATE TABLE IF NOT EXISTS llmux_extra (x INT)", "SELECT nonsense FROM nowhere"));

        assertThatThrownBy(() -> Migrations.apply(db, concat(shipped, broken)))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.FAILED))
                .hasMessageContaining("apply migration V99__extra.sql");
        assertThat(versions(db)).containsExactly(ALL_VERSIONS);

        Migrations.Migration fixed = new Migrations.Migration(
                99, "V99__extra.sql", List.of("CREATE TABLE IF NOT EXISTS llmux_extra (x INT)"));
        assertThat(Migrations.apply(db, concat(shipped, fixed))).containsExactly("V99__extra.sql");
        assertThat(versions(db)).containsExactly("1 V1__init.sql", "2 V2__spend_log_owners.sql", "99 V99__extra.sql");
        assertThat(count(db, "llmux_extra")).isZero();
    }

    @Test
    void theOwnersMigrationRecordsWhomEarlierSpendRowsWereChargedTo() throws SQLException {
        try (Database old = Database.open(databases.fresh(), databases.workDir())) {
            Migrations.apply(old, Migrations.load().subList(0, 1)); // as the version before it left a database
            String keyA = "a".repeat(64);
            try (Connection c = old.dataSource().getConnection();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO llmux_spend_logs"
                            + " (request_id, api_key, user_id, team_id, model, status, start_time, end_time)"
                            + " VALUES (?, ?, ?, ?, 'gpt-4o', 200, ?, ?)")) {
                Object[][] rows = {
                    {"r1", keyA, "alice", "team-1"},
                    {"r2", keyA, "alice", "team-2"}, // the key moved to another team
                    {"r3", "b".repeat(64), null, null},
                    {"r4", null, "bob", null}, // no key hash
                    {"r5", keyA, "alice", "team-2"}
                };
                for (int i = 0; i < rows.length; i++) {
                    for (int j = 0; j < 4; j++) {
                        ps.setString(j + 1, (String) rows[i][j]);
                    }
                    ps.setObject(5, Sql.ts(T0.plusSeconds(i)));
                    ps.setObject(6, Sql.ts(T0.plusSeconds(i)));
                    ps.executeUpdate();
                }
            }

            assertThat(Migrations.apply(old)).containsExactly("V2__spend_log_owners.sql");

            assertThat(count(old, "llmux_spend_log_owners")).isEqualTo(3);
            SpendLogStore logs = new SpendLogStore(old, Clock.systemUTC());
            assertThat(ids(logs, "alice", null)).containsExactly("r5", "r2", "r1");
            assertThat(ids(logs, null, "team-1")).containsExactly("r1");
            assertThat(ids(logs, "alice", "team-2")).containsExactly("r5", "r2");
            assertThat(ids(logs, "bob", null)).containsExactly("r4");
            assertThat(ids(logs, "carol", null)).isEmpty();
        }
    }

    private static List<String> ids(SpendLogStore logs, String userId, String teamId) {
        return logs.logs(new SpendLogStore.Filter(null, userId, teamId, null, null, null, 10)).stream()
                .map(SpendLogRow::requestId)
                .toList();
    }

    private static List<Migrations.Migration> concat(List<Migrations.Migration> a, Migrations.Migration b) {
        List<Migrations.Migration> all = new ArrayList<>(a);
        all.add(b);
        return all;
    }

    private static List<String> versions(Database d) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = d.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version, name FROM llmux_schema_version ORDER BY version")) {
            while (rs.next()) {
                out.add(rs.getInt(1) + " " + rs.getString(2));
            }
        }
        return out;
    }

    private static long count(Database d, String table) throws SQLException {
        try (Connection c = d.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
