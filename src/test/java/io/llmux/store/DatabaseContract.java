package io.llmux.store;

import io.llmux.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * The base of the store contracts, which run on H2 and on PostgreSQL alike: one migrated database per test class,
 * emptied before each test, and the stores over it on a clock the tests move.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DatabaseContract {
    static final Instant T0 = Instant.parse("2025-03-10T12:00:00.123456Z");
    private static final List<String> TABLES = List.of(
            "llmux_spend_logs",
            "llmux_keys",
            "llmux_team_members",
            "llmux_users",
            "llmux_teams",
            "llmux_organizations");

    TestDatabases databases;
    Database db;
    final TestClock clock = new TestClock(T0);
    KeyStore keys;
    TeamStore teams;
    UserStore users;
    OrganizationStore orgs;
    SpendLogStore spendLogs;

    abstract TestDatabases newDatabases();

    @BeforeAll
    void openDatabase() {
        databases = newDatabases();
        db = Database.open(databases.fresh(), databases.workDir());
        Migrations.apply(db);
        keys = new KeyStore(db, clock);
        teams = new TeamStore(db, clock);
        users = new UserStore(db, clock);
        orgs = new OrganizationStore(db, clock);
        spendLogs = new SpendLogStore(db, clock);
    }

    @AfterAll
    void closeDatabase() {
        if (db != null) {
            db.close();
        }
        if (databases != null) {
            databases.close();
        }
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        clock.set(T0);
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            for (String table : TABLES) {
                s.executeUpdate("DELETE FROM " + table);
            }
        }
    }

    /** What the hash of a key named {@code name} would be: tokens are always 64 hex characters. */
    static String hash(String name) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static KeyRow key(String name, String userId, String teamId) {
        return new KeyRow(
                hash(name),
                "sk-..." + name,
                null,
                List.of(),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                userId,
                teamId,
                null,
                null,
                null,
                null,
                null,
                false,
                null,
                null);
    }

    static TeamRow team(String id, String organizationId) {
        return new TeamRow(id, id + " alias", organizationId, List.of(), null, null, null, false, null, null);
    }

    static UserRow user(String id) {
        return new UserRow(id, id + "@example.com", null, List.of(), null, null, null, null, null);
    }

    static OrganizationRow org(String id) {
        return new OrganizationRow(id, id + " alias", List.of(), null, null, null, null, null);
    }

    /** One value of one row, read directly, for what the stores do not return. */
    Object column(String sql, String arg) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        }
    }

    static Map<String, Object> nestedMetadata() {
        Map<String, Object> inner = new java.util.LinkedHashMap<>();
        inner.put("cost_center", "ml-42");
        inner.put("owner", null);
        Map<String, Object> metadata = new java.util.LinkedHashMap<>();
        metadata.put("team", inner);
        metadata.put("tier", 2);
        metadata.put("flags", List.of("a", "b"));
        return metadata;
    }
}
