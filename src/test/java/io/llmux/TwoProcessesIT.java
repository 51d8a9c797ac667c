package io.llmux;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.llmux.config.DatabaseConfig;
import io.llmux.store.TestDatabases;
import io.llmux.testing.Services;
import io.llmux.wire.TokenEstimate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * SPEC §11 and §1 on the real jar: two gateway processes on one PostgreSQL database and one Redis behave as one
 * gateway (a rate limit, a budget, a cooldown and the cache hold across both), and SIGTERM on one of them in a rolling
 * restart breaks none of its open streams, loses no spend row and costs the other replica no request.
 *
 * <p>Redis is shared with other runs: provider names and the cache namespace carry this run's id, and what this class
 * left there (routing state, cache entries, the counters of the keys it made) is deleted afterwards; the database is
 * this class's own. The restart stops replica A, so it runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoProcessesIT {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String MOCK = "mock" + RUN;
    private static final String UPSTREAM = "up" + RUN;
    private static final String SLOW = "slow" + RUN;
    private static final String NAMESPACE = "llmux-test-" + RUN;
    private static final String MASTER = TestSecrets.MASTER_KEY;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** Streams held open on A across its SIGTERM, and what each sends after it. */
    private static final int STREAMS = 100;

    private static final int TOKENS_AFTER_SIGTERM = 10;
    private static final long TOKEN_GAP_MILLIS = 100;
    private static final String STREAMED_TEXT = streamedText();

    private static final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Hashes of the keys made here: their rate limit and budget counters in Redis are deleted after the class. */
    private static final Set<String> madeKeys = ConcurrentHashMap.newKeySet();

    private static final CountDownLatch streamsOpen = new CountDownLatch(STREAMS);
    private static final CountDownLatch sigtermSent = new CountDownLatch(1);

    private static Services.Endpoint redis;
    private static TestDatabases databases;
    private static DatabaseConfig db;
    private static WireMockServer wm;
    private static ScriptedUpstream slow;
    private static Replica a;
    private static Replica b;

    /** One gateway process: its port, and its output in {@code dir/out.log}. */
    private record Replica(String name, Process process, Path dir, int port) {
        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        String log() {
            try {
                return Files.readString(dir.resolve("out.log"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @BeforeAll
    static void start() throws Exception {
        redis = Services.requireRedis();
        databases = TestDatabases.postgres();
        db = databases.fresh();
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        RoutingStubs.install(wm);
        // every stream opens with one token, waits for the test's SIGTERM, then paces out the rest
        slow = new ScriptedUpstream(ev -> {
            ev.content("open");
            streamsOpen.countDown();
            if (!sigtermSent.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no SIGTERM came");
            }
            for (int i = 0; i < TOKENS_AFTER_SIGTERM; i++) {
                Thread.sleep(TOKEN_GAP_MILLIS);
                ev.content("-t" + i);
            }
            ev.done();
        });
        Path jar = Path.of(System.getProperty("llmux.jar", "target/llmux.jar")).toAbsolutePath();
        assertThat(jar)
                .as("the fat jar is built in the package phase, before integration tests")
                .exists();
        Path work = Files.createTempDirectory("llmux-two-processes");
        a = launch(jar, work, "a");
        b = launch(jar, work, "b");
        for (Replica r : List.of(a, b)) {
            ShutdownIT.waitLive(client, r.port());
            eventually(
                    () -> status(r.uri("/health/ready")) == 200,
                    Duration.ofSeconds(30),
                    r.name() + " migrated its database and reached Redis");
        }
    }

    private static Replica launch(Path jar, Path work, String name) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        int port = ShutdownIT.freePort();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: %d
                  shutdown_timeout: %ds
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
                rate_limit:
                  enabled: true
                cache:
                  enabled: true
                  type: redis
                  namespace: %s
                routing:
                  retry_count: 2
                  retry_backoff: 1ms
                  retry_max_backoff: 20ms
                  cooldown_period: 30s
                providers:
                  - name: %s
                    type: mock
                    latency: 5ms
                    models:
                      - name: priced
                        model: priced
                        input_cost_per_million: 1000000
                        output_cost_per_million: 1000000
                  - name: %s
                    type: openai
                    api_key: %s
                    base_url: http://127.0.0.1:%d/v1
                    timeout: 2s
                    models:
                      - {name: limited, model: q-429long, weight: 1000000000}
                      - {name: limited, model: q-ok, weight: 0.000001}
                  - name: %s
                    type: openai
                    api_key: %s
                    base_url: %s
                    max_concurrent: %d
                    models: [slow]
                """.formatted(
                        port,
                        SHUTDOWN_TIMEOUT.toSeconds(),
                        MASTER,
                        db.host(),
                        db.port(),
                        db.user(),
                        db.name(),
                        redis.addr(),
                        NAMESPACE,
                        MOCK,
                        UPSTREAM,
                        TestSecrets.OPENAI_KEY,
                        wm.port(),
                        SLOW,
                        TestSecrets.OPENAI_KEY,
                        slow.baseUrl(),
                        2 * STREAMS));
        return new Replica(name, ShutdownIT.launch(jar, config, dir), dir, port);
    }

    @AfterAll
    static void stop() throws Exception {
        sigtermSent.countDown(); // a stream still waiting ends, should a test have failed before its SIGTERM
        for (Replica r : new Replica[] {a, b}) {
            if (r != null) {
                r.process().destroy();
            }
        }
        for (Replica r : new Replica[] {a, b}) {
            if (r != null && !r.process().waitFor(SHUTDOWN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
                r.process().destroyForcibly();
            }
        }
        if (slow != null) {
            slow.close();
        }
        if (wm != null) {
            wm.stop();
        }
        if (redis != null) {
            deleteOurRedisKeys();
        }
        if (databases != null) {
            databases.close();
        }
    }

    @AfterEach
    void bothReplicasSharedEverythingAndLeakedNoKey() {
        for (Replica r : List.of(a, b)) {
            String log = r.log();
            assertThat(log)
                    .as(r.name() + ": no request hit a bug, and no replica fell back to its own state")
                    .doesNotContain(
                            "\"status\":500",
                            "request failed",
                            "redis failed",
                            "key changes are not shared",
                            "database not reachable");
            assertThat(log).as(r.name() + " logs no key").doesNotContain(MASTER, TestSecrets.OPENAI_KEY);
        }
    }

    @Test
    @Order(1)
    void anRpmLimitHoldsAcrossBothProcesses() throws Exception {
        int limit = 100;
        int perReplica = 150;
        String key = newKey("{\"rpm_limit\":" + limit + "}").get("key").asText();

        List<Future<Integer>> viaA = new ArrayList<>();
        List<Future<Integer>> viaB = new ArrayList<>();
        try (ExecutorService pool =
                Executors.newFixedThreadPool(32, Thread.ofVirtual().factory())) {
            for (int i = 0; i < perReplica; i++) {
                int n = i;
                viaA.add(pool.submit(() -> chat(a, key, "priced", "rpm a" + n).statusCode()));
                viaB.add(pool.submit(() -> chat(b, key, "priced", "rpm b" + n).statusCode()));
            }
        }
        int admittedA = admitted(viaA, 429);
        int admittedB = admitted(viaB, 429);
        System.out.printf(
                "rpm: admitted %d of limit %d (A %d, B %d), refused %d%n",
                admittedA + admittedB, limit, admittedA, admittedB, 2 * perReplica - admittedA - admittedB);
        assertThat(perReplica)
                .as("each process alone got more requests than the limit")
                .isGreaterThan(limit);
        assertThat(admittedA + admittedB)
                .as("one sliding window in Redis for both processes")
                .isEqualTo(limit);
    }

    @Test
    @Order(2)
    void aBudgetHoldsAcrossBothProcesses() throws Exception {
        // a dollar per token: a reservation is the prompt estimate plus max_tokens, which the mock's answer fills
        double estimate = estimate(chatBody("priced", "budget a00", false));
        double budget = estimate * 6.5;
        int perReplica = 20;
        JsonNode made = newKey("{\"max_budget\":" + budget + "}");
        String key = made.get("key").asText();
        String hash = made.get("token").asText();

        List<Future<HttpResponse<String>>> viaA = new ArrayList<>();
        List<Future<HttpResponse<String>>> viaB = new ArrayList<>();
        try (ExecutorService pool =
                Executors.newFixedThreadPool(32, Thread.ofVirtual().factory())) {
            for (int i = 0; i < perReplica; i++) {
                String n = "%02d".formatted(i); // every prompt as long as the estimated one, none a cache hit
                viaA.add(pool.submit(() -> chat(a, key, "priced", "budget a" + n)));
                viaB.add(pool.submit(() -> chat(b, key, "priced", "budget b" + n)));
            }
        }
        int admitted = 0;
        double charged = 0;
        double maxCost = 0;
        for (Future<HttpResponse<String>> f : concat(viaA, viaB)) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isIn(200, 403);
            if (r.statusCode() == 200) {
                admitted++;
                double cost = Double.parseDouble(
                        r.headers().firstValue("x-llmux-response-cost").orElseThrow());
                charged += cost;
                maxCost = Math.max(maxCost, cost);
            }
        }
        double spent = charged;
        if (!within(() -> spendOf(a, hash) == spent && spendOf(b, hash) == spent, Duration.ofSeconds(5))) {
            throw new AssertionError("both processes should report the settled spend " + spent + " within 5 s; A says "
                    + spendOf(a, hash) + ", B says " + spendOf(b, hash));
        }
        System.out.printf(
                "budget: budget %.2f, spend %.2f, overshoot %.2f (one request costs %.2f, estimated %.2f),"
                        + " admitted %d of %d%n",
                budget, spent, spent - budget, maxCost, estimate, admitted, 2 * perReplica);

        assertThat(perReplica * estimate)
                .as("each process alone got requests for more than twice the budget")
                .isGreaterThan(2 * budget);
        // admission takes spent + reserved + the estimate <= budget in one Redis script both processes run, so the
        // last request admitted is the only one that can end above the budget, by what its answer cost beyond its
        // estimate; this is tighter than SPEC §8's one request per replica
        assertThat(spent)
                .as("SPEC §8: the budget is overshot by at most one request")
                .isLessThanOrEqualTo(budget + maxCost);
        // a refusal means the reservations held then plus one more estimate passed the budget
        assertThat(admitted)
                .as("no request was refused while the budget had room for its estimate")
                .isGreaterThanOrEqualTo((int) Math.floor(budget / estimate));
    }

    @Test
    @Order(3)
    void aDeploymentCooledOnOneProcessIsSkippedByTheOther() throws Exception {
        String limited = UPSTREAM + "/q-429long";
        String ok = UPSTREAM + "/q-ok";
        HttpResponse<String> first = chat(a, MASTER, "limited", "cooldown a");
        assertAnsweredBy(first, ok, 2);
        JsonNode onA = deploymentHealth(a, limited);
        JsonNode onB = deploymentHealth(b, limited);
        System.out.printf(
                "cooldown: A says %s until %s, B says %s until %s (%s)%n",
                onA.path("state").asText(),
                onA.path("cooldown_until").asText(),
                onB.path("state").asText(),
                onB.path("cooldown_until").asText(),
                onB.path("last_error").asText());
        assertThat(onA.path("state").asText()).isEqualTo("cooling down");
        assertThat(onB.path("state").asText()).isEqualTo("cooling down");
        assertThat(onB.path("cooldown_until").asText())
                .isEqualTo(onA.path("cooldown_until").asText());
        assertThat(onB.path("last_error").asText()).startsWith("429");

        for (int i = 0; i < 3; i++) {
            assertAnsweredBy(chat(b, MASTER, "limited", "cooldown b" + i), ok, 1);
        }
        assertThat(RoutingStubs.calls(wm, "q-429long"))
                .as("only A's first request called the deployment that answered 429")
                .isEqualTo(1);
    }

    @Test
    @Order(4)
    void anAnswerCachedByOneProcessIsAHitOnTheOther() throws Exception {
        String key = newKey("{}").get("key").asText();
        int before = cacheEntries().size(); // the answers of the tests before, all stored by now
        HttpResponse<String> onA = chat(a, key, "priced", "cache");
        assertThat(onA.statusCode()).as(onA.body()).isEqualTo(200);
        assertThat(onA.headers().firstValue("x-llmux-cache")).hasValue("miss");
        // the Redis write goes on its own thread after the answer
        eventually(() -> cacheEntries().size() > before, Duration.ofSeconds(5), "A stored its answer in Redis");

        HttpResponse<String> onB = chat(b, key, "priced", "cache");
        System.out.printf(
                "cache: A %s, B %s%n",
                onA.headers().firstValue("x-llmux-cache").orElse("-"),
                onB.headers().firstValue("x-llmux-cache").orElse("-"));
        assertThat(onB.statusCode()).as(onB.body()).isEqualTo(200);
        assertThat(onB.headers().firstValue("x-llmux-cache")).hasValue("hit");
        assertThat(Fixtures.json(onB.body()).path("id").asText())
                .as("B served A's answer")
                .isEqualTo(Fixtures.json(onA.body()).path("id").asText());
    }

    /** One stream's outcome as its client saw it. */
    private record Streamed(String requestId, int status, List<String> events) {
        boolean complete() {
            return status == 200
                    && !events.isEmpty()
                    && events.getLast().equals("[DONE]")
                    && STREAMED_TEXT.equals(text());
        }

        String text() {
            StringBuilder text = new StringBuilder();
            for (String e : events) {
                if (!e.equals("[DONE]")) {
                    JsonNode delta = Fixtures.json(e).path("choices").path(0).path("delta");
                    text.append(delta.path("content").asText(""));
                }
            }
            return text.toString();
        }
    }

    @Test
    @Order(5)
    void sigtermOnOneProcessInARollingRestartBreaksNoStreamAndLosesNoRequest() throws Exception {
        int toB = 50;
        JsonNode made = newKey("{}");
        String key = made.get("key").asText();
        String hash = made.get("token").asText();

        try (ExecutorService streams = Executors.newVirtualThreadPerTaskExecutor();
                ExecutorService others = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Streamed>> onA = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                String prompt = "stream " + i;
                onA.add(streams.submit(() -> stream(a, key, prompt)));
            }
            assertThat(streamsOpen.await(30, TimeUnit.SECONDS))
                    .as("all streams are open on A")
                    .isTrue();

            long sigterm = System.nanoTime();
            a.process().destroy();
            String readyWhileDraining = readinessAfterSigterm(a);
            sigtermSent.countDown();

            // the clients the load balancer moved: spread over A's drain, which lasts as long as its streams
            List<Future<HttpResponse<String>>> onB = new ArrayList<>();
            for (int i = 0; i < toB; i++) {
                String prompt = "moved " + i;
                onB.add(others.submit(() -> chat(b, key, "priced", prompt)));
                Thread.sleep(TOKENS_AFTER_SIGTERM * TOKEN_GAP_MILLIS / toB);
            }
            boolean aliveAfterB = a.process().isAlive();

            Set<String> ids = new HashSet<>();
            int complete = 0;
            List<Streamed> broken = new ArrayList<>();
            for (Future<Streamed> f : onA) {
                Streamed s = f.get();
                if (s.complete()) {
                    complete++;
                } else {
                    broken.add(s);
                }
                ids.add(s.requestId());
            }
            int answeredByB = 0;
            for (Future<HttpResponse<String>> f : onB) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                answeredByB++;
                ids.add(r.headers().firstValue("x-request-id").orElseThrow());
            }
            boolean exited = a.process().waitFor(SHUTDOWN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            long exitMillis = Duration.ofNanos(System.nanoTime() - sigterm).toMillis();
            int expected = STREAMS + toB;
            boolean allStored = within(() -> storedIds(hash).size() >= expected, Duration.ofSeconds(10));
            Set<String> stored = storedIds(hash);

            System.out.printf(
                    "restart: streams ok %d/%d, broken %d; B answered %d/%d (A still draining after them: %s);"
                            + " rows %d/%d; A exit code %s after %d ms; A /health/ready after SIGTERM: %s%n",
                    complete,
                    STREAMS,
                    broken.size(),
                    answeredByB,
                    toB,
                    aliveAfterB,
                    stored.size(),
                    expected,
                    exited ? Integer.toString(a.process().exitValue()) : "(still running)",
                    exitMillis,
                    readyWhileDraining);

            assertThat(broken)
                    .as("every stream open on A at SIGTERM ends with all its tokens and [DONE]")
                    .isEmpty();
            assertThat(exited)
                    .as("A exits within its shutdown timeout\n" + a.log())
                    .isTrue();
            assertThat(a.process().exitValue()).as(a.log()).isZero();
            assertThat(allStored)
                    .as("the spend rows of both processes are stored")
                    .isTrue();
            assertThat(stored)
                    .as("one spend row per request, A's streams and B's answers alike")
                    .containsExactlyInAnyOrderElementsOf(ids)
                    .hasSize(expected);
            assertThat(a.log()).contains("\"draining\"").contains("\"stopped\"");
        }
    }

    /**
     * What a new client (a load balancer's probe opens a connection each time) gets from {@code /health/ready} once
     * the process has taken the SIGTERM: waits until it stops answering 200, as it must before its streams end.
     */
    private static String readinessAfterSigterm(Replica r) {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < end) {
            HttpClient fresh = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(1))
                    .build();
            try {
                int status = fresh.send(
                                HttpRequest.newBuilder(r.uri("/health/ready"))
                                        .timeout(Duration.ofSeconds(1))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (status != 200) {
                    return "status " + status;
                }
            } catch (IOException e) {
                return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            } finally {
                fresh.close();
            }
            sleep(10);
        }
        throw new AssertionError(r.name() + " still answered ready 5 s after SIGTERM");
    }

    // helpers

    private static String streamedText() {
        StringBuilder text = new StringBuilder("open");
        for (int i = 0; i < TOKENS_AFTER_SIGTERM; i++) {
            text.append("-t").append(i);
        }
        return text.toString();
    }

    private static JsonNode newKey(String body) throws Exception {
        HttpResponse<String> r = post(a, "/key/generate", body, MASTER);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode made = Fixtures.json(r.body());
        madeKeys.add(made.get("token").asText());
        return made;
    }

    private static String chatBody(String model, String prompt, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    private static HttpResponse<String> chat(Replica r, String key, String model, String prompt) throws Exception {
        return post(r, "/v1/chat/completions", chatBody(model, prompt, false), key);
    }

    private static Streamed stream(Replica r, String key, String prompt) throws Exception {
        HttpResponse<Stream<String>> response = client.send(
                HttpRequest.newBuilder(r.uri("/v1/chat/completions"))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(chatBody("slow", prompt, true)))
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        List<String> events = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            lines.filter(l -> l.startsWith("data: ")).forEach(l -> events.add(l.substring(6)));
        } catch (java.io.UncheckedIOException broken) {
            events.add("(broken: " + broken.getCause() + ")");
        }
        return new Streamed(response.headers().firstValue("x-request-id").orElse(""), response.statusCode(), events);
    }

    private static HttpResponse<String> post(Replica r, String path, String body, String key) throws Exception {
        return client.send(
                HttpRequest.newBuilder(r.uri(path))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(Replica r, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(r.uri(path))
                        .header("Authorization", "Bearer " + MASTER)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int status(URI uri) {
        try {
            return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** How many of the calls got 200; every other one must have got {@code refused}. */
    private static int admitted(List<Future<Integer>> calls, int refused) throws Exception {
        int admitted = 0;
        for (Future<Integer> f : calls) {
            int status = f.get();
            assertThat(status).isIn(200, refused);
            admitted += status == 200 ? 1 : 0;
        }
        return admitted;
    }

    private static double estimate(String chat) {
        ObjectNode body = (ObjectNode) Fixtures.json(chat);
        return TokenEstimate.prompt(body) + TokenEstimate.completion(body);
    }

    /** The live spend {@code /key/info} reports: the shared ledger's count, settled and in flight. */
    private static double spendOf(Replica r, String hash) {
        try {
            HttpResponse<String> info = get(r, "/key/info?key=" + hash);
            assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
            return Fixtures.json(info.body()).path("info").path("spend").asDouble();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode deploymentHealth(Replica r, String deployment) throws Exception {
        HttpResponse<String> health = get(r, "/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        JsonNode root = Fixtures.json(health.body());
        for (String list : new String[] {"healthy_deployments", "unhealthy_deployments"}) {
            for (JsonNode d : root.path(list)) {
                if (d.path("deployment").asText().equals(deployment)) {
                    return d;
                }
            }
        }
        throw new AssertionError("no deployment " + deployment + " in " + r.name() + "'s /health: " + health.body());
    }

    private static void assertAnsweredBy(HttpResponse<String> r, String deployment, int attempts) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue(deployment);
        assertThat(r.headers().firstValue("x-llmux-attempts")).hasValue(Integer.toString(attempts));
    }

    /** The request ids of a key's spend rows, read straight from PostgreSQL. */
    private static Set<String> storedIds(String hash) {
        String url = "jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.name();
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password());
                PreparedStatement s = c.prepareStatement("SELECT request_id FROM llmux_spend_logs WHERE api_key = ?")) {
            s.setString(1, hash);
            Set<String> ids = new HashSet<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static void eventually(BooleanSupplier condition, Duration timeout, String what) {
        if (!within(condition, timeout)) {
            throw new AssertionError("timed out after " + timeout + " waiting for " + what);
        }
    }

    /** Whether the condition held within the timeout, checked every 50 ms (the machine runs two gateways). */
    private static boolean within(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(50);
        }
        return true;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static List<String> cacheEntries() {
        try (RedisClient r = RedisClient.create(redis.host(), redis.port())) {
            return scan(r, NAMESPACE + ":*");
        }
    }

    /**
     * This run's keys: everything named after its providers or its cache namespace, and the rate limit and budget
     * counters of the keys it made ({@code …:key:<hash>}, see {@code RateLimitKeys} and {@code LedgerKeys}).
     */
    private static void deleteOurRedisKeys() {
        try (RedisClient r = RedisClient.create(redis.host(), redis.port())) {
            List<String> ours = new ArrayList<>(scan(r, "*" + RUN + "*"));
            for (String pattern : List.of("llmux:ratelimit:{r}:*", "llmux:budget:{b}:*")) {
                for (String name : scan(r, pattern)) {
                    int at = name.indexOf(":key:");
                    if (at >= 0 && madeKeys.stream().anyMatch(h -> name.startsWith(h, at + ":key:".length()))) {
                        ours.add(name);
                    }
                }
            }
            if (!ours.isEmpty()) {
                r.del(ours.toArray(String[]::new));
            }
        }
    }

    private static List<String> scan(RedisClient r, String pattern) {
        ScanParams params = new ScanParams().match(pattern).count(1000);
        List<String> found = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = r.scan(cursor, params);
            found.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return found;
    }
}
