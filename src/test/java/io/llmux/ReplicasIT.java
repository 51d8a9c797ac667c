package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.config.DatabaseConfig;
import io.llmux.store.Database;
import io.llmux.store.KeyRow;
import io.llmux.store.Stores;
import io.llmux.store.TestDatabases;
import io.llmux.testing.Services;
import io.llmux.wire.TokenEstimate;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * SPEC §8 and §11: two replicas with one PostgreSQL database and one Redis behave as one gateway for keys, budgets
 * and spend. A key made or blocked through one replica counts on the other at once, a budget holds across both, and
 * both write to one spend log.
 *
 * <p>Prices are a dollar per token, as in {@link GovernanceIT}. Redis is shared with other test runs, so the provider's
 * name is unique per run (routing keys are named after deployments) and the budget counters of every key this class
 * made are deleted afterwards; the database is this class's own.
 */
class ReplicasIT {
    private static final String MASTER = "sk-master-replicas";
    private static final String PROVIDER = "twin" + UUID.randomUUID().toString().substring(0, 8);
    private static final String MODEL = "priced";

    private static Services.Endpoint redis;
    private static TestDatabases databases;
    private static DatabaseConfig db;
    private static Path workDir;
    private static TestGateway a;
    private static TestGateway b;
    /** Hashes of the keys made here: their budget counters in Redis are deleted after the class. */
    private static final Set<String> madeKeys = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        redis = Services.requireRedis();
        databases = TestDatabases.postgres();
        db = databases.fresh();
        workDir = Files.createTempDirectory("llmux-replicas");
        String config =
                """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 2s
                auth:
                  master_key: %s
                database:
                  type: postgres
                  host: %s
                  port: %d
                  user: %s
                  name: %s
                  max_open_conns: 4
                redis:
                  addr: %s
                  timeout: 2s
                providers:
                  - name: %s
                    type: mock
                    latency: 20ms
                    models:
                      - name: %s
                        model: %s
                        input_cost_per_million: 1000000
                        output_cost_per_million: 1000000
                """.formatted(MASTER, db.host(), db.port(), db.user(), db.name(), redis.addr(), PROVIDER, MODEL, MODEL);
        a = replica(config, "a");
        b = replica(config, "b");
        for (TestGateway gw : List.of(a, b)) {
            gw.awaitReady();
        }
    }

    private static TestGateway replica(String config, String name) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve(name));
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, config);
        return TestGateway.startFile(file, dir, Map.of());
    }

    @AfterAll
    static void stop() {
        for (TestGateway gw : new TestGateway[] {a, b}) {
            if (gw != null) {
                gw.close();
            }
        }
        if (redis != null) {
            deleteOurRedisKeys();
        }
        if (databases != null) {
            databases.close();
        }
    }

    @AfterEach
    void bothReplicasSharedEverything() {
        for (TestGateway gw : List.of(a, b)) {
            assertThat(gw.logs())
                    .as("no request hit a bug, and neither replica fell back to its own state")
                    .doesNotContain(
                            "\"status\":500",
                            "request failed",
                            "redis failed",
                            "key changes are not shared",
                            "database not reachable");
        }
    }

    @Test
    void aKeyMadeThroughOneReplicaWorksOnTheOtherAtOnce() throws Exception {
        JsonNode made = manage(a, "/key/generate", "{\"key_alias\":\"made-on-a\"}");
        String key = made.get("key").asText();

        HttpResponse<String> r = chat(b, key);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        HttpResponse<String> info = b.get("/key/info", auth(key));
        assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
        assertThat(Fixtures.json(info.body()).path("info").path("key_alias").asText())
                .isEqualTo("made-on-a");
    }

    @Test
    void aKeyBlockedThroughOneReplicaIsRefusedByTheOtherWithinASecondThoughItWasCachedThere() throws Exception {
        String key = manage(a, "/key/generate", "{}").get("key").asText();
        assertThat(chat(b, key).statusCode())
                .as("B has the key in its cache now")
                .isEqualTo(200);

        manage(a, "/key/block", "{\"key\":\"" + key + "\"}");
        long t0 = System.nanoTime();
        // B hears of the block through Redis pub/sub and drops its entry. Without Redis, B would go on using its
        // cached entry until it is a second old and reloaded in the background: up to the 1 s refresh, plus the
        // reload, and the request that finds it stale is still let through.
        Fixtures.await(() -> status(b, key) == 401, Duration.ofSeconds(1), "B refuses the blocked key");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        Fixtures.error(chat(b, key), 401, "authentication_error");
        Fixtures.error(chat(a, key), 401, "authentication_error");

        manage(b, "/key/unblock", "{\"key\":\"" + key + "\"}");
        Fixtures.await(
                () -> status(a, key) == 200,
                Duration.ofSeconds(1),
                "A, which cached the key blocked, takes it back when it is unblocked through B");
    }

    @Test
    void aClientWithOneParallelSlotCallingEachReplicaInTurnIsNeverRefused() throws Exception {
        String key = manage(a, "/key/generate", "{\"max_parallel_requests\":1}")
                .get("key")
                .asText();

        for (int i = 0; i < 40; i++) {
            TestGateway via = i % 2 == 0 ? a : b;
            HttpResponse<String> r = chat(via, key);
            assertThat(r.statusCode())
                    .as(
                            "call %d, sent the moment the previous answer (from the other replica) was read: its slot"
                                    + " must be free in Redis by then: %s",
                            i, r.body())
                    .isEqualTo(200);
        }
    }

    @Test
    void aBudgetHoldsAcrossBothReplicasAndBothReportTheSameSpend() throws Exception {
        double cost = costOfOneCall();
        double estimate = estimate();
        assertThat(cost)
                .as("the answer fills max_tokens, so a reservation is close to the real cost")
                .isGreaterThan(estimate * 0.75)
                .isLessThanOrEqualTo(estimate);
        int requests = 40;
        // room for four reservations at once and about as many answers; each replica alone gets many more requests,
        // so replicas counting on their own would together admit about twice the budget
        double budget = estimate * 4.5;
        int perReplica = requests / 2;
        assertThat(perReplica * cost)
                .as("one replica's share of the requests costs more than twice the budget")
                .isGreaterThan(2 * budget);
        JsonNode made = manage(a, "/key/generate", "{\"max_budget\":" + budget + "}");
        String key = made.get("key").asText();
        String hash = made.get("token").asText();

        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < requests; i++) {
                TestGateway via = i % 2 == 0 ? a : b;
                results.add(pool.submit(() -> {
                    go.await();
                    return chat(via, key).statusCode();
                }));
            }
            go.countDown();
        }
        int admitted = 0;
        for (Future<Integer> f : results) {
            int status = f.get();
            assertThat(status).isIn(200, 403);
            admitted += status == 200 ? 1 : 0;
        }
        long t0 = System.nanoTime();
        double charged = admitted * cost;
        double[] seen = new double[2];
        BooleanSupplier bothCharged = () -> {
            seen[0] = spendOf(a, hash);
            seen[1] = spendOf(b, hash);
            return seen[0] == charged && seen[1] == charged;
        };
        long deadline = t0 + Duration.ofSeconds(5).toNanos();
        while (!bothCharged.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(seen)
                .as("the key's spend on A and B after %d of %d requests admitted at %s each", admitted, requests, cost)
                .containsExactly(charged, charged);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));

        assertThat(admitted)
                .as("four reservations fit at once, whichever replica took them")
                .isGreaterThanOrEqualTo(4);
        assertThat(charged)
                .as("SPEC §8: over the budget by at most one request per replica")
                .isLessThanOrEqualTo(budget + 2 * cost);
        Fixtures.await(
                () -> storedSpend(hash) == charged,
                Duration.ofSeconds(5),
                "both replicas' spend writers charged the key in the database");
    }

    @Test
    void aRequestTheLimiterRefusesGivesBackItsBudgetReservationAndARefusedBudgetAnswersFirst() throws Exception {
        double cost = costOfOneCall();
        double estimate = estimate();
        // the budget's reservation and the limiter's admission are under way at once: each refusal must still undo
        // the other's work, and the budget must still be the one that answers when both refuse
        JsonNode roomy = manage(a, "/key/generate", "{\"rpm_limit\":1,\"max_budget\":" + estimate * 100 + "}");
        String key = roomy.get("key").asText();
        String hash = roomy.get("token").asText();
        assertThat(chat(a, key).statusCode()).isEqualTo(200);
        for (int i = 0; i < 6; i++) {
            Fixtures.error(chat(i % 2 == 0 ? a : b, key), 429, "rate_limit_error");
        }
        Fixtures.await(
                () -> spendOf(a, hash) == cost && spendOf(b, hash) == cost,
                Duration.ofSeconds(2),
                "the six refused requests' reservations given back: live spend is the one answer's cost");

        // room for one reservation: once the first answer is charged, the budget refuses the next, as does its rpm
        JsonNode tight = manage(a, "/key/generate", "{\"rpm_limit\":1,\"max_budget\":" + estimate * 1.1 + "}");
        String spent = tight.get("key").asText();
        assertThat(chat(a, spent).statusCode()).isEqualTo(200);
        Fixtures.await(
                () -> spendOf(b, tight.get("token").asText()) == cost, Duration.ofSeconds(2), "the answer charged");
        JsonNode error = Fixtures.error(chat(b, spent), 403, "permission_denied");
        assertThat(error.get("code").asText()).isEqualTo("budget_exceeded");
    }

    @Test
    void spendLogsOfBothReplicasAreOneTable() throws Exception {
        JsonNode made = manage(a, "/key/generate", "{}");
        String key = made.get("key").asText();
        String hash = made.get("token").asText();
        Set<String> viaB = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = chat(b, key);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            viaB.add(r.headers().firstValue("x-request-id").orElseThrow());
        }
        HttpResponse<String> r = chat(a, key);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String viaA = r.headers().firstValue("x-request-id").orElseThrow();

        // each replica's writer stores its rows in batches, a moment after the answers
        Fixtures.await(() -> spendLogs(a, hash).size() == 4, Duration.ofSeconds(5), "all four rows are stored");
        List<String> listedByA = spendLogs(a, hash).findValuesAsText("request_id");
        assertThat(listedByA).containsAll(viaB).contains(viaA).hasSize(4);
        assertThat(spendLogs(b, hash).findValuesAsText("request_id")).containsExactlyInAnyOrderElementsOf(listedByA);
    }

    // helpers

    private static String[] auth(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    private static JsonNode manage(TestGateway gw, String path, String body) throws Exception {
        JsonNode answer = gw.manage(MASTER, path, body);
        if (answer.hasNonNull("token")) {
            madeKeys.add(answer.get("token").asText());
        }
        return answer;
    }

    private static final String CHAT =
            "{\"model\":\"" + MODEL + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

    private static HttpResponse<String> chat(TestGateway gw, String key) throws Exception {
        return gw.post("/v1/chat/completions", CHAT, auth(key));
    }

    /** The status of a chat, for waits; -1 when the call itself failed. */
    private static int status(TestGateway gw, String key) {
        try {
            return chat(gw, key).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** What one chat costs, measured with the master key (which has no budget). */
    private static double costOfOneCall() throws Exception {
        HttpResponse<String> r = chat(a, MASTER);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Double.parseDouble(
                r.headers().firstValue("x-llmux-response-cost").orElseThrow());
    }

    /**
     * The reservation one chat takes: the prompt estimate and {@code max_tokens}, at a dollar per token. The mock's
     * answers are longer than eight words, so the real cost is the prompt and exactly {@code max_tokens} too.
     */
    private static double estimate() {
        ObjectNode body = (ObjectNode) Fixtures.json(CHAT);
        return TokenEstimate.prompt(body) + TokenEstimate.completion(body);
    }

    private static JsonNode spendLogs(TestGateway gw, String hash) {
        try {
            HttpResponse<String> r = gw.get("/spend/logs?limit=100&api_key=" + hash, auth(MASTER));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return Fixtures.json(r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The live spend {@code /key/info} reports: the shared ledger's count, settled and in flight. */
    private static double spendOf(TestGateway gw, String hash) {
        try {
            HttpResponse<String> r = gw.get("/key/info?key=" + hash, auth(MASTER));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return Fixtures.json(r.body()).path("info").path("spend").asDouble();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The key's spend as stored in PostgreSQL, read straight from it. */
    private static double storedSpend(String hash) {
        try (Database direct = Database.open(db, workDir)) {
            return Stores.over(direct, Clock.systemUTC())
                    .keys()
                    .findByHash(hash)
                    .map(KeyRow::budget)
                    .orElseThrow()
                    .spend();
        }
    }

    /**
     * This run's keys: the budget counters of the keys it made ({@code llmux:budget:{b}:c:key:<hash>} and
     * {@code …:r:key:<hash>}, see {@code LedgerKeys}; a model budget's id goes on after the hash) and the routing
     * state of its deployments.
     */
    private static void deleteOurRedisKeys() {
        try (RedisClient client = RedisClient.create(redis.host(), redis.port())) {
            List<String> found = new ArrayList<>();
            found.addAll(scan(client, "llmux:budget:{b}:?:key:*").stream()
                    .filter(name -> madeKeys.contains(hashIn(name)))
                    .toList());
            found.addAll(scan(client, "*{" + PROVIDER + "/*"));
            if (!found.isEmpty()) {
                client.del(found.toArray(String[]::new));
            }
        }
    }

    /** The key hash in a budget counter's name: the hex after {@code :key:}. */
    private static String hashIn(String name) {
        String id = name.substring(name.indexOf(":key:") + ":key:".length());
        int end = 0;
        while (end < id.length() && Character.digit(id.charAt(end), 16) >= 0) {
            end++;
        }
        return id.substring(0, end);
    }

    private static List<String> scan(RedisClient client, String pattern) {
        ScanParams params = new ScanParams().match(pattern).count(1000);
        List<String> found = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = client.scan(cursor, params);
            found.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return found;
    }
}
