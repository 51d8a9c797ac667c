package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.config.DatabaseConfig;
import io.llmux.store.Database;
import io.llmux.store.SpendLogRow;
import io.llmux.store.SpendLogStore;
import io.llmux.store.Stores;
import io.llmux.store.TestDatabases;
import io.llmux.testing.TcpProxy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on the real jar loses no spend (SPEC §1, §8): with the embedded database every row of the last answers is
 * stored before the process exits 0; with PostgreSQL unreachable the process still exits 0 within its shutdown
 * timeout, the rows it could not store wait in the spill file, and the next start stores them.
 */
class ShutdownSpendIT {
    private static final String MASTER = "sk-master-shutdown-spend";
    private static final int REQUESTS = 30;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient client = HttpClient.newHttpClient();
    private final Path jar =
            Path.of(System.getProperty("llmux.jar", "target/llmux.jar")).toAbsolutePath();

    @TempDir
    Path dir;

    private int port;

    /** A key and what its requests were charged, as their answers said. */
    private record Spent(String hash, List<String> requestIds, double cost) {}

    @Test
    void sigtermStoresEverySpendRowInTheEmbeddedDatabaseBeforeTheProcessExits() throws Exception {
        Path dbPath = dir.resolve("db").resolve("llmux");
        Process p = start("""
                database:
                  type: embedded
                  path: %s
                """.formatted(dbPath));
        Spent spent;
        try {
            spent = chat(newKey(), REQUESTS);
            // right after the last answer: the writer still holds the rows of its last flush interval
            p.destroy();
            assertExitsZero(p, Duration.ofSeconds(15));
        } finally {
            p.destroyForcibly();
        }

        DatabaseConfig h2 = new DatabaseConfig(
                DatabaseConfig.Type.EMBEDDED, dbPath.toString(), "localhost", 5432, "llmux", "", "llmux", "disable", 2);
        assertAllStored(h2, spent);
    }

    @Test
    void withPostgresCutOffSigtermExitsInTimeSpillingTheRowsAndTheNextStartStoresThem() throws Exception {
        try (TestDatabases databases = TestDatabases.postgres()) {
            DatabaseConfig db = databases.fresh();
            try (TcpProxy proxy = new TcpProxy(db.host(), db.port())) {
                sigtermWhileCutOff(db, proxy);
            }
        }
    }

    /** Ten rows stored, the database cut off, twenty more answered, then SIGTERM and a second start. */
    private void sigtermWhileCutOff(DatabaseConfig db, TcpProxy proxy) throws Exception {
        String database = """
                database:
                  type: postgres
                  host: 127.0.0.1
                  port: %d
                  user: %s
                  name: %s
                """.formatted(proxy.port(), db.user(), db.name());
        int beforeCut = 10;
        Process p = start(database);
        Spent spent;
        try {
            JsonNode key = newKey();
            Spent first = chat(key, beforeCut);
            Fixtures.await(
                    () -> storedIds(db, first.hash()).size() == beforeCut,
                    Duration.ofSeconds(10),
                    "the rows before the outage are stored");
            proxy.cut();
            Spent rest = chat(key, REQUESTS - beforeCut);
            spent = new Spent(first.hash(), concat(first.requestIds(), rest.requestIds()), first.cost() + rest.cost());
            p.destroy();
            assertExitsZero(p, SHUTDOWN_TIMEOUT.plusSeconds(5));
        } finally {
            p.destroyForcibly();
        }

        assertThat(spillFiles()).extracting(f -> f.getFileName().toString()).containsExactly("spend-spill.jsonl");
        Set<String> spilled = spilledIds();
        Set<String> stored = storedIds(db, spent.hash());
        assertThat(spilled).as("rows of the outage are in the spill file").isNotEmpty();
        Set<String> kept = new HashSet<>(stored);
        kept.addAll(spilled);
        assertThat(kept)
                .as("every request is stored or spilled")
                .containsExactlyInAnyOrderElementsOf(spent.requestIds());

        proxy.restore();
        Process again = start(database);
        try {
            Fixtures.await(
                    () -> storedIds(db, spent.hash()).size() == REQUESTS
                            && spillFiles().isEmpty(),
                    Duration.ofSeconds(15),
                    "the next start stores the spilled rows and removes the spill file");
            again.destroy();
            assertExitsZero(again, SHUTDOWN_TIMEOUT.plusSeconds(5));
        } finally {
            again.destroyForcibly();
        }
        assertAllStored(db, spent);
    }

