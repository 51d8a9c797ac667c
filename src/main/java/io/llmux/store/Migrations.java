package io.llmux.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings the schema up to date at start. {@code db/migration/index.txt} lists the SQL files in order (explicit: no
 * class path scanning); {@code llmux_schema_version} records each one applied. Each file runs in its own
 * transaction, under a lock, after checking it is not recorded yet, so running twice, or on two replicas starting
 * at once, applies each file exactly once.
 *
 * <p>PostgreSQL: {@code pg_advisory_xact_lock} inside the migration's transaction, released by its commit, so a
 * replica that dies mid-migration never leaves the lock held. H2 is one process (it locks its file), so a lock in
 * this JVM is enough; H2 commits each DDL statement by itself, which is why the files use {@code IF NOT EXISTS}.
 */
public final class Migrations {
    static final String INDEX = "db/migration/index.txt";
    /** Any constant shared by all replicas; "llmux" in ASCII. */
    static final long ADVISORY_LOCK_KEY = 0x6c6c6d7578L;

    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__[A-Za-z0-9_]+\\.sql");
    private static final ReentrantLock EMBEDDED_LOCK = new ReentrantLock();

    private Migrations() {}

    /** One SQL file of the index. */
    public record Migration(int version, String name, List<String> statements) {
        public Migration {
            statements = List.copyOf(statements);
        }
    }

    /**
     * Applies every listed migration the database has not recorded yet.
     *
     * @return the names of the files this call applied, in order; empty when the schema was current
     * @throws StoreException when the database is unreachable or a statement fails (that file is rolled back)
     */
    public static List<String> apply(Database db) {
        return apply(db, load());
    }

    static List<String> apply(Database db, List<Migration> migrations) {
        List<String> applied = new ArrayList<>();
        boolean jvmLock = !db.postgres();
        if (jvmLock) {
            EMBEDDED_LOCK.lock();
        }
        try {
            for (Migration m : migrations) {
                if (db.transaction("apply migration " + m.name(), c -> applyOne(c, db.postgres(), m))) {
                    applied.add(m.name());
                }
            }
        } finally {
            if (jvmLock) {
                EMBEDDED_LOCK.unlock();
            }
        }
        return applied;
    }

    private static boolean applyOne(Connection c, boolean postgres, Migration m) throws SQLException {
        if (postgres) {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, ADVISORY_LOCK_KEY);
                lock.execute();
            }
        }
        try (PreparedStatement create = c.prepareStatement(
                "CREATE TABLE IF NOT EXISTS llmux_schema_version ("
                        + "version INT PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)")) {
            create.execute();
        }
        try (PreparedStatement seen = c.prepareStatement("SELECT 1 FROM llmux_schema_version WHERE version = ?")) {
            seen.setInt(1, m.version());
            try (ResultSet rs = seen.executeQuery()) {
                if (rs.next()) {
                    return false;
                }
            }
        }
        for (String sql : m.statements()) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.execute();
            }
        }
        try (PreparedStatement record =
                c.prepareStatement("INSERT INTO llmux_schema_version (version, name, applied_at) VALUES (?, ?, ?)")) {
            record.setInt(1, m.version());
            record.setString(2, m.name());
            record.setObject(3, Sql.ts(Instant.now()));
            record.executeUpdate();
        }
        return true;
    }

    /** The migrations of {@value #INDEX}, in its order. */
    public static List<Migration> load() {
        List<Migration> out = new ArrayList<>();
        int last = 0;
        for (String line : resource(INDEX).lines().toList()) {
            String name = line.strip();
            if (name.isEmpty() || name.startsWith("#")) {
                continue;
            }
            Matcher m = FILE_NAME.matcher(name);
            if (!m.matches()) {
                throw new IllegalStateException(INDEX + ": \"" + name + "\" is not named V<version>__<name>.sql");
            }
            int version = Integer.parseInt(m.group(1));
            if (version <= last) {
                throw new IllegalStateException(INDEX + ": " + name + " is out of order (after version " + last + ")");
            }
            last = version;
            out.add(new Migration(version, name, statements(resource("db/migration/" + name))));
        }
        return out;
    }

    /**
     * Splits a file into statements at a {@code ;} that ends a line; {@code --} comment lines are dropped. Enough for
     * plain DDL: the files hold no procedures or string literals spanning lines.
     */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.endsWith(";")) {
                current.append(trimmed, 0, trimmed.length() - 1);
                out.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(trimmed).append('\n');
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }

    private static String resource(String path) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r", "");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
