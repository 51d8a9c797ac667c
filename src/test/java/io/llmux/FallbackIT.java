package io.llmux;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.llmux.RoutingStubs.assertAnsweredBy;
import static io.llmux.RoutingStubs.calls;
import static io.llmux.RoutingStubs.chat;
import static io.llmux.RoutingStubs.modelsCalled;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §6 fallbacks end to end: when a group is exhausted its {@code fallbacks} are tried in order, a prompt too long
 * for the model goes to {@code context_window_fallbacks} instead (also when a deployment's {@code max_input_tokens}
 * shows it before anything is sent), and a request's own mistake goes nowhere else. Each model group below is one
 * scenario; {@code retry_count: 1} gives every group two attempts, and the weights fix which deployment goes first.
 * No deployment here is slow, so the provider timeout is generous: a cold first call must not turn into a retry.
 */
class FallbackIT {
    private static final String FIRST = "weight: 1000000000";
    private static final String SECOND = "weight: 0.000001";
    /** Well over the {@code max_input_tokens: 50} below: about 100 tokens at four characters a token. */
    private static final String LONG_PROMPT = "lorem ipsum ".repeat(34);

    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        RoutingStubs.install(wm);
        gw = TestGateway.start(config(wm.port(), true));
    }

    /** The one config of this class; {@code fallback_enabled} is the only thing a test changes. */
    private static String config(int port, boolean fallbackEnabled) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: up
                    type: openai
                    api_key: sk-fallback-up
                    base_url: http://127.0.0.1:%d/v1
                    timeout: 5s
                    models:
                      - {name: primary, model: p1-500, %s}
                      - {name: primary, model: p2-500, %s}
                      - {name: fb-down, model: fd-500}
                      - {name: fb-up, model: fu-ok}
                      - {name: fb-spare, model: fs-ok}
                      - {name: aliased, model: al-500}
                      - {name: narrow, model: n-ctx, %s}
                      - {name: narrow, model: n-ok, %s}
                      - {name: narrow-only, model: no-ctx, %s}
                      - {name: narrow-only, model: no-ok, %s}
                      - {name: wide, model: w-ok}
                      - {name: capped-in, model: ci-ok, max_input_tokens: 50}
                      - {name: capped-in-alone, model: cia-ok, max_input_tokens: 50}
                      - {name: mixed-in, model: mi-tiny-ok, max_input_tokens: 50, %s}
                      - {name: mixed-in, model: mi-roomy-ok, %s}
                      - {name: picky, model: pk-400, %s}
                      - {name: picky, model: pk-ok, %s}
                routing:
                  fallback_enabled: %s
                  retry_count: 1
                  retry_backoff: 1ms
                  retry_max_backoff: 20ms
                  cooldown_period: 1s
                  fallbacks:
                    primary: [fb-down, fb-up, fb-spare]
                    aliased: [fb-up]
                    narrow: [fb-up]
                    narrow-only: [fb-up]
                    capped-in-alone: [fb-up]
                    picky: [fb-up]
                  context_window_fallbacks:
                    narrow: [wide]
                    capped-in: [wide]
                  aliases:
                    house: aliased
                    quick: fb-up
                """.formatted(
                port, FIRST, SECOND, FIRST, SECOND, FIRST, SECOND, FIRST, SECOND, FIRST, SECOND, fallbackEnabled);
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

    @BeforeEach
    void fresh() throws Exception {
        wm.resetRequests();
        gw.clearCooldowns();
    }

    @AfterEach
    void noRequestHitABug() {
        assertThat(gw.logs()).as("no request hit a bug (500)").doesNotContain("\"status\":500", "request failed");
    }

    @Test
    void anExhaustedGroupFallsBackInOrderAndTheFirstWorkingFallbackAnswers() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("primary"));

        assertAnsweredBy(r, "up/fu-ok", 5);
        assertThat(r.headers().firstValue("x-llmux-fallback")).hasValue("fb-up");
        assertThat(r.body()).isEqualTo(Fixtures.openai("chat.json"));
        assertThat(modelsCalled(wm))
                .as("both of primary's attempts, then fb-down's two, then fb-up; fb-spare is never needed")
                .containsExactly("p1-500", "p2-500", "fd-500", "fd-500", "fu-ok");
    }

    @Test
    void aGroupWhoseEveryDeploymentCoolsFallsBackWithoutCallingIt() throws Exception {
        assertThat(RoutingStubs.coolDown(gw, "up/al-500", 60).statusCode()).isEqualTo(200);

        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("aliased"));

        assertAnsweredBy(r, "up/fu-ok", 1);
        assertThat(r.headers().firstValue("x-llmux-fallback")).hasValue("fb-up");
        assertThat(modelsCalled(wm)).containsExactly("fu-ok");
    }

    @Test
    void aStreamWhoseGroupFailsBeforeItsFirstByteIsAnsweredByTheFallbackAsOneCleanStream() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, RoutingStubs.streamChat("aliased"));

        assertAnsweredBy(r, "up/fu-ok", 3);
        assertThat(r.headers().firstValue("x-llmux-fallback")).hasValue("fb-up");
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        assertThat(Fixtures.dataPayloads(r.body()))
                .isEqualTo(Fixtures.dataPayloads(Fixtures.openai("chat-stream.sse")));
        assertThat(modelsCalled(wm)).containsExactly("al-500", "al-500", "fu-ok");
    }

    @Test
    void withFallbacksDisabledTheClientGetsTheGroupsError() throws Exception {
        try (TestGateway noFallbacks = TestGateway.start(config(wm.port(), false))) {
            HttpResponse<String> r = noFallbacks.post(RoutingStubs.CHAT_PATH, chat("primary"));

            JsonNode e = Fixtures.error(r, 502, "api_error");
            assertThat(e.get("code").asText()).isEqualTo("provider_error");
            assertThat(e.get("message").asText()).contains("500");
            assertThat(r.headers().firstValue("x-llmux-fallback")).isEmpty();
            assertThat(r.headers().firstValue("x-llmux-attempts")).hasValue("2");
            assertThat(modelsCalled(wm)).containsExactly("p1-500", "p2-500");
            assertThat(noFallbacks.logs()).doesNotContain("\"status\":500", "request failed");
        }
    }

    @Test
    void anAliasResolvesToItsGroupAndThatGroupsFallbacksApply() throws Exception {
        HttpResponse<String> direct = gw.post(RoutingStubs.CHAT_PATH, chat("quick"));
        assertAnsweredBy(direct, "up/fu-ok", 1);
        assertThat(direct.headers().firstValue("x-llmux-fallback")).isEmpty();
        assertThat(modelsCalled(wm)).containsExactly("fu-ok");

        wm.resetRequests();
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("house"));
        assertAnsweredBy(r, "up/fu-ok", 3);
        assertThat(r.headers().firstValue("x-llmux-fallback")).hasValue("fb-up");
        assertThat(modelsCalled(wm)).containsExactly("al-500", "al-500", "fu-ok");
    }

    @Test
    void aContextLengthErrorGoesToTheContextWindowFallbackNotThePlainOne() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("narrow"));

        assertAnsweredBy(r, "up/w-ok", 2);
        assertThat(r.headers().firstValue("x-llmux-fallback")).hasValue("wide");
        assertThat(modelsCalled(wm))
                .as("no retry in the group (n-ok would refuse the prompt the same way), no plain fallback")
                .containsExactly("n-ctx", "w-ok");
    }

    @Test
    void aContextLengthErrorWithoutAContextWindowFallbackIsThe400ItselfAndIsNotRetried() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("narrow-only"));

        JsonNode e = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.get("param").asText()).isEqualTo("messages");
        assertThat(e.get("message").asText()).contains("maximum context length");
        assertThat(r.headers().firstValue("x-llmux-fallback")).isEmpty();
        assertThat(modelsCalled(wm)).containsExactly("no-ctx");
    }

    @Test
    void aPromptOverMaxInputTokensIsNeverSentToThatDeploymentAndGoesToTheContextWindowFallback() throws Exception {
        HttpResponse<String> big = gw.post(RoutingStubs.CHAT_PATH, chatSaying("capped-in", LONG_PROMPT));
        assertAnsweredBy(big, "up/w-ok", 1);
        assertThat(big.headers().firstValue("x-llmux-fallback")).hasValue("wide");
        assertThat(modelsCalled(wm)).containsExactly("w-ok");

        wm.resetRequests();
        HttpResponse<String> small = gw.post(RoutingStubs.CHAT_PATH, chat("capped-in"));
        assertAnsweredBy(small, "up/ci-ok", 1);
        assertThat(small.headers().firstValue("x-llmux-fallback")).isEmpty();
        assertThat(modelsCalled(wm)).containsExactly("ci-ok");
    }

    @Test
    void aPromptOverOneDeploymentsMaxInputTokensGoesToAnotherOfTheGroupThatFits() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chatSaying("mixed-in", LONG_PROMPT));

        assertAnsweredBy(r, "up/mi-roomy-ok", 1);
        assertThat(r.headers().firstValue("x-llmux-fallback")).isEmpty();
        assertThat(modelsCalled(wm))
                .as("the tiny one is skipped although its weight would nearly always pick it")
                .containsExactly("mi-roomy-ok");
    }

    @Test
    void aPromptOverEveryMaxInputTokensWithoutAContextWindowFallbackIs400AndNothingIsSent() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chatSaying("capped-in-alone", LONG_PROMPT));

        JsonNode e = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.get("message").asText()).contains("max_input_tokens", "capped-in-alone");
        assertThat(modelsCalled(wm))
                .as("neither the deployment nor the plain fallback")
                .isEmpty();
    }

    @Test
    void aRequestCaused400IsNotSentToFallbacks() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("picky"));

        JsonNode e = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("temperature");
        assertThat(r.headers().firstValue("x-llmux-fallback")).isEmpty();
        assertThat(modelsCalled(wm)).containsExactly("pk-400");
        assertThat(calls(wm, "fu-ok")).isZero();
    }

    private static String chatSaying(String model, String content) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
    }
}