    /** The jar on {@code dir/config.yaml}: a priced mock model, the master key and {@code database}; ready. */
    private Process start(String database) throws Exception {
        port = ShutdownIT.freePort();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: %d
                  shutdown_timeout: %ds
                auth:
                  master_key: %s
                %sproviders:
                  - name: mock
                    type: mock
                    latency: 1ms
                    models:
                      - name: priced
                        model: priced
                        input_cost_per_million: 1000000
                        output_cost_per_million: 1000000
                """.formatted(port, SHUTDOWN_TIMEOUT.toSeconds(), MASTER, database));
        assertThat(jar)
                .as("the fat jar is built in the package phase, before integration tests")
                .exists();
        Process p = ShutdownIT.launch(jar, config, dir);
        ShutdownIT.waitLive(client, port);
        Fixtures.await(
                () -> status("/health/ready") == 200, Duration.ofSeconds(20), "the schema is migrated and ready");
        return p;
    }

    private JsonNode newKey() throws Exception {
        HttpResponse<String> r = post("/key/generate", "{}", MASTER);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Fixtures.json(r.body());
    }

    private Spent chat(JsonNode key, int requests) throws Exception {
        List<String> ids = new ArrayList<>();
        double cost = 0;
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> r = post(
                    "/v1/chat/completions",
                    "{\"model\":\"priced\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    key.get("key").asText());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            ids.add(r.headers().firstValue("x-request-id").orElseThrow());
            cost += Double.parseDouble(
                    r.headers().firstValue("x-llmux-response-cost").orElseThrow());
        }
        assertThat(cost).as("the model is priced, so spend is positive").isPositive();
        return new Spent(key.get("token").asText(), ids, cost);
    }

    private void assertExitsZero(Process p, Duration within) throws Exception {
        boolean exited = p.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
        String log = Files.readString(dir.resolve("out.log"));
        assertThat(exited).as("exits within " + within + "\n" + log).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
    }

    /** Every request's row is in the database, and the key is charged exactly what the answers said. */
    private void assertAllStored(DatabaseConfig db, Spent spent) {
        try (Database direct = Database.open(db, dir)) {
            Stores stores = Stores.over(direct, Clock.systemUTC());
            List<SpendLogRow> rows = rows(stores, spent.hash());
            assertThat(rows).extracting(SpendLogRow::requestId).containsExactlyInAnyOrderElementsOf(spent.requestIds());
            assertThat(stores.keys()
                            .findByHash(spent.hash())
                            .orElseThrow()
                            .budget()
                            .spend())
                    .isCloseTo(spent.cost(), within(1e-9));
        }
    }

    /** Request ids stored for a key, read straight from the database (not through the proxy). */
    private Set<String> storedIds(DatabaseConfig db, String hash) {
        try (Database direct = Database.open(db, dir)) {
            Set<String> ids = new HashSet<>();
            rows(Stores.over(direct, Clock.systemUTC()), hash).forEach(r -> ids.add(r.requestId()));
            return ids;
        }
    }

    private static List<SpendLogRow> rows(Stores stores, String hash) {
        return stores.spendLogs().logs(new SpendLogStore.Filter(hash, null, null, null, null, null, 10_000));
    }

    private Set<String> spilledIds() throws IOException {
        Set<String> ids = new HashSet<>();
        for (Path file : spillFiles()) {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    ids.add(Fixtures.json(line).get("request_id").asText());
                }
            }
        }
        return ids;
    }

    /** The spill files beside {@code ./data/llmux}, where a PostgreSQL gateway keeps them. */
    private List<Path> spillFiles() {
        Path data = dir.resolve("data");
        if (!Files.isDirectory(data)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(data)) {
            return files.filter(f -> f.getFileName().toString().startsWith("spend-spill"))
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private HttpResponse<String> post(String path, String body, String key) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", "Bearer " + key)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int status(String path) {
        try {
            return client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
