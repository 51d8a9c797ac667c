package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.config.DatabaseConfig;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {
    @TempDir
    Path dir;

    private static DatabaseConfig postgres(String host, int port, String password) {
        return new DatabaseConfig(DatabaseConfig.Type.POSTGRES, "", host, port, "llmux", password, "gw", "require", 3);
    }

    @Test
    void anEmbeddedPathIsResolvedAgainstTheWorkingDirectoryWhichIsCreated() {
        DatabaseConfig config = new DatabaseConfig(
                DatabaseConfig.Type.EMBEDDED,
                "./state/db/llmux",
                "localhost",
                5432,
                "llmux",
                "",
                "llmux",
                "disable",
                2);

        try (Database db = Database.open(config, dir)) {
            assertThat(db.ping()).isTrue();
            assertThat(db.type()).isEqualTo(DatabaseConfig.Type.EMBEDDED);
            assertThat(db.postgres()).isFalse();
            assertThat(db.describe()).isEqualTo("embedded H2 at " + dir.resolve("state/db/llmux"));
        }
        assertThat(dir.resolve("state/db/llmux.mv.db")).isRegularFile();
    }

    @Test
    void anEmbeddedDatabaseKeepsItsRowsAcrossARestart() {
        DatabaseConfig config = new DatabaseConfig(
                DatabaseConfig.Type.EMBEDDED, "data/llmux", "localhost", 5432, "llmux", "", "llmux", "disable", 2);
        String token = DatabaseContract.hash("kept");
        try (Database db = Database.open(config, dir)) {
            Migrations.apply(db);
            new KeyStore(db, Clock.systemUTC()).insert(DatabaseContract.key("kept", "alice", null));
        }

        try (Database db = Database.open(config, dir)) {
            assertThat(Migrations.apply(db)).isEmpty();
            assertThat(new KeyStore(db, Clock.systemUTC()).findByHash(token))
                    .hasValueSatisfying(k -> assertThat(k.userId()).isEqualTo("alice"));
        }
    }

    @Test
    void theH2UrlUsesPostgreSqlModeOnTheAbsoluteFile() {
        Path file = Database.embeddedFile("data/llmux.mv.db", dir);

        assertThat(file).isEqualTo(dir.resolve("data/llmux").toAbsolutePath());
        assertThat(Database.h2Url(file))
                .isEqualTo("jdbc:h2:file:" + file
                        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE"
                        + ";CACHE_SIZE=4096");
    }

    @Test
    void anEmbeddedDatabaseKeepsASmallPageCache() {
        DatabaseConfig config = new DatabaseConfig(
                DatabaseConfig.Type.EMBEDDED, "data/llmux", "localhost", 5432, "llmux", "", "llmux", "disable", 2);

        try (Database db = Database.open(config, dir)) {
            String megabytes = db.transaction("read the cache size", c -> {
                try (var st = c.createStatement();
                        var rs = st.executeQuery("SELECT setting_value FROM information_schema.settings"
                                + " WHERE setting_name = 'info.CACHE_MAX_SIZE'")) {
                    return rs.next() ? rs.getString(1) : null;
                }
            });
            // H2's default would be 16 (MB); the spend log's fresh pages would then outlive a dozen young collections
            assertThat(megabytes).isEqualTo("4");
        }
    }

    @Test
    void thePostgresUrlCarriesTheSslModeAndNeverThePassword() {
        assertThat(Database.postgresUrl(postgres("db.internal", 6543, "s3cret")))
                .isEqualTo("jdbc:postgresql://db.internal:6543/gw?sslmode=require");
        assertThat(Database.postgresUrl(postgres("::1", 5432, ""))).startsWith("jdbc:postgresql://[::1]:5432/gw");
    }

    @Test
    void aDatabaseThatIsDownOpensAnywayAndFailsFastAsUnavailable() {
        long started = System.nanoTime();
        // port 1 on loopback: nothing listens, so every connect is refused at once
        try (Database db = Database.open(postgres("127.0.0.1", 1, "s3cret"), dir)) {
            assertThat(db.describe())
                    .isEqualTo("postgres llmux@127.0.0.1:1/gw sslmode=require")
                    .doesNotContain("s3cret");
            assertThat(db.ping()).isFalse();
            KeyStore keys = new KeyStore(db, Clock.systemUTC());
            assertThatThrownBy(() -> keys.findByHash("x"))
                    .isInstanceOfSatisfying(
                            StoreException.class,
                            e -> assertThat(e.unavailable()).isTrue())
                    .hasMessageContaining("read key: database unreachable");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void noneIsNotADatabase() {
        assertThatThrownBy(() -> Database.open(DatabaseConfig.none(), dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none");
    }

    @Test
    void failuresAreClassifiedByWhatTheCallerCanDo() {
        assertThat(StoreException.classify(new SQLTransientConnectionException("pool timeout")))
                .isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(StoreException.classify(new SQLException("refused", "08001")))
                .isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(StoreException.classify(new SQLException("wrapped", null, new SQLException("gone", "57P01"))))
                .isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(StoreException.classify(new SQLException("duplicate key", "23505")))
                .isEqualTo(StoreException.Kind.CONFLICT);
        assertThat(StoreException.classify(new SQLException("syntax", "42601"))).isEqualTo(StoreException.Kind.FAILED);
    }
}
