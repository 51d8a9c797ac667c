package io.llmux.bench;

import io.llmux.config.DatabaseConfig;
import io.llmux.config.LoggingConfig;
import io.llmux.spend.IdlePriority;
import io.llmux.spend.SpendLogWriter;
import io.llmux.store.Database;
import io.llmux.store.Migrations;
import io.llmux.store.SpendLogRow;
import io.llmux.store.Stores;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How many spend rows per second the batch writer stores (`make bench-spend`): the writer as the gateway builds it,
 * fed as fast as it takes rows, against PostgreSQL (a database of its own, dropped after) and the embedded H2.
 * Rows carry one key, user and team, so every batch also charges those entities, as in production.
 *
 * <p>Settings: {@code DB_HOST}, {@code DB_PORT}, {@code DB_USER}, {@code DB_PASSWORD} (PostgreSQL, default the
 * local one), {@code ROWS} (default 200000).
 */
public final class SpendWriterBench {
    private SpendWriterBench() {}

    public static void main(String[] args) throws Exception {
        int rows = Integer.parseInt(env("ROWS", "200000"));
        String host = env("DB_HOST", "127.0.0.1");
        int port = Integer.parseInt(env("DB_PORT", "5432"));
        String user = env("DB_USER", "postgres");
        String password = env("DB_PASSWORD", "");
        String name = "llmux_bench_"
                + HexFormat.of()
                        .formatHex(
                                new byte[] {(byte) ThreadLocalRandom.current().nextInt()});
        String admin = "jdbc:postgresql://" + host + ":" + port + "/postgres";
        sql(admin, user, password, "CREATE DATABASE " + name);
        try {
            run(
                    "postgres",
                    new DatabaseConfig(
                            DatabaseConfig.Type.POSTGRES, "", host, port, user, password, name, "disable", 10),
                    Path.of("."),
                    rows);
        } finally {
            sql(admin, user, password, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
        Path dir = Files.createTempDirectory("llmux-bench-h2");
        run(
                "embedded",
                new DatabaseConfig(DatabaseConfig.Type.EMBEDDED, "data/llmux", "", 0, "", "", "", "disable", 10),
                dir,
                rows);
    }

    private static void run(String label, DatabaseConfig config, Path workDir, int rows) throws Exception {
        LogSink sink = new LogSink(new ByteArrayOutputStream(), () -> false);
        Log log = new Log(sink, LoggingConfig.Level.WARN, System::currentTimeMillis);
        try (Database db = Database.open(config, workDir)) {
            Migrations.apply(db);
            Stores stores = Stores.over(db, Clock.systemUTC());
            SpendLogWriter writer = new SpendLogWriter(
                    stores.spendLogs()::write,
                    workDir.resolve("spill-" + label),
                    SpendLogWriter.Settings.defaults(),
                    log,
                    IdlePriority.of(db.writeHelperThreads(), log)); // as the gateway wires it
            String key = "k".repeat(64);
            long start = System.nanoTime();
            for (int i = 0; i < rows; i++) {
                Instant t = Instant.now();
                // time-ordered ids, as the gateway makes them
                String id = String.format("req_%012x%020d", t.toEpochMilli(), i);
                writer.record(new SpendLogRow(
                        id,
                        key,
                        "bench",
                        "user-1",
                        "team-1",
                        null,
                        "gpt-4o-mini",
                        "bench-d0",
                        "mock/gpt-4o-mini",
                        "mock",
                        12,
                        30,
                        0.0000198,
                        false,
                        200,
                        t,
                        t.plusMillis(3)));
                while (writer.queued() > 50_000) {
                    Thread.sleep(1); // the gateway never waits; the bench only keeps the queue from overflowing
                }
            }
            while (writer.stored() < rows
                    && System.nanoTime() - start < Duration.ofMinutes(5).toNanos()) {
                Thread.sleep(5);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            writer.drain(Duration.ofSeconds(10));
            System.out.printf(
                    "%-9s %,d rows stored in %.2f s: %,.0f rows/s (spilled %d, dropped %d)%n",
                    label, writer.stored(), seconds, writer.stored() / seconds, writer.spilled(), writer.dropped());
        }
        sink.close();
    }

    private static void sql(String url, String user, String password, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
