package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llmux.testing.Services;
import io.llmux.wire.TokenEstimate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * SPEC §9 rate limits through the real gateway: limits set on keys and teams through the management API, the
 * {@code rate_limit} defaults, the {@code x-ratelimit-*} headers of SPEC §3 and the 429 of SPEC §4, parallel slots
 * freed as answers end, per-client limits of an open gateway, limits shared through Redis and {@code redis.on_error}.
 *
 * <p>One gateway on the embedded database serves most tests, each with a key of its own; tests of other configs start
 * their own. Its upstreams: the built-in mock ({@code mock-model}, {@code model-a}, {@code model-b}) and {@link Upstream}
 * ({@code usage} answers at once with the usage of the OpenAI fixtures, {@code held} holds its answer until a test
 * releases it).
 */
class RateLimitIT {
    private static final String MASTER = "sk-master-ratelimit";
    /** The usage {@code chat.json} reports; the stream fixture's is {@link #STREAM_USAGE}. */
    private static final long WHOLE_USAGE = 1270;

    private static final long STREAM_USAGE = 1265;

    private static Upstream upstream;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        upstream = new Upstream();
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                database:
                  type: embedded
                  path: ./data/llmux
                providers:
                  - name: mock
                    type: mock
                    latency: 1ms
                    models: [mock-model, model-a, model-b]
                  - name: up
                    type: openai
                    api_key: sk-up-ratelimit
                    base_url: %s
                    timeout: 10s
                    stream_timeout: 10s
                    models: [usage, held, big]
                """.formatted(MASTER, upstream.baseUrl()));
        gw.awaitReady();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @AfterEach
    void releaseHeldAnswers() {
        upstream.release.countDown();
    }

    @Test
    void aKeysRpmLimitCountsDownInTheHeadersAndTheFourthRequestIs429NamingTheKeyAndLimit() throws Exception {
        String key = key(gw, "{\"key_alias\":\"alice\",\"rpm_limit\":3}");
        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> r = chat(gw, key, "mock-model", "hello");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("3");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue(Integer.toString(remaining));
            assertThat(r.headers().firstValue("x-ratelimit-reset-requests"))
                    .hasValueSatisfying(reset -> assertThat(reset).matches(RESET));
            assertThat(r.headers().firstValue("x-ratelimit-limit-tokens"))
                    .as("the key has no tpm limit")
                    .isEmpty();
        }

        HttpResponse<String> refused = chat(gw, key, "mock-model", "hello");

        JsonNode e = Fixtures.error(refused, 429, "rate_limit_error");
        assertThat(e.get("code").asText()).isEqualTo("rate_limit_exceeded");
        long retryAfter = retryAfterSeconds(refused);
        assertThat(retryAfter).isBetween(1L, 60L);
        assertThat(e.get("message").asText())
                .contains("key 'alice'", "rpm limit of 3")
                .endsWith("try again in " + retryAfter + " s.")
                .doesNotContain(key);
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests"))
                .hasValue("0");
    }

    @Test
    void tokensCountWhatTheProviderReportedAndARequestWhoseEstimateDoesNotFitIs429NamingTpm() throws Exception {
        long limit = 5000;
        String key = key(gw, "{\"key_alias\":\"counted\",\"tpm_limit\":" + limit + "}");
        long estimate = promptEstimate("hello");

        HttpResponse<String> first = chat(gw, key, "usage", "hello");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-ratelimit-limit-tokens")).hasValue(Long.toString(limit));
        assertThat(first.headers().firstValue("x-ratelimit-remaining-tokens"))
                .as("before the call only the prompt's estimate is held")
                .hasValue(Long.toString(limit - estimate));
        awaitSettled(gw, first);

        HttpResponse<String> second = chat(gw, key, "usage", "hello");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(second.headers().firstValue("x-ratelimit-remaining-tokens"))
                .as("the first call counts the %d tokens the provider reported, not its estimate", WHOLE_USAGE)
                .hasValue(Long.toString(limit - WHOLE_USAGE - estimate));
        awaitSettled(gw, second);

        HttpResponse<String> streamed = chatStream(gw, key, "usage");
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
        awaitSettled(gw, streamed);

        long left = limit - 2 * WHOLE_USAGE - STREAM_USAGE;
        String big = "x".repeat(6000);
        assertThat(promptEstimate(big))
                .as("the big prompt alone is over what is left, not over the limit")
                .isGreaterThan(left)
                .isLessThan(limit);
        HttpResponse<String> refused = chat(gw, key, "usage", big);

        JsonNode e = Fixtures.error(refused, 429, "rate_limit_error");
        assertThat(e.get("message").asText()).contains("key 'counted'", "tpm limit of " + limit);
        assertThat(retryAfterSeconds(refused)).isBetween(1L, 60L);
        assertThat(refused.headers().firstValue("x-ratelimit-limit-tokens")).hasValue(Long.toString(limit));
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-tokens"))
                .as("the streamed answer counts the usage its stream reported")
                .hasValue(Long.toString(left));

        HttpResponse<String> small = chat(gw, key, "usage", "hello");
        assertThat(small.statusCode())
                .as("the refusal took nothing: " + small.body())
                .isEqualTo(200);
        assertThat(small.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue(Long.toString(left - estimate));
    }

    @Test
    void twoConcurrentCallsOverMaxParallelOneGetExactlyOne429AndBackToBackCallsAllPass() throws Exception {
        String key = key(gw, "{\"key_alias\":\"single\",\"max_parallel_requests\":1}");
        upstream.hold();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 2; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    return chat(gw, key, "held", "hello");
                }));
            }
            go.countDown();
            // the admitted call is held upstream until released, so the one that ends first is the refused one
            Fixtures.await(
                    () -> calls.stream().anyMatch(Future::isDone), Duration.ofSeconds(10), "one call is answered");
            upstream.release.countDown();
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<HttpResponse<String>> f : calls) {
            HttpResponse<String> r = f.get();
            statuses.add(r.statusCode());
            if (r.statusCode() == 429) {
                JsonNode e = Fixtures.error(r, 429, "rate_limit_error");
                assertThat(e.get("message").asText()).contains("key 'single'", "parallel limit of 1");
                assertThat(retryAfterSeconds(r)).isBetween(1L, 60L);
            }
        }
        assertThat(statuses).containsExactlyInAnyOrder(200, 429);

        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = chat(gw, key, "mock-model", "hello");
            assertThat(r.statusCode())
                    .as(
                            "call %d right after the last one's answer: its slot was free before the last byte: %s",
                            i, r.body())
                    .isEqualTo(200);
        }
    }

    @Test
    void aParallelSlotIsFreeBeforeTheClientHasReadTheWholeAnswer() throws Exception {
        String key = key(gw, "{\"key_alias\":\"unread\",\"max_parallel_requests\":1}");
        String id = "unread-" + UUID.randomUUID();
        // an answer far larger than the socket buffers, which the client does not read: the gateway cannot get past
        // writing it, so a slot freed only once the answer is out would still be held
        try (Socket unread = Raw.openUnread(gw, key, id, chatBody("big", "hello", false))) {
            assertThat(unread.isConnected()).isTrue();
            HttpResponse<String> next = chat(gw, key, "mock-model", "hello");
            assertThat(logLine(gw, id))
                    .as("the big answer is still being sent: its log line is written once it is out")
                    .isFalse();
            assertThat(next.statusCode())
                    .as("the slot was freed before the answer's last byte: " + next.body())
                    .isEqualTo(200);
        }
        Fixtures.await(() -> logLine(gw, id), Duration.ofSeconds(5), "the unread answer ends when the client leaves");
    }

    @Test
    void aStreamHoldsItsParallelSlotUntilItEndsAndBackToBackStreamsAllPass() throws Exception {
        String key = key(gw, "{\"key_alias\":\"single-stream\",\"max_parallel_requests\":1}");
        upstream.hold();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<InputStream>>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 2; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    return openStream(gw, key, "held");
                }));
            }
            go.countDown();
        }
        HttpResponse<InputStream> open = null;
        HttpResponse<InputStream> refused = null;
        for (Future<HttpResponse<InputStream>> f : calls) {
            HttpResponse<InputStream> r = f.get();
            if (r.statusCode() == 200) {
                assertThat(open).as("only one stream is admitted").isNull();
                open = r;
            } else {
                assertThat(refused).as("only one stream is refused").isNull();
                refused = r;
            }
        }
        assertThat(open).isNotNull();
        assertThat(refused).isNotNull();
        String body = new String(refused.body().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode e = Fixtures.error(withBody(refused, body), 429, "rate_limit_error");
        assertThat(e.get("message").asText()).contains("key 'single-stream'", "parallel limit of 1");

        BufferedReader in = new BufferedReader(new InputStreamReader(open.body(), StandardCharsets.UTF_8));
        assertThat(nextData(in)).contains("\"one\"");
        assertThat(chat(gw, key, "mock-model", "hello").statusCode())
                .as("the open stream still holds the slot")
                .isEqualTo(429);
        upstream.release.countDown();
        String last = null;
        for (String d; (d = nextData(in)) != null; ) {
            last = d;
        }
        assertThat(last).isEqualTo("[DONE]");

        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = chatStream(gw, key, "mock-model");
            assertThat(r.statusCode())
                    .as("stream %d right after the last one's [DONE]: %s", i, r.body())
                    .isEqualTo(200);
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
        }
    }

    @Test
    void aClientThatLeavesMidStreamFreesItsParallelSlot() throws Exception {
        String key = key(gw, "{\"key_alias\":\"leaver\",\"max_parallel_requests\":1}");
        upstream.hold();
        HttpResponse<InputStream> open = openStream(gw, key, "held");
        assertThat(open.statusCode()).isEqualTo(200);
        BufferedReader in = new BufferedReader(new InputStreamReader(open.body(), StandardCharsets.UTF_8));
        assertThat(nextData(in)).contains("\"one\"");
        assertThat(chat(gw, key, "mock-model", "hello").statusCode())
                .as("the open stream holds the slot")
                .isEqualTo(429);

        open.body().close();

        // the slot's lease lasts ten minutes: only the gateway noticing the client left frees it this soon
        Fixtures.await(
                () -> status(() -> chat(gw, key, "mock-model", "hello")) == 200,
                Duration.ofSeconds(5),
                "the slot of the stream the client left is free");
    }

    @Test
    void aModelRpmLimitRefusesThatModelAndNamesItWhileAnotherModelPasses() throws Exception {
        String key = key(gw, "{\"key_alias\":\"per-model\",\"model_rpm_limit\":{\"model-a\":1}}");
        HttpResponse<String> first = chat(gw, key, "model-a", "hello");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).hasValue("1");
        assertThat(first.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");

        JsonNode e = Fixtures.error(chat(gw, key, "model-a", "hello"), 429, "rate_limit_error");
        assertThat(e.get("message").asText()).contains("key 'per-model' on model 'model-a'", "rpm limit of 1");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> b = chat(gw, key, "model-b", "hello");
            assertThat(b.statusCode()).as("model-b has no limit: " + b.body()).isEqualTo(200);
            assertThat(b.headers().firstValue("x-ratelimit-limit-requests")).isEmpty();
        }
    }

    @Test
    void aTeamsRpmLimitIsSharedByItsKeys() throws Exception {
        String team = manage(gw, "/team/new", "{\"team_alias\":\"squad\",\"rpm_limit\":3}")
                .get("team_id")
                .asText();
        String one = key(gw, "{\"team_id\":\"" + team + "\"}");
        String two = key(gw, "{\"team_id\":\"" + team + "\"}");
        assertThat(chat(gw, one, "mock-model", "hello").statusCode()).isEqualTo(200);
        assertThat(chat(gw, one, "mock-model", "hello").statusCode()).isEqualTo(200);
        HttpResponse<String> third = chat(gw, two, "mock-model", "hello");
        assertThat(third.statusCode()).as(third.body()).isEqualTo(200);
        assertThat(third.headers().firstValue("x-ratelimit-limit-requests")).hasValue("3");
        assertThat(third.headers().firstValue("x-ratelimit-remaining-requests"))
                .as("the other key's two calls count against the team")
                .hasValue("0");

        for (String key : new String[] {two, one}) {
            JsonNode e = Fixtures.error(chat(gw, key, "mock-model", "hello"), 429, "rate_limit_error");
            assertThat(e.get("message").asText()).contains("team 'squad'", "rpm limit of 3");
        }
    }

    @Test
    void theDefaultRpmLimitsKeysWithoutTheirOwnWhileOwnLimitsAndTheMasterKeyKeepTheirs() throws Exception {
        try (TestGateway defaults = TestGateway.start(keysConfig("rate_limit:\n  default_rpm: 1\n"))) {
            defaults.awaitReady();
            String plain = key(defaults, "{\"key_alias\":\"plain\"}");
            HttpResponse<String> r = chat(defaults, plain, "mock-model", "hello");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("1");
            JsonNode e = Fixtures.error(chat(defaults, plain, "mock-model", "hello"), 429, "rate_limit_error");
            assertThat(e.get("message").asText()).contains("key 'plain'", "rpm limit of 1");

            String own = key(defaults, "{\"key_alias\":\"own\",\"rpm_limit\":3}");
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> mine = chat(defaults, own, "mock-model", "hello");
                assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
                assertThat(mine.headers().firstValue("x-ratelimit-limit-requests"))
                        .hasValue("3");
            }
            JsonNode over = Fixtures.error(chat(defaults, own, "mock-model", "hello"), 429, "rate_limit_error");
            assertThat(over.get("message").asText()).contains("key 'own'", "rpm limit of 3");

            for (int i = 0; i < 5; i++) {
                HttpResponse<String> m = chat(defaults, MASTER, "mock-model", "hello");
                assertThat(m.statusCode())
                        .as("the master key is never limited: " + m.body())
                        .isEqualTo(200);
                assertThat(rateLimitHeaders(m)).isEmpty();
            }
        }
    }

    @Test
    void withRateLimitsDisabledThereAreNoHeadersAndNo429EvenForAKeyWithALimit() throws Exception {
        try (TestGateway off = TestGateway.start(keysConfig("rate_limit:\n  enabled: false\n"))) {
            off.awaitReady();
            String key = key(off, "{\"key_alias\":\"ignored\",\"rpm_limit\":1,\"tpm_limit\":1}");
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = chat(off, key, "mock-model", "hello");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(rateLimitHeaders(r)).isEmpty();
            }
        }
    }

    @Test
    void anOpenGatewayLimitsEachClientAddressByTheDefault() throws Exception {
        try (TestGateway open = TestGateway.start(openConfig("mock", "rate_limit:\n  default_rpm: 2\n"))) {
            InetAddress client = uniqueLoopback();
            for (int remaining = 1; remaining >= 0; remaining--) {
                Raw r = Raw.chat(open, client);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(r.header("x-ratelimit-limit-requests")).isEqualTo("2");
                assertThat(r.header("x-ratelimit-remaining-requests")).isEqualTo(Integer.toString(remaining));
            }

            Raw refused = Raw.chat(open, client);

            assertThat(refused.status()).as(refused.body()).isEqualTo(429);
            JsonNode e = Fixtures.json(refused.body()).get("error");
            assertThat(e.get("type").asText()).isEqualTo("rate_limit_error");
            assertThat(e.get("message").asText()).contains("client " + client.getHostAddress(), "rpm limit of 2");
            assertThat(Long.parseLong(refused.header("retry-after"))).isBetween(1L, 60L);
            Raw other = Raw.chat(open, uniqueLoopback());
            assertThat(other.status())
                    .as("another client has a limit of its own: " + other.body())
                    .isEqualTo(200);
        }
    }

    @Test
    void twoGatewaysSharingRedisAdmitExactlyTheLimitBetweenThem() throws Exception {
        Services.Endpoint redis = Services.requireRedis();
        InetAddress client = uniqueLoopback();
        int limit = 5;
        String provider = "rl" + UUID.randomUUID().toString().substring(0, 8);
        String config = openConfig(
                provider,
                "rate_limit:\n  default_rpm: " + limit + "\nredis:\n  addr: " + redis.addr() + "\n  timeout: 2s\n");
        try (TestGateway a = TestGateway.start(config);
                TestGateway b = TestGateway.start(config)) {
            int perGateway = 10;
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Raw>> calls = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 2 * perGateway; i++) {
                    TestGateway via = i % 2 == 0 ? a : b;
                    calls.add(pool.submit(() -> {
                        go.await();
                        return Raw.chat(via, client);
                    }));
                }
                go.countDown();
            }
            List<String> remaining = new ArrayList<>();
            int refused = 0;
            for (Future<Raw> f : calls) {
                Raw r = f.get();
                assertThat(r.status()).as(r.body()).isIn(200, 429);
                if (r.status() == 200) {
                    remaining.add(r.header("x-ratelimit-remaining-requests"));
                } else {
                    refused++;
                    assertThat(r.body()).contains("client " + client.getHostAddress(), "rpm limit of " + limit);
                }
            }
            assertThat(remaining)
                    .as("each gateway alone would admit %d; together they took one count, one request at a time", limit)
                    .containsExactlyInAnyOrder("4", "3", "2", "1", "0");
            assertThat(refused).isEqualTo(2 * perGateway - limit);
            for (TestGateway gw : List.of(a, b)) {
                assertThat(gw.logs()).doesNotContain("redis failed", "\"status\":500");
            }
        } finally {
            // this run's counter, and the routing state of its deployment (named after the provider, unique per run)
            try (RedisClient r = RedisClient.create(redis.host(), redis.port())) {
                List<String> ours =
                        new ArrayList<>(List.of("llmux:ratelimit:{r}:rpm:client:" + client.getHostAddress()));
                ScanParams params =
                        new ScanParams().match("*{" + provider + "/*").count(1000);
                String cursor = ScanParams.SCAN_POINTER_START;
                do {
                    ScanResult<String> page = r.scan(cursor, params);
                    ours.addAll(page.getResult());
                    cursor = page.getCursor();
                } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
                r.del(ours.toArray(String[]::new));
            }
        }
    }

    @Test
    void failClosedRefusesWith503WhileRedisIsDown() throws Exception {
        String config = openConfig(
                "mock",
                "rate_limit:\n  default_rpm: 2\nredis:\n  addr: 127.0.0.1:" + Fixtures.closedPort()
                        + "\n  timeout: 200ms\n  on_error: fail_closed\n");
        try (TestGateway closed = TestGateway.start(config)) {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = closed.post("/v1/chat/completions", chatBody("mock-model", "hello", false));
                JsonNode e = Fixtures.error(r, 503, "api_error");
                assertThat(e.get("message").asText()).contains("Redis", "fail_closed");
                assertThat(retryAfterSeconds(r)).isBetween(1L, 60L);
            }
        }
    }

    @Test
    void failOpenAnswersFromThisProcesssCountersWhileRedisIsDown() throws Exception {
        String config = openConfig(
                "mock",
                "rate_limit:\n  default_rpm: 2\nredis:\n  addr: 127.0.0.1:" + Fixtures.closedPort()
                        + "\n  timeout: 200ms\n  on_error: fail_open\n");
        try (TestGateway failOpen = TestGateway.start(config)) {
            InetAddress client = uniqueLoopback();
            for (int i = 0; i < 2; i++) {
                Raw r = Raw.chat(failOpen, client);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(r.header("x-ratelimit-limit-requests")).isEqualTo("2");
            }
            Raw refused = Raw.chat(failOpen, client);
            assertThat(refused.status())
                    .as("the limit still holds in this process: " + refused.body())
                    .isEqualTo(429);
            assertThat(refused.body()).contains("client " + client.getHostAddress(), "rpm limit of 2");
        }
    }

    // helpers

    /** How OpenAI writes a reset: {@code 250ms}, {@code 59.5s}, {@code 1m0s}. */
    private static final String RESET = "\\d+ms|(\\d+m)?\\d+(\\.\\d+)?s";

    private static String keysConfig(String extra) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                database:
                  type: embedded
                  path: ./data/llmux
                providers:
                  - name: mock
                    type: mock
                    latency: 1ms
                    models: [mock-model]
                """.formatted(MASTER) + extra;
    }

    /** No auth and no database: an open gateway, whose limits are the defaults per client address. */
    private static String openConfig(String provider, String extra) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: %s
                    type: mock
                    latency: 1ms
                    models: [mock-model]
                """.formatted(provider) + extra;
    }

    private static String[] auth(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    private static JsonNode manage(TestGateway g, String path, String body) throws Exception {
        return g.manage(MASTER, path, body);
    }

    private static String key(TestGateway g, String fields) throws Exception {
        return manage(g, "/key/generate", fields).get("key").asText();
    }

    private static String chatBody(String model, String text, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    private static HttpResponse<String> chat(TestGateway g, String key, String model, String text) throws Exception {
        return g.post("/v1/chat/completions", chatBody(model, text, false), auth(key));
    }

    private static HttpResponse<String> chatStream(TestGateway g, String key, String model) throws Exception {
        return g.post("/v1/chat/completions", chatBody(model, "hello", true), auth(key));
    }

    private static HttpResponse<InputStream> openStream(TestGateway g, String key, String model) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(g.uri("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(chatBody(model, "hello", true)))
                .build();
        return g.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** The next SSE {@code data:} payload, or null at the end of the stream. */
    private static String nextData(BufferedReader in) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("data: ")) {
                return line.substring(6);
            }
        }
        return null;
    }

    /** The status of a call, for waits; -1 when the call itself failed. */
    private static int status(Call call) {
        try {
            return call.send().statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @FunctionalInterface
    private interface Call {
        HttpResponse<String> send() throws Exception;
    }

    /** The prompt estimate a {@link #chatBody} with this text holds against tpm limits until the answer's usage is known. */
    private static long promptEstimate(String text) {
        return TokenEstimate.prompt((ObjectNode) Fixtures.json(chatBody("usage", text, false)));
    }

    /**
     * Waits for the request's log line: it is written after the rate limit admission was settled with the answer's
     * usage (settling waits until the answer is out when no parallel slot is held).
     */
    private static void awaitSettled(TestGateway g, HttpResponse<?> r) {
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        Fixtures.await(() -> logLine(g, id), Duration.ofSeconds(5), "the log line of " + id);
    }

    /** Whether the request's log line is written. */
    private static boolean logLine(TestGateway g, String requestId) {
        String field = "\"request_id\":\"" + requestId + "\"";
        return g.logs().lines().anyMatch(l -> l.contains("\"msg\":\"request\"") && l.contains(field));
    }

    private static long retryAfterSeconds(HttpResponse<?> r) {
        String value = r.headers().firstValue("retry-after").orElseThrow(() -> new AssertionError("no Retry-After"));
        assertThat(value).as("Retry-After in whole seconds").matches("\\d+");
        return Long.parseLong(value);
    }

    private static List<String> rateLimitHeaders(HttpResponse<?> r) {
        return r.headers().map().keySet().stream()
                .filter(h -> h.toLowerCase(Locale.ROOT).startsWith("x-ratelimit"))
                .toList();
    }

    /** A streamed response's status and headers with its body read as text, for {@link Fixtures#error}. */
    private static HttpResponse<String> withBody(HttpResponse<InputStream> r, String body) {
        return new HttpResponse<>() {
            @Override
            public int statusCode() {
                return r.statusCode();
            }

            @Override
            public HttpRequest request() {
                return r.request();
            }

            @Override
            public java.util.Optional<HttpResponse<String>> previousResponse() {
                return java.util.Optional.empty();
            }

            @Override
            public java.net.http.HttpHeaders headers() {
                return r.headers();
            }

            @Override
            public String body() {
                return body;
            }

            @Override
            public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
                return r.sslSession();
            }

            @Override
            public java.net.URI uri() {
                return r.uri();
            }

            @Override
            public java.net.http.HttpClient.Version version() {
                return r.version();
            }
        };
    }

    /**
     * A loopback address of this run's own, 127.x.y.z: an open gateway counts per client address, and Redis is shared
     * with other test runs, so a run that called from 127.0.0.1 would count against theirs.
     */
    private static InetAddress uniqueLoopback() throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] address = {
            127, (byte) random.nextInt(1, 255), (byte) random.nextInt(0, 256), (byte) random.nextInt(1, 255)
        };
        return InetAddress.getByAddress(address);
    }

    /**
     * One HTTP/1.1 chat from a chosen local address, over a plain socket: the JDK 21 {@code HttpClient} cannot choose
     * the address it calls from.
     */
    private record Raw(int status, Map<String, String> headers, String body) {

        static Raw chat(TestGateway g, InetAddress from) throws IOException {
            byte[] payload = chatBody("mock-model", "hello", false).getBytes(StandardCharsets.UTF_8);
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(from, 0));
                s.connect(
                        new InetSocketAddress(
                                InetAddress.getLoopbackAddress(), g.gateway().port()),
                        5_000);
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                + "Content-Type: application/json\r\nContent-Length: " + payload.length
                                + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int end = answer.indexOf("\r\n\r\n");
                assertThat(end).as("a whole HTTP answer: %s", answer).isPositive();
                List<String> head = answer.substring(0, end).lines().toList();
                Map<String, String> headers = new LinkedHashMap<>();
                for (String line : head.subList(1, head.size())) {
                    int colon = line.indexOf(':');
                    headers.put(
                            line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).strip());
                }
                assertThat(headers).as("a body of known length").containsKey("content-length");
                String statusLine = head.get(0);
                int firstSpace = statusLine.indexOf(' ');
                int status = Integer.parseInt(statusLine.substring(firstSpace + 1, firstSpace + 4));
                return new Raw(status, headers, answer.substring(end + 4));
            }
        }

        String header(String name) {
            return headers.get(name);
        }

        /**
         * Sends a chat and reads no more than the answer's status line and headers, asserting a 200. The socket's
         * small receive buffer (no autotuning) leaves the rest of a large answer to the gateway's side.
         */
        static Socket openUnread(TestGateway g, String key, String requestId, String body) throws IOException {
            byte[] payload = body.getBytes(StandardCharsets.UTF_8);
            Socket s = new Socket();
            s.setReceiveBufferSize(64 * 1024);
            s.connect(
                    new InetSocketAddress(
                            InetAddress.getLoopbackAddress(), g.gateway().port()),
                    5_000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/json\r\nAuthorization: Bearer " + key + "\r\nx-request-id: "
                            + requestId + "\r\nContent-Length: " + payload.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                int b = in.read();
                assertThat(b).as("the answer's headers, got %s", head).isNotNegative();
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 200 ");
            return s;
        }
    }

    /**
     * An OpenAI-compatible upstream. Model {@code usage} answers at once with the fixtures' usage, {@code big} the same
     * with a 12 MB answer; model {@code held} holds its answer (a stream: after its first chunk, ticking so a gone
     * client shows) until {@link #release} opens.
     * WireMock cannot hold an answer on a latch.
     */
    private static final class Upstream implements AutoCloseable {
        private final HttpServer server;
        volatile CountDownLatch release = new CountDownLatch(0);

        Upstream() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/v1/chat/completions", this::answer);
            server.start();
        }

        /** Held answers wait from now until the test releases them (or it ends). */
        void hold() {
            release = new CountDownLatch(1);
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        }

        private void answer(HttpExchange ex) throws IOException {
            try {
                JsonNode body = Fixtures.json(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                boolean held = body.path("model").asText().equals("held");
                CountDownLatch until = release;
                if (!body.path("stream").asBoolean()) {
                    if (held) {
                        until.await(10, TimeUnit.SECONDS);
                    }
                    byte[] out = body.path("model").asText().equals("big")
                            ? big()
                            : Fixtures.openai("chat.json").getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, out.length);
                    ex.getResponseBody().write(out);
                    return;
                }
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                if (!held) {
                    out.write(Fixtures.openai("chat-stream-usage.sse").getBytes(StandardCharsets.UTF_8));
                    return;
                }
                chunk(out, "one");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!until.await(20, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                    chunk(out, "tick"); // fails once the gateway has hung up
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ex.close();
            }
        }

        /** {@code chat.json} with an answer of 12 MB, three times what the gateway's socket buffers can hold. */
        private static byte[] big() {
            ObjectNode answer = (ObjectNode) Fixtures.json(Fixtures.openai("chat.json"));
            ((ObjectNode) answer.path("choices").get(0).path("message")).put("content", "x".repeat(12 << 20));
            return answer.toString().getBytes(StandardCharsets.UTF_8);
        }

        private static void chunk(OutputStream out, String text) throws IOException {
            out.write(("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"held\","
                            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text
                            + "\"},\"finish_reason\":null}]}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
        }
    }
}
