package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.config.DatabaseConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
            "llmux_spend_logs");

    @Test
    void anEmptyDatabaseGetsEveryMigrationOnceAndASecondRunAppliesNothing() throws SQLException {
        try (Database fresh = Database.open(databases.fresh(), databases.workDir())) {
            assertThat(Migrations.apply(fresh)).containsExactly("V1__init.sql");

            assertThat(versions(fresh)).containsExactly("1 V1__init.sql");
            for (String table : TABLES) {
                assertThat(count(fresh, table)).as(table).isZero();
            }
            assertThat(Migrations.apply(fresh)).isEmpty();
            assertThat(versions(fresh)).containsExactly("1 V1__init.sql");
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

            assertThat(applied).containsExactly("V1__init.sql");
            assertThat(versions(dbs.get(0))).containsExactly("1 V1__init.sql");
        } finally {
            pool.shutdownNow();
            dbs.forEach(Database::close);
        }
    }

    @Test
    void aFailedMigrationIsNotRecordedAndRunsAgainOnceFixed() throws SQLException {
        // on the class's migrated database: a fresh one costs PostgreSQL half a second
        List<Migrations.Migration> v1 = Migrations.load();
        Migrations.Migration broken = new Migrations.Migration(
                2,
                "V2__extra.sql",
                List.of("CREATE TABLE IF NOT EXISTS llmux_extra (x INT)", "SELECT nonsense FROM nowhere"));

        assertThatThrownBy(() -> Migrations.apply(db, concat(v1, broken)))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.FAILED))
                .hasMessageContaining("apply migration V2__extra.sql");
        assertThat(versions(db)).containsExactly("1 V1__init.sql");

        Migrations.Migration fixed =
                new Migrations.Migration(2, "V2__extra.sql", List.of("CREATE TABLE IF NOT EXISTS llmux_extra (x INT)"));
        assertThat(Migrations.apply(db, concat(v1, fixed))).containsExactly("V2__extra.sql");
        assertThat(versions(db)).containsExactly("1 V1__init.sql", "2 V2__extra.sql");
        assertThat(count(db, "llmux_extra")).isZero();
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
