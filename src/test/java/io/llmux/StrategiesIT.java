package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.llmux.RoutingStubs.assertAnsweredBy;
import static io.llmux.RoutingStubs.calls;
import static io.llmux.RoutingStubs.chat;
import static io.llmux.RoutingStubs.modelsCalled;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §6 strategies end to end. {@code routing.strategy} is one per gateway, so each test starts its own small
 * gateway on the shared WireMock upstream (see {@link RoutingStubs}: a deployment's upstream model name says what it
 * does). Distributions are the unit tests' business; these check that each strategy's choice reaches the wire.
 */
class StrategiesIT {
    private static WireMockServer wm;
    /** Sends one event, then holds the stream open until {@link #release} opens: a request in flight. */
    private static ScriptedUpstream holding;

    private static volatile CountDownLatch release = new CountDownLatch(1);
    private TestGateway gw;

    @BeforeAll
    static void startUpstreams() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        RoutingStubs.install(wm);
        holding = new ScriptedUpstream(ev -> {
            ev.content("held");
            if (release.await(10, TimeUnit.SECONDS)) {
                ev.done();
            }
        });
    }

    @AfterAll
    static void stopUpstreams() {
        release.countDown();
        if (holding != null) {
            holding.close();
        }
        if (wm != null) {
            wm.stop();
        }
    }

    @BeforeEach
    void fresh() {
        wm.resetRequests();
        release = new CountDownLatch(1);
    }

    @AfterEach
    void stopGateway() {
        release.countDown();
        if (gw != null) {
            String logs = gw.logs();
            gw.close();
            assertThat(logs).as("no request hit a bug (500)").doesNotContain("\"status\":500", "request failed");
        }
    }

    @Test
    void defaultProviderIsPreferredWhileAvailableAndTheOthersAnswerWhileItCools() throws Exception {
        // the weights favour "other" overwhelmingly: only default_provider can explain "pref" answering
        gw = start(
                "default_provider: pref",
                provider("other", wireMock(), "{name: pair, model: o-ok, weight: 1000000000}"),
                provider("pref", wireMock(), "{name: pair, model: p-ok, weight: 0.000001}"));

        assertAllAnsweredBy(5, "pair", "pref/p-ok");

        assertThat(RoutingStubs.coolDown(gw, "pref/p-ok", 60).statusCode()).isEqualTo(200);
        assertAllAnsweredBy(3, "pair", "other/o-ok");

        HttpResponse<String> cleared =
                gw.post("/deployments/cooldown", "{\"deployment\":\"pref/p-ok\",\"clear\":true}");
        assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
        assertAllAnsweredBy(2, "pair", "pref/p-ok");
        assertThat(calls(wm, "p-ok")).isEqualTo(7);
        assertThat(calls(wm, "o-ok")).isEqualTo(3);
    }

    @Test
    void lowestLatencyTriesEveryDeploymentThenSendsMostRequestsToTheFasterOne() throws Exception {
        gw = start(
                "strategy: lowest-latency\nlowest_latency_buffer: 0.1",
                provider(
                        "up",
                        wireMock(),
                        "{name: warm, model: warm-ok}",
                        "{name: lat, model: l-ok}",
                        "{name: lat, model: l-lag}"));
        // a new gateway's first upstream calls pay for the connection and a cold path: never l-ok's first measurement
        for (int i = 0; i < 3; i++) {
            assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("warm")), "up/warm-ok", 1);
        }

        Set<String> explored = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            explored.add(deploymentOf(gw.post(RoutingStubs.CHAT_PATH, chat("lat"))));
        }
        assertThat(explored).as("untried deployments go first").containsExactlyInAnyOrder("up/l-ok", "up/l-lag");

        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            picked.add(deploymentOf(gw.post(RoutingStubs.CHAT_PATH, chat("lat"))));
        }
        // l-lag is 150 ms slower, far outside a 10 % buffer; "most" leaves room for a GC pause on a busy machine
        assertThat(picked.stream().filter("up/l-ok"::equals).count())
                .as("picks after both were measured: %s", picked)
                .isGreaterThanOrEqualTo(16);
    }

    @Test
    void tagBasedSendsTaggedRequestsToTheTaggedDeploymentAndTheRestToTheDefaultOne() throws Exception {
        gw = start(
                "strategy: tag-based",
                provider(
                        "up",
                        wireMock(),
                        "{name: tagged, model: t-fast-ok, tags: [fast]}",
                        "{name: tagged, model: t-cheap-ok, tags: [cheap]}",
                        "{name: tagged, model: t-default-ok, tags: [default]}"));

        for (int i = 0; i < 3; i++) {
            assertAnsweredBy(
                    gw.post(RoutingStubs.CHAT_PATH, chat("tagged"), "x-llmux-tags", "gpu, fast"), "up/t-fast-ok", 1);
            assertAnsweredBy(
                    gw.post(
                            RoutingStubs.CHAT_PATH,
                            withTags("tagged", "\"metadata\":{\"tags\":[\"cheap\"],\"user\":\"u1\"}")),
                    "up/t-cheap-ok",
                    1);
            assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("tagged")), "up/t-default-ok", 1);
            assertAnsweredBy(
                    gw.post(RoutingStubs.CHAT_PATH, withTags("tagged", "\"tags\":[\"gpu\"]")), "up/t-default-ok", 1);
        }
        for (var request : wm.findAll(postRequestedFor(urlEqualTo(RoutingStubs.CHAT_PATH)))) {
            JsonNode forwarded = Fixtures.json(request.getBodyAsString());
            assertThat(forwarded.has("tags") || forwarded.path("metadata").has("tags"))
                    .as("routing tags are the gateway's own and never go upstream: %s", forwarded)
                    .isFalse();
            if (forwarded.path("model").asText().equals("t-cheap-ok")) {
                assertThat(forwarded.path("metadata").path("user").asText()).isEqualTo("u1");
            }
        }
    }

    @Test
    void tagBasedWithNoMatchingTagAndNoDefaultIs400NamingTheTags() throws Exception {
        gw = start(
                "strategy: tag-based",
                provider(
                        "up",
                        wireMock(),
                        "{name: strict, model: s-a-ok, tags: [alpha]}",
                        "{name: strict, model: s-b-ok, tags: [beta]}"));

        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("strict"), "x-llmux-tags", "gpu,tpu");

        JsonNode e = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("metadata.tags");
        assertThat(e.get("message").asText()).contains("gpu", "tpu", "alpha", "beta", "default");
        assertThat(modelsCalled(wm)).isEmpty();

        assertThat(gw.post(RoutingStubs.CHAT_PATH, chat("strict")).statusCode())
                .as("an untagged request may use the whole group when none is tagged default")
                .isEqualTo(200);
    }

    @Test
    void lowestTpmRpmAnswers429OnceEveryDeploymentIsAtItsRpm() throws Exception {
        gw = start(
                "strategy: lowest-tpm-rpm",
                provider(
                        "up",
                        wireMock(),
                        "{name: limited, model: r1-ok, rpm: 1}",
                        "{name: limited, model: r2-ok, rpm: 1}"));
        awayFromTheTurnOfTheMinute();

        Set<String> served = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            served.add(deploymentOf(gw.post(RoutingStubs.CHAT_PATH, chat("limited"))));
        }
        assertThat(served)
                .as("each deployment takes its one request")
                .containsExactlyInAnyOrder("up/r1-ok", "up/r2-ok");

        HttpResponse<String> third = gw.post(RoutingStubs.CHAT_PATH, chat("limited"));
        JsonNode e = Fixtures.error(third, 429, "rate_limit_error");
        assertThat(e.get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(e.get("message").asText())
                .contains("limited", "up/r1-ok used 1 requests (rpm 1)", "up/r2-ok used 1 requests (rpm 1)");
        assertThat(third.headers().firstValue("Retry-After"))
                .hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 60L));
        assertThat(modelsCalled(wm)).as("the third request is never sent").hasSize(2);
    }

    @Test
    void leastBusySendsTheNextRequestToTheDeploymentWithNothingInFlight() throws Exception {
        // the held deployment also serves busy-hold alone, so the stream that occupies it lands there for sure; the
        // routing state is per deployment, so group busy sees it in flight
        gw = start(
                "strategy: least-busy",
                provider(
                        "holding",
                        holding.baseUrl(),
                        "{name: busy-hold, model: bz-held}",
                        "{name: busy, model: bz-held}"),
                provider("up", wireMock(), "{name: busy, model: bz-ok}"));

        try (RoutingIT.HeldStream held = RoutingIT.HeldStream.open(gw, "busy-hold")) {
            assertThat(held.deployment).isEqualTo("holding/bz-held");
            assertAllAnsweredBy(6, "busy", "up/bz-ok");
            release.countDown();
            assertThat(held.rest()).last().isEqualTo("[DONE]");
        }
    }

    @Test
    void aWeightZeroDeploymentIsAStandbyUsedOnlyWhenNoOtherOfTheGroupIsUsable() throws Exception {
        // LLMUX_IT_MISSING_KEY is unset, so provider "keyless" is loaded disabled (SPEC §2)
        gw = start(
                "",
                provider(
                        "up",
                        wireMock(),
                        "{name: standby, model: sb-ok, weight: 1}",
                        "{name: standby, model: sb-spare-ok, weight: 0}",
                        "{name: standby-fail, model: sf-500, weight: 1}",
                        "{name: standby-fail, model: sf-spare-ok, weight: 0}",
                        "{name: lonely, model: lonely-spare-ok, weight: 0}"),
                keyedProvider("keyless", wireMock(), "${LLMUX_IT_MISSING_KEY}", "{name: lonely, model: lonely-ok}"));

        assertAllAnsweredBy(10, "standby", "up/sb-ok");
        assertThat(calls(wm, "sb-spare-ok")).isZero();

        assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat("lonely")), "up/lonely-spare-ok", 1);

        Fixtures.error(gw.post(RoutingStubs.CHAT_PATH, chat("standby-fail")), 502, "api_error");
        assertThat(calls(wm, "sf-spare-ok"))
                .as("a standby never stands in for a real deployment that failed")
                .isZero();
        assertThat(calls(wm, "sf-500")).isEqualTo(2);
    }

    private void assertAllAnsweredBy(int requests, String model, String deployment) throws Exception {
        for (int i = 0; i < requests; i++) {
            assertAnsweredBy(gw.post(RoutingStubs.CHAT_PATH, chat(model)), deployment, 1);
        }
    }

    private static String deploymentOf(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue("x-llmux-deployment").orElseThrow();
    }

    /** @param tagsField a JSON member carrying tags, e.g. {@code "tags":["gpu"]} */
    private static String withTags(String model, String tagsField) {
        return "{\"model\":\"" + model + "\"," + tagsField + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    /**
     * Minute usage is counted per wall-clock minute: three requests straddling its turn would see a fresh minute.
     * They take well under a second, so 5 s of margin is plenty.
     */
    private static void awayFromTheTurnOfTheMinute() throws InterruptedException {
        int second = LocalTime.now(ZoneOffset.UTC).getSecond();
        if (second >= 55) {
            Thread.sleep((61 - second) * 1000L);
        }
    }

    private static String wireMock() {
        return "http://127.0.0.1:" + wm.port() + "/v1";
    }

    private static String provider(String name, String baseUrl, String... models) {
        return keyedProvider(name, baseUrl, "sk-strategies-" + name, models);
    }

    private static String keyedProvider(String name, String baseUrl, String apiKey, String... models) {
        StringBuilder sb = new StringBuilder()
                .append("  - name: ")
                .append(name)
                .append('\n')
                .append("    type: openai\n")
                .append("    api_key: ")
                .append(apiKey)
                .append('\n')
                .append("    base_url: ")
                .append(baseUrl)
                .append('\n')
                // nothing here is slow: a new gateway's cold first call must not time out into a retry
                .append("    timeout: 5s\n")
                .append("    models:\n");
        for (String m : models) {
            sb.append("      - ").append(m).append('\n');
        }
        return sb.toString();
    }

    /** A gateway with these providers; {@code routing} adds lines to the fast retry settings every test shares. */
    private static TestGateway start(String routing, String... providers) throws Exception {
        StringBuilder yaml = new StringBuilder("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                """);
        for (String p : providers) {
            yaml.append(p);
        }
        yaml.append("""
                routing:
                  retry_count: 1
                  retry_backoff: 1ms
                  retry_max_backoff: 20ms
                  cooldown_period: 1s
                """);
        for (String line : routing.lines().toList()) {
            yaml.append("  ").append(line).append('\n');
        }
        return TestGateway.start(yaml.toString());
    }
}
