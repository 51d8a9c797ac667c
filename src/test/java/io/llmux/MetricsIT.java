package io.llmux;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.llmux.RoutingStubs.chat;
import static io.llmux.RoutingStubs.streamChat;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.llmux.telemetry.PrometheusText;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §10 metrics through the real gateway: each test reads {@code GET /metrics}, makes requests, and reads how the
 * counters moved; every scrape must pass the strict text-format reader. A request is counted once its answer is out,
 * so a test waits for a count rather than reading it right after the answer.
 *
 * <p>WireMock plays every deployment ({@link RoutingStubs}: a model's name says what it does). Only {@code cached}
 * may be cached, so repeated requests of the other groups always reach the upstream.
 */
class MetricsIT {
    private static final String MASTER = "sk-master-metrics";
    private static final String PATH = "/internal/prom";
    private static final String REQUEST_ID = "req-metrics-7f3a";

    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        RoutingStubs.install(wm);
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
                  - name: up
                    type: openai
                    api_key: sk-upstream-metrics
                    base_url: http://127.0.0.1:%d/v1
                    timeout: 5s
                    models:
                      - {name: cached, model: c-ok}
                      - {name: ok, model: o-ok, cache: false}
                      - {name: broken, model: br-400, cache: false}
                      - {name: flaky, model: fl1-500, weight: 1000000000, cache: false}
                      - {name: flaky, model: fl2-ok, weight: 0.000001, cache: false, input_cost_per_million: 1, output_cost_per_million: 2}
                      - {name: down, model: dn-500, cache: false}
                      - {name: cooling, model: co1-429long, weight: 1000000000, cache: false}
                      - {name: cooling, model: co2-ok, weight: 0.000001, cache: false}
                routing:
                  retry_count: 1
                  retry_backoff: 1ms
                  retry_max_backoff: 20ms
                  fallbacks:
                    down: [ok]
                cache:
                  enabled: true
                  type: local
                  ttl: 1h
                metrics:
                  enabled: true
                  path: %s
                """.formatted(MASTER, wm.port(), PATH));
        gw.awaitReady();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        if (wm != null) {
            wm.stop();
        }
    }

    private static PrometheusText scrape(TestGateway g, String path) throws Exception {
        HttpResponse<String> r = g.get(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        PrometheusText parsed = PrometheusText.parse(r.body());
        assertThat(r.body())
                .as("no key, key alias or request id in any label")
                .doesNotContain(MASTER, "sk-upstream-metrics", REQUEST_ID, "metrics-alice");
        return parsed;
    }

    private static PrometheusText scrape() throws Exception {
        return scrape(gw, PATH);
    }

    /**
     * A scrape taken after one that saw no request in flight: requests are counted after their answer went out, and
     * the in-flight gauge falls last, so once it read zero every request a test made is fully counted. The scrape
     * that saw the zero may have read the counters before the gauge, so the next one is the settled one.
     */
    private static PrometheusText settled() throws Exception {
        PrometheusText[] last = {null};
        Fixtures.await(
                () -> {
                    try {
                        last[0] = scrape();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return last[0].value("llmux_inflight_requests") == 0;
                },
                Duration.ofSeconds(10),
                "no request in flight");
        return scrape();
    }

    /** The settled scrape, after asserting that a sample grew by exactly {@code delta} since {@code before}. */
    private static PrometheusText awaitGrowth(PrometheusText before, double delta, String name, String... labels)
            throws Exception {
        PrometheusText after = settled();
        assertThat(after.value(name, labels) - before.value(name, labels))
                .as(name + " " + String.join(",", labels))
                .isEqualTo(delta);
        return after;
    }

    private static HttpResponse<String> post(String body, String key) throws Exception {
        return gw.post(RoutingStubs.CHAT_PATH, body, "Authorization", "Bearer " + key, "x-request-id", REQUEST_ID);
    }

    @Test
    void aSuccessCountsTheRequestItsLatencyTokensAndOverhead() throws Exception {
        PrometheusText before = settled();

        HttpResponse<String> r = post(chat("ok"), MASTER);

        assertThat(r.statusCode()).isEqualTo(200);
        PrometheusText after =
                awaitGrowth(before, 1, "llmux_requests_total", "model", "ok", "provider", "up", "status", "200");
        assertThat(after.value("llmux_request_duration_seconds_count", "model", "ok", "provider", "up")
                        - before.value("llmux_request_duration_seconds_count", "model", "ok", "provider", "up"))
                .isEqualTo(1);
        assertThat(after.value("llmux_tokens_total", "model", "ok", "provider", "up", "type", "prompt"))
                .isGreaterThan(before.value("llmux_tokens_total", "model", "ok", "provider", "up", "type", "prompt"));
        assertThat(after.value("llmux_tokens_total", "model", "ok", "provider", "up", "type", "completion"))
                .isGreaterThan(
                        before.value("llmux_tokens_total", "model", "ok", "provider", "up", "type", "completion"));
        assertThat(after.value("llmux_gateway_overhead_seconds_count"))
                .isGreaterThan(before.value("llmux_gateway_overhead_seconds_count"));
        assertThat(after.value("llmux_cost_unknown_total", "model", "o-ok"))
                .as("o-ok has no price anywhere")
                .isGreaterThan(before.value("llmux_cost_unknown_total", "model", "o-ok"));
        assertThat(after.value("llmux_inflight_requests")).isZero();
        assertThat(after.value("llmux_deployment_healthy", "deployment", "up/o-ok"))
                .isEqualTo(1);
        assertThat(after.types()).containsKeys("jvm_memory_used_bytes", "process_cpu_seconds_total");
    }

    @Test
    void aProviderErrorIsCountedWithTheStatusTheClientGot() throws Exception {
        PrometheusText before = settled();

        HttpResponse<String> r = post(chat("broken"), MASTER);

        assertThat(r.statusCode()).isEqualTo(400);
        awaitGrowth(before, 1, "llmux_requests_total", "model", "broken", "provider", "up", "status", "400");
    }

    @Test
    void anUnknownModelIsCountedAsUnknownNeverByItsName() throws Exception {
        PrometheusText before = settled();

        HttpResponse<String> r = post(chat("no-such-model-x9"), MASTER);

        assertThat(r.statusCode()).isEqualTo(404);
        PrometheusText after =
                awaitGrowth(before, 1, "llmux_requests_total", "model", "unknown", "provider", "none", "status", "404");
        assertThat(after.samples()).noneMatch(s -> s.labels().containsValue("no-such-model-x9"));
    }

    @Test
    void aStreamRecordsItsTimeToFirstToken() throws Exception {
        PrometheusText before = settled();

        HttpResponse<String> r = post(streamChat("ok"), MASTER);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        PrometheusText after =
                awaitGrowth(before, 1, "llmux_requests_total", "model", "ok", "provider", "up", "status", "200");
        assertThat(after.value("llmux_time_to_first_token_seconds_count", "model", "ok", "provider", "up")
                        - before.value("llmux_time_to_first_token_seconds_count", "model", "ok", "provider", "up"))
                .isEqualTo(1);
    }

    @Test
    void aCacheHitIsCountedByLayerAndHasNoProvider() throws Exception {
        PrometheusText before = settled();
        String body = "{\"model\":\"cached\",\"messages\":[{\"role\":\"user\",\"content\":\"cache me\"}]}";

        HttpResponse<String> first = post(body, MASTER);
        awaitGrowth(before, 1, "llmux_cache_lookups_total", "layer", "local", "result", "miss");
        HttpResponse<String> second = post(body, MASTER);

        assertThat(first.headers().firstValue("x-llmux-cache")).hasValue("miss");
        assertThat(second.headers().firstValue("x-llmux-cache")).hasValue("hit");
        PrometheusText after =
                awaitGrowth(before, 1, "llmux_requests_total", "model", "cached", "provider", "none", "status", "200");
        assertThat(after.value("llmux_cache_lookups_total", "layer", "local", "result", "hit")
                        - before.value("llmux_cache_lookups_total", "layer", "local", "result", "hit"))
                .isEqualTo(1);
    }

    @Test
    void aRetryIsCountedAndTheAnswerIsPriced() throws Exception {
        PrometheusText before = settled();

        HttpResponse<String> r = post(chat("flaky"), MASTER);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-attempts")).hasValue("2");
        PrometheusText after =
                awaitGrowth(before, 1, "llmux_requests_total", "model", "flaky", "provider", "up", "status", "200");
        assertThat(after.value("llmux_retries_total") - before.value("llmux_retries_total"))
                .isEqualTo(1);
        assertThat(after.value("llmux_spend_usd_total", "model", "flaky", "provider", "up", "team", "none"))
                .isGreaterThan(
                        before.value("llmux_spend_usd_total", "model", "flaky", "provider", "up", "team", "none"));
    }

    @Test
    void aFallbackIsCountedUnderTheGroupTheClientAskedFor() throws Exception {
        PrometheusText before = settled();

        HttpResponse<String> r = post(chat("down"), MASTER);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-fallback")).hasValue("ok");
        PrometheusText after =
                awaitGrowth(before, 1, "llmux_requests_total", "model", "down", "provider", "up", "status", "200");
        assertThat(after.value("llmux_fallbacks_total") - before.value("llmux_fallbacks_total"))
                .isEqualTo(1);
    }

    @Test
    void aCooldownIsCountedAndTheDeploymentShowsUnhealthy() throws Exception {
        PrometheusText before = settled();
        assertThat(before.value("llmux_deployment_healthy", "deployment", "up/co1-429long"))
                .isEqualTo(1);

        HttpResponse<String> r = post(chat("cooling"), MASTER);

        assertThat(r.statusCode())
                .as("a 429 with a long Retry-After cools co1; co2 answers")
                .isEqualTo(200);
        PrometheusText after =
                awaitGrowth(before, 1, "llmux_deployment_cooldowns_total", "deployment", "up/co1-429long");
        assertThat(after.value("llmux_deployment_healthy", "deployment", "up/co1-429long"))
                .isZero();
        assertThat(after.value("llmux_deployment_healthy", "deployment", "up/co2-ok"))
                .isEqualTo(1);
    }

    @Test
    void aRateLimitRefusalIsCountedWithItsScopeAndNeverTheKey() throws Exception {
        String key = gw.manage(MASTER, "/key/generate", "{\"key_alias\":\"metrics-alice\",\"rpm_limit\":1}")
                .get("key")
                .asText();
        PrometheusText before = settled();

        assertThat(post(chat("ok"), key).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = post(chat("ok"), key);

        assertThat(refused.statusCode()).isEqualTo(429);
        PrometheusText after = awaitGrowth(before, 1, "llmux_rate_limited_total", "scope", "key");
        awaitGrowth(before, 1, "llmux_requests_total", "model", "ok", "provider", "none", "status", "429");
        assertThat(after.samples()).noneMatch(s -> s.labels().containsValue(key));
    }

    @Test
    void tokensAndSpendAreCountedUnderTheKeysTeamAndNoneWithoutOne() throws Exception {
        gw.manage(MASTER, "/team/new", "{\"team_id\":\"t-metrics\",\"team_alias\":\"metrics-team\"}");
        String key = gw.manage(MASTER, "/key/generate", "{\"team_id\":\"t-metrics\"}")
                .get("key")
                .asText();
        PrometheusText before = settled();

        assertThat(post(chat("flaky"), key).statusCode()).isEqualTo(200);

        PrometheusText after =
                awaitGrowth(before, 1, "llmux_requests_total", "model", "flaky", "provider", "up", "status", "200");
        String[] team = {"model", "flaky", "provider", "up", "team", "metrics-team"};
        assertThat(after.value("llmux_spend_usd_total", team))
                .isGreaterThan(before.value("llmux_spend_usd_total", team));
        assertThat(after.value("llmux_tokens_total", "model", "flaky", "type", "completion", "team", "metrics-team"))
                .isGreaterThan(before.value(
                        "llmux_tokens_total", "model", "flaky", "type", "completion", "team", "metrics-team"));
        assertThat(after.value("llmux_spend_usd_total", "model", "flaky", "provider", "up", "team", "none"))
                .as("the master key's spend earlier in this class, unchanged")
                .isEqualTo(before.value("llmux_spend_usd_total", "model", "flaky", "provider", "up", "team", "none"));
    }

    @Test
    void metricsNeedNoKeyAndLiveOnlyAtTheConfiguredPath() throws Exception {
        assertThat(gw.get(PATH).statusCode()).as("no Authorization header").isEqualTo(200);
        assertThat(gw.get("/metrics").statusCode()).isEqualTo(404);
    }

    @Test
    void metricsDisabledLeaveThePathUnknown() throws Exception {
        try (TestGateway off = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: mock
                    type: mock
                    latency: 1ms
                    models: [mock-model]
                metrics:
                  enabled: false
                """)) {
            assertThat(off.get("/metrics").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void theDefaultPathServesTheTextFormat() throws Exception {
        try (TestGateway plain = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: mock
                    type: mock
                    latency: 1ms
                    models: [mock-model]
                """)) {
            assertThat(plain.post("/v1/chat/completions", chat("mock-model")).statusCode())
                    .isEqualTo(200);
            Fixtures.await(
                    () -> {
                        try {
                            return scrape(plain, "/metrics").value("llmux_requests_total", "model", "mock-model") == 1;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    Duration.ofSeconds(10),
                    "the request to be counted");
        }
    }
}
