package io.llmux;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.llmux.RoutingStubs.assertAnsweredBy;
import static io.llmux.RoutingStubs.calls;
import static io.llmux.RoutingStubs.chat;
import static io.llmux.RoutingStubs.coolDown;
import static io.llmux.RoutingStubs.health;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §6 cooldowns end to end: a 429, a refused credential or {@code allowed_fails} failures within a minute take a
 * deployment out of its group until its deadline, which {@code GET /health} shows and a re-cooling never shortens;
 * the last deployment of a group is not taken out by one failure; a group whose deployments all cool answers 503 with
 * a {@code Retry-After}; an admin sets and clears cooldowns by hand. {@code cooldown_period} is long (30 s) so that
 * nothing lapses by accident mid-test: recovery is shown with a provider's short {@code Retry-After}.
 */
class CooldownIT {
    private static final String FIRST = "weight: 1000000000";
    private static final String SECOND = "weight: 0.000001";
    private static final long COOLDOWN_PERIOD_SECONDS = 30;
    /** The {@code Retry-After} of the deployment that recovers: short for the test, long enough to see it cool. */
    private static final int RECOVERS_AFTER_SECONDS = 2;

    private static final String HEALTHY = "healthy";
    private static final String COOLING = "cooling down";

    private static WireMockServer wm;
    private static HeldUpstream held;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        RoutingStubs.install(wm);
        // answers 429 once, then like any healthy deployment
        wm.stubFor(RoutingStubs.model("r-recovers")
                .inScenario("recovers")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(RoutingStubs.json(429, "error-429.json")
                        .withHeader("Retry-After", Integer.toString(RECOVERS_AFTER_SECONDS)))
                .willSetStateTo("recovered"));
        wm.stubFor(RoutingStubs.model("r-recovers")
                .inScenario("recovers")
                .whenScenarioStateIs("recovered")
                .willReturn(RoutingStubs.json(200, "chat.json")));
        held = new HeldUpstream();
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: up
                    type: openai
                    api_key: sk-cooldown-up
                    base_url: http://127.0.0.1:%1$d/v1
                    timeout: 2s
                    models:
                      - {name: rate-limited, model: r-recovers, %2$s}
                      - {name: rate-limited, model: r-ok, %3$s}
                      - {name: flaky, model: f-500, %2$s}
                      - {name: flaky, model: f-ok, %3$s}
                      - {name: lone, model: s-500}
                      - {name: pair, model: p1-ok}
                      - {name: pair, model: p2-ok}
                      - {name: alone-401, model: a-401}
                      - {name: alone-403, model: a-403}
                      - {name: backed-401, model: b-401, %2$s}
                      - {name: backed-401, model: b401-ok, %3$s}
                      - {name: backed-403, model: b-403, %2$s}
                      - {name: backed-403, model: b403-ok, %3$s}
                      - {name: recool, model: z-ok, %3$s}
                      - {name: manual, model: m1-ok, %2$s}
                      - {name: manual, model: m2-ok, %3$s}
                  - name: held
                    type: openai
                    api_key: sk-cooldown-held
                    base_url: %4$s
                    timeout: 5s
                    models:
                      - {name: recool, model: z-429, %2$s}
                routing:
                  retry_count: 2
                  retry_backoff: 1ms
                  retry_max_backoff: 20ms
                  allowed_fails: 2
                  cooldown_period: %5$ds
                """.formatted(wm.port(), FIRST, SECOND, held.baseUrl(), COOLDOWN_PERIOD_SECONDS));
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        if (held != null) {
            held.close();
        }
        if (wm != null) {
            wm.stop();
        }
    }

    @BeforeEach
    void fresh() throws Exception {
        wm.resetRequests();
        wm.resetScenarios();
        gw.clearCooldowns();
    }

    @AfterEach
    void noRequestHitABug() {
        held.release();
        assertThat(gw.logs()).as("no request hit a bug (500)").doesNotContain("\"status\":500", "request failed");
    }

    // a 429 cools the deployment for the provider's Retry-After

    @Test
    void a429WithRetryAfterCoolsTheDeploymentUntilItLapsesThenItIsUsedAgain() throws Exception {
        Instant before = Instant.now();
        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("rate-limited")), "up/r-ok", 2);
        Instant after = Instant.now();

        JsonNode cooling = health(gw, "up/r-recovers");
        assertThat(cooling.path("state").asText()).isEqualTo(COOLING);
        assertThat(Instant.parse(cooling.path("cooldown_until").asText()))
                .as("the provider's Retry-After, not cooldown_period")
                .isBetween(before.plusSeconds(RECOVERS_AFTER_SECONDS), after.plusSeconds(RECOVERS_AFTER_SECONDS + 1));
        assertThat(cooling.path("last_error").asText()).startsWith("429").contains("Rate limit reached");

        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("rate-limited")), "up/r-ok", 1);
        assertThat(calls(wm, "r-recovers"))
                .as("a cooling deployment is not called")
                .isEqualTo(1);

        Fixtures.await(() -> state("up/r-recovers").equals(HEALTHY), Duration.ofSeconds(10), "the cooldown to lapse");
        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("rate-limited")), "up/r-recovers", 1);
        assertThat(RoutingStubs.modelsCalled(wm)).containsExactly("r-recovers", "r-ok", "r-ok", "r-recovers");
    }

    // allowed_fails

    @Test
    void oneFailureIsAllowedAndTheSecondWithinAMinuteCoolsTheDeploymentForCooldownPeriod() throws Exception {
        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("flaky")), "up/f-ok", 2);
        JsonNode once = health(gw, "up/f-500");
        assertThat(once.path("state").asText())
                .as("one failure of allowed_fails 2")
                .isEqualTo(HEALTHY);
        assertThat(once.path("last_error").asText()).startsWith("500");

        Instant before = Instant.now();
        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("flaky")), "up/f-ok", 2);
        Instant after = Instant.now();
        JsonNode twice = health(gw, "up/f-500");
        assertThat(twice.path("state").asText()).isEqualTo(COOLING);
        assertThat(Instant.parse(twice.path("cooldown_until").asText()))
                .isBetween(before.plusSeconds(COOLDOWN_PERIOD_SECONDS), after.plusSeconds(COOLDOWN_PERIOD_SECONDS + 1));

        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("flaky")), "up/f-ok", 1);
        assertThat(calls(wm, "f-500")).isEqualTo(2);
    }

    // the last deployment of a group

    @Test
    void aSingleDeploymentGroupIsNotTakenOutByOneFailedRequestThoughItsRetriesHitItAgain() throws Exception {
        JsonNode e = Fixtures.error(gw.post(RoutingStubs.CHAT_PATH, chat("lone")), 502, "api_error");
        assertThat(e.path("code").asText()).isEqualTo("provider_error");
        assertThat(e.path("message").asText()).contains("up/s-500", "500");
        assertThat(calls(wm, "s-500")).as("1 + retry_count attempts, all on it").isEqualTo(3);
        assertThat(state("up/s-500")).isEqualTo(HEALTHY);

        JsonNode again = Fixtures.error(gw.post(RoutingStubs.CHAT_PATH, chat("lone")), 502, "api_error");
        assertThat(again.path("code").asText())
                .as("the deployment was called again, not skipped with a 503")
                .isEqualTo("provider_error");
        // a failed request counts once toward allowed_fails (2): the second one's first attempt cooled it, and its
        // retries stopped there
        assertThat(calls(wm, "s-500")).isEqualTo(4);
        assertThat(state("up/s-500")).isEqualTo(COOLING);
        Fixtures.error(gw.post(RoutingStubs.CHAT_PATH, chat("lone")), 503, "api_error");
        assertThat(calls(wm, "s-500")).isEqualTo(4);
    }

    // every deployment cooling

    @Test
    void aGroupWhoseDeploymentsAllCoolAnswers503WithTheEarliestRetryAndCallsNoUpstream() throws Exception {
        assertThat(coolDown(gw, "up/p1-ok", 30).statusCode()).isEqualTo(200);
        assertThat(coolDown(gw, "up/p2-ok", 10).statusCode()).isEqualTo(200);

        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("pair"));
        JsonNode e = Fixtures.error(r, 503, "api_error");
        assertThat(e.path("message").asText()).contains("pair", "cooling down", "up/p1-ok", "up/p2-ok");
        assertThat(r.headers().firstValue("Retry-After"))
                .as("when the earlier cooldown (10 s) ends")
                .hasValueSatisfying(s -> assertThat(Integer.parseInt(s)).isBetween(5, 10));
        assertThat(RoutingStubs.modelsCalled(wm)).isEmpty();
    }

    // a refused credential

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void aRefusedCredentialIs502ProviderAuthErrorWhenNoOtherDeploymentAnswers(int status) throws Exception {
        JsonNode e = Fixtures.error(gw.post(RoutingStubs.CHAT_PATH, chat("alone-" + status)), 502, "api_error");
        assertThat(e.path("code").asText()).isEqualTo("provider_auth_error");
        assertThat(e.path("message").asText()).contains("up/a-" + status, "answered " + status, "api_key");
        assertThat(calls(wm, "a-" + status))
                .as("the same refused key is not tried again")
                .isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void aRefusedCredentialSendsTheRequestToAnotherDeploymentAndCoolsItsOwn(int status) throws Exception {
        String refused = "b-" + status;
        String other = "b" + status + "-ok";
        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("backed-" + status)), "up/" + other, 2);

        JsonNode h = health(gw, "up/" + refused);
        assertThat(h.path("state").asText()).isEqualTo(COOLING);
        assertThat(h.path("last_error").asText()).startsWith(Integer.toString(status));

        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("backed-" + status)), "up/" + other, 1);
        assertThat(calls(wm, refused)).isEqualTo(1);
    }

    // re-cooling: a failure that lands while the deployment already cools

    @Test
    void aShorterRetryAfterNeverShortensACooldownAlreadySet() throws Exception {
        CompletableFuture<HttpResponse<String>> inFlight = held.sendHeld(gw, "recool", "1");
        JsonNode set = Fixtures.json(coolDown(gw, "held/z-429", 30).body());
        String deadline = set.path("cooldown_until").asText();

        held.release();
        assertAnsweredBy(inFlight.get(10, TimeUnit.SECONDS), "up/z-ok", 2);

        JsonNode h = health(gw, "held/z-429");
        assertThat(h.path("last_error").asText()).as("the 429 was recorded").startsWith("429");
        assertThat(h.path("state").asText()).isEqualTo(COOLING);
        assertThat(h.path("cooldown_until").asText()).isEqualTo(deadline);
    }

    @Test
    void aLongerRetryAfterExtendsACooldownAlreadySet() throws Exception {
        CompletableFuture<HttpResponse<String>> inFlight = held.sendHeld(gw, "recool", "30");
        Instant handSet =
                Instant.parse(Fixtures.json(coolDown(gw, "held/z-429", 2).body())
                        .path("cooldown_until")
                        .asText());

        held.release();
        assertAnsweredBy(inFlight.get(10, TimeUnit.SECONDS), "up/z-ok", 2);

        JsonNode h = health(gw, "held/z-429");
        assertThat(h.path("state").asText()).isEqualTo(COOLING);
        assertThat(Instant.parse(h.path("cooldown_until").asText())).isAfter(handSet.plusSeconds(20));
    }

    // the admin API

    @Test
    void anAdminCoolsADeploymentByHandAndClearsIt() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS); // hand-set deadlines are whole ms
        HttpResponse<String> set = gw.post(
                "/deployments/cooldown",
                "{\"deployment\":\"up/m1-ok\",\"seconds\":5,\"reason\":\"provider maintenance\"}");
        Instant after = Instant.now();
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        JsonNode body = Fixtures.json(set.body());
        assertThat(body.path("deployment").asText()).isEqualTo("up/m1-ok");
        Instant until = Instant.parse(body.path("cooldown_until").asText());
        assertThat(until).isBetween(before.plusSeconds(5), after.plusSeconds(5));

        JsonNode h = health(gw, "up/m1-ok");
        assertThat(h.path("state").asText()).isEqualTo(COOLING);
        assertThat(h.path("cooldown_until").asText())
                .isEqualTo(body.path("cooldown_until").asText());
        assertThat(h.path("last_error").asText()).isEqualTo("provider maintenance");
        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("manual")), "up/m2-ok", 1);

        HttpResponse<String> cleared = gw.post("/deployments/cooldown", "{\"deployment\":\"up/m1-ok\",\"clear\":true}");
        assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
        assertThat(Fixtures.json(cleared.body()).get("cooldown_until").isNull()).isTrue();
        assertThat(state("up/m1-ok")).isEqualTo(HEALTHY);
        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("manual")), "up/m1-ok", 1);
        assertThat(calls(wm, "m1-ok")).isEqualTo(1);
    }

    @Test
    void theAdminCooldownOfAnUnknownDeploymentIs404() throws Exception {
        JsonNode e = Fixtures.error(coolDown(gw, "up/no-such-model", 5), 404, "not_found_error");
        assertThat(e.path("message").asText()).contains("up/no-such-model", "/health");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "not json                                      | ",
                "[\"up/m1-ok\", 5]                             | ",
                "{}                                            | deployment",
                "{\"seconds\": 5}                              | deployment",
                "{\"deployment\": 5, \"seconds\": 5}           | deployment",
                "{\"deployment\": \"\", \"seconds\": 5}        | deployment",
                "{\"deployment\": \"up/m1-ok\"}                | seconds",
                "{\"deployment\": \"up/m1-ok\", \"seconds\": 0}     | seconds",
                "{\"deployment\": \"up/m1-ok\", \"seconds\": -5}    | seconds",
                "{\"deployment\": \"up/m1-ok\", \"seconds\": \"5m\"} | seconds",
            })
    void aBadAdminCooldownBodyIs400NamingTheFieldAndCoolsNothing(String body, String param) throws Exception {
        JsonNode e = Fixtures.error(gw.post("/deployments/cooldown", body), 400, "invalid_request_error");
        if (param != null) {
            assertThat(e.path("param").asText()).isEqualTo(param);
        }
        assertThat(state("up/m1-ok")).isEqualTo(HEALTHY);
    }

    @Test
    void theAdminCooldownTakesTheMasterKeyWhenOneIsSet() throws Exception {
        String master = "mk-cooldown-master-5e1c";
        try (TestGateway secured = TestGateway.start("""
                server: {host: 127.0.0.1, port: 0, shutdown_timeout: 1s}
                auth: {master_key: %s}
                providers:
                  - name: up
                    type: openai
                    api_key: sk-cooldown-up
                    base_url: http://127.0.0.1:%d/v1
                    models: [k-ok]
                """.formatted(master, wm.port()))) {
            Fixtures.error(coolDown(secured, "up/k-ok", 5), 401, "authentication_error");
            Fixtures.error(secured.get("/health"), 401, "authentication_error");

            HttpResponse<String> r = secured.post(
                    "/deployments/cooldown",
                    "{\"deployment\":\"up/k-ok\",\"seconds\":5}",
                    "Authorization",
                    "Bearer " + master);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode h = Fixtures.json(
                    secured.get("/health", "Authorization", "Bearer " + master).body());
            assertThat(h.path("unhealthy_deployments").get(0).path("deployment").asText())
                    .isEqualTo("up/k-ok");
        }
    }

    private static String state(String deployment) {
        try {
            return health(gw, deployment).path("state").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An upstream that holds each request until the test releases it, then answers 429 with the {@code Retry-After}
     * the test chose: a failure that lands while its deployment already cools, which WireMock's fixed delays could
     * only approximate.
     */
    static final class HeldUpstream implements AutoCloseable {
        private final HttpServer server;
        private volatile CountDownLatch arrived = new CountDownLatch(1);
        private volatile CountDownLatch release = new CountDownLatch(1);
        private volatile String retryAfter = "1";

        HeldUpstream() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", ex -> {
                ex.getRequestBody().readAllBytes();
                arrived.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                byte[] body = Fixtures.openai("error-429.json").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.getResponseHeaders().set("Retry-After", retryAfter);
                ex.sendResponseHeaders(429, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        }

        /** Sends a chat for {@code model} and returns once the upstream holds it. */
        CompletableFuture<HttpResponse<String>> sendHeld(TestGateway gw, String model, String retryAfter)
                throws InterruptedException {
            this.retryAfter = retryAfter;
            arrived = new CountDownLatch(1);
            release = new CountDownLatch(1);
            HttpRequest req = HttpRequest.newBuilder(gw.uri(RoutingStubs.CHAT_PATH))
                    .timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(chat(model)))
                    .build();
            CompletableFuture<HttpResponse<String>> sent =
                    gw.client().sendAsync(req, HttpResponse.BodyHandlers.ofString());
            if (!arrived.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the held upstream was never called: " + sent);
            }
            return sent;
        }

        void release() {
            release.countDown();
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
        }
    }
}
