package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.config.DatabaseConfig;
import io.llmux.store.Database;
import io.llmux.store.SpendLogStore;
import io.llmux.store.Stores;
import io.llmux.store.TestDatabases;
import io.llmux.testing.TcpProxy;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL taken away under a running gateway (through a TCP proxy the test cuts): known keys keep working,
 * unknown keys get 503 rather than 401, readiness says the database is down, and every spend row of the outage is
 * in the database once it is back. Also: spend queued at shutdown is written, or spilled and written at the next
 * start, never lost (SPEC §8).
 */
class DatabaseOutageIT {
    private static final String MASTER = "sk-master-outage";

    private TestDatabases databases;
    private DatabaseConfig db;
    private TcpProxy proxy;
    private Path workDir;

    @BeforeEach
    void database() throws Exception {
        databases = TestDatabases.postgres();
        db = databases.fresh();
        proxy = new TcpProxy(db.host(), db.port());
        workDir = Files.createTempDirectory("llmux-outage");
    }

    @AfterEach
    void cleanUp() {
        if (proxy != null) {
            proxy.close();
        }
        if (databases != null) {
            databases.close();
        }
    }

    @Test
    void knownKeysKeepWorkingWhileTheDatabaseIsDownAndNoSpendIsLost() throws Exception {
        try (TestGateway gw = start()) {
            JsonNode made = manage(gw, "/key/generate", "{\"key_alias\":\"survivor\"}");
            String key = made.get("key").asText();
            String hash = made.get("token").asText();
            double total = cost(chat(gw, key));

            proxy.cut();
            Fixtures.await(() -> status(gw, "/health/ready") == 503, Duration.ofSeconds(10), "readiness sees it");
            assertThat(gw.get("/health/ready").body()).contains("database");
            int duringOutage = 20;
            for (int i = 0; i < duringOutage; i++) {
                HttpResponse<String> r = chat(gw, key);
                assertThat(r.statusCode())
                        .as("a known key during the outage: " + r.body())
                        .isEqualTo(200);
                total += cost(r);
            }
            JsonNode unknown = Fixtures.error(chat(gw, "sk-never-seen-before"), 503, "api_error");
            assertThat(unknown.get("message").asText()).contains("unavailable");
            Fixtures.error(gw.post("/key/generate", "{}", auth(MASTER)), 503, "api_error");
            assertThat(chat(gw, MASTER).statusCode())
                    .as("the master key needs no database")
                    .isEqualTo(200);

            proxy.restore();
            Fixtures.await(() -> status(gw, "/health/ready") == 200, Duration.ofSeconds(15), "the database is back");
            double expected = total;
            Fixtures.await(
                    () -> logsOf(gw, hash) == duringOutage + 1,
                    Duration.ofSeconds(15),
                    "every request's spend row is stored after the outage");
            Fixtures.await(
                    () -> Math.abs(spendOf(gw, hash) - expected) < 1e-9,
                    Duration.ofSeconds(5),
                    "the key is charged for every request");
        }
    }

    @Test
    void spendQueuedAtShutdownIsStoredBeforeTheGatewayStops() throws Exception {
        String hash;
        int requests = 30;
        try (TestGateway gw = start()) {
            JsonNode made = manage(gw, "/key/generate", "{}");
            hash = made.get("token").asText();
            for (int i = 0; i < requests; i++) {
                assertThat(chat(gw, made.get("key").asText()).statusCode()).isEqualTo(200);
            }
        } // close drains at once: some rows are still queued in the writer
        assertThat(storedRows(hash)).isEqualTo(requests);
    }

    @Test
    void spendThatCannotBeStoredAtShutdownIsSpilledAndStoredAtTheNextStart() throws Exception {
        String key;
        String hash;
        int requests = 12;
        try (TestGateway gw = start()) {
            JsonNode made = manage(gw, "/key/generate", "{}");
            key = made.get("key").asText();
            hash = made.get("token").asText();
            assertThat(chat(gw, key).statusCode()).isEqualTo(200);
            Fixtures.await(() -> logsOf(gw, hash) == 1, Duration.ofSeconds(5), "the first row is stored");
            proxy.cut();
            for (int i = 1; i < requests; i++) {
                assertThat(chat(gw, key).statusCode()).isEqualTo(200);
            }
        }
        try (var files = Files.list(workDir.resolve("data"))) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("spend-spill"));
        }
        proxy.restore();
        try (TestGateway again = start()) {
            Fixtures.await(
                    () -> logsOf(again, hash) == requests,
                    Duration.ofSeconds(15),
                    "the spilled rows are stored by the next start");
        }
    }

    private TestGateway start() throws Exception {
        Path config = workDir.resolve("config.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 3s
                auth:
                  master_key: %s
                database:
                  type: postgres
                  host: 127.0.0.1
                  port: %d
                  user: %s
                  name: %s
                  max_open_conns: 4
                providers:
                  - name: mock
                    type: mock
                    latency: 1ms
                    models:
                      - name: priced
                        model: priced
                        input_cost_per_million: 1000000
                        output_cost_per_million: 1000000
                """.formatted(MASTER, proxy.port(), db.user(), db.name()));
        TestGateway gw = TestGateway.startFile(config, workDir, Map.of());
        Fixtures.await(() -> status(gw, "/health/ready") == 200, Duration.ofSeconds(20), "the gateway is ready");
        return gw;
    }

    /** Rows stored for a key, read straight from PostgreSQL (not through the proxy). */
    private int storedRows(String hash) {
        try (Database direct = Database.open(db, workDir)) {
            Stores stores = Stores.over(direct, Clock.systemUTC());
            return stores.spendLogs()
                    .logs(new SpendLogStore.Filter(hash, null, null, null, null, null, 10_000))
                    .size();
        }
    }

    private static int status(TestGateway gw, String path) {
        try {
            return gw.get(path).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String[] auth(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    private static JsonNode manage(TestGateway gw, String path, String body) throws Exception {
        HttpResponse<String> r = gw.post(path, body, auth(MASTER));
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return Fixtures.json(r.body());
    }

    private static HttpResponse<String> chat(TestGateway gw, String key) throws Exception {
        return gw.post(
                "/v1/chat/completions",
                "{\"model\":\"priced\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                auth(key));
    }

    private static double cost(HttpResponse<String> r) {
        return Double.parseDouble(
                r.headers().firstValue("x-llmux-response-cost").orElseThrow());
    }

    private static int logsOf(TestGateway gw, String hash) {
        try {
            HttpResponse<String> r = gw.get("/spend/logs?limit=1000&api_key=" + hash, auth(MASTER));
            return r.statusCode() == 200 ? Fixtures.json(r.body()).size() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static double spendOf(TestGateway gw, String hash) {
        try {
            HttpResponse<String> r = gw.get("/key/info?key=" + hash, auth(MASTER));
            return r.statusCode() == 200
                    ? Fixtures.json(r.body()).path("info").path("spend").asDouble()
                    : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
