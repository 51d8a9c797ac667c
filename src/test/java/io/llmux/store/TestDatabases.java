package io.llmux.store;

import io.llmux.config.DatabaseConfig;
import io.llmux.testing.Services;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Where a contract test gets its empty databases: H2 files in a temporary directory, or databases of their own on
 * the local PostgreSQL, created per run and dropped after it so runs never see each other's rows.
 */
public interface TestDatabases extends AutoCloseable {
    /** A new, empty database. */
    DatabaseConfig fresh();

    /** What relative embedded paths resolve against. */
    Path workDir();

    @Override
    void close();

    static TestDatabases h2() {
        return new H2();
    }

    /** Skips the calling test when PostgreSQL is not there, unless {@code LLMUX_IT_REQUIRED=1}. */
    static TestDatabases postgres() {
        Services.Endpoint pg = Services.requireListening("PostgreSQL", "127.0.0.1", 5432);
        return new Postgres(pg);
    }

    final class H2 implements TestDatabases {
        private final Path dir;
        private int count;

        H2() {
            try {
                dir = Files.createTempDirectory("llmux-store");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public DatabaseConfig fresh() {
            // relative, under directories that do not exist yet: Database resolves and creates them
            String path = "db" + ++count + "/data/llmux";
            return new DatabaseConfig(
                    DatabaseConfig.Type.EMBEDDED, path, "localhost", 5432, "llmux", "", "llmux", "disable", 4);
        }

        @Override
        public Path workDir() {
            return dir;
        }

        @Override
        public void close() {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    final class Postgres implements TestDatabases {
        private static final String USER = "postgres";
        private final Services.Endpoint pg;
        private final List<String> created = new ArrayList<>();

        Postgres(Services.Endpoint pg) {
            this.pg = pg;
        }

        @Override
        public DatabaseConfig fresh() {
            byte[] random = new byte[6];
            ThreadLocalRandom.current().nextBytes(random);
            String name = "llmux_it_" + HexFormat.of().formatHex(random);
            admin("CREATE DATABASE " + name);
            created.add(name);
            return new DatabaseConfig(
                    DatabaseConfig.Type.POSTGRES, "", pg.host(), pg.port(), USER, "", name, "disable", 4);
        }

        @Override
        public Path workDir() {
            return Path.of(".");
        }

        @Override
        public void close() {
            for (String name : created) {
                admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
            created.clear();
        }

        /** Statements on the {@code test} database, which every run may use to make and drop its own. */
        private void admin(String sql) {
            String url = "jdbc:postgresql://" + pg.addr() + "/test";
            try (Connection c = DriverManager.getConnection(url, USER, "");
                    Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(sql + ": " + e.getMessage(), e);
            }
        }
    }
}
