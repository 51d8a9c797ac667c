package io.llmux;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.llmux.RoutingStubs.assertAnsweredBy;
import static io.llmux.RoutingStubs.calls;
import static io.llmux.RoutingStubs.chat;
import static io.llmux.RoutingStubs.streamChat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §6 retries end to end: a failed attempt goes to another deployment of the group, up to {@code retry_count};
 * a request's own mistake is never retried; a stream is retried only before its first byte; a provider's
 * {@code max_concurrent} sends the excess elsewhere or answers 503, never hangs. Each model group below is one
 * scenario; the weights fix which deployment is tried first.
 */
class RoutingIT {
    private static final String FIRST = "weight: 1000000000";
    private static final String SECOND = "weight: 0.000001";

    private static WireMockServer wm;
    /** Answers a stream's headers and then nothing, until the test class ends. */
    private static ScriptedUpstream stalling;
    /** Sends two events and closes the stream without {@code [DONE]}. */
    private static ScriptedUpstream cutting;
    /** Sends one event, then holds the stream open until {@link #release} opens. */
    private static ScriptedUpstream holding;

    private static final CountDownLatch stallsEnd = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(1);
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        RoutingStubs.install(wm);
        stalling = new ScriptedUpstream(ev -> stallsEnd.await(10, TimeUnit.SECONDS));
        cutting = new ScriptedUpstream(ev -> {
            ev.content("one");
            ev.content("two");
        });
        holding = new ScriptedUpstream(ev -> {
            ev.content("held");
            if (release.await(10, TimeUnit.SECONDS)) {
                ev.done();
            }
        });
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: up
                    type: openai
                    api_key: sk-routing-up
                    base_url: http://127.0.0.1:%d/v1
                    timeout: 300ms
                    stream_timeout: 300ms
                    models:
                      - {name: after-500, model: a-500, %s}
                      - {name: after-500, model: a-ok, %s}
                      - {name: after-reset, model: b-reset, %s}
                      - {name: after-reset, model: b-ok, %s}
                      - {name: after-timeout, model: c-slow, %s}
                      - {name: after-timeout, model: c-ok, %s}
                      - {name: bad-request, model: d-400, %s}
                      - {name: bad-request, model: d-ok, %s}
                      - {name: all-fail, model: e1-500}
                      - {name: all-fail, model: e2-500}
                      - {name: all-fail, model: e3-500}
                      - {name: all-fail, model: e4-500}
                      - {name: stream-stall, model: f-ok, %s}
                      - {name: stream-cut, model: g-ok, %s}
                      - {name: capped-pair, model: h-ok, %s}
                  - name: stalling
                    type: openai
                    api_key: sk-routing-stalling
                    base_url: %s
                    stream_timeout: 300ms
                    models:
                      - {name: stream-stall, model: f-stall, %s}
                  - name: cutting
                    type: openai
                    api_key: sk-routing-cutting
                    base_url: %s
                    models:
                      - {name: stream-cut, model: g-cut, %s}
                  - name: capped
                    type: openai
                    api_key: sk-routing-capped
                    base_url: %s
                    max_concurrent: 1
                    models:
                      - {name: capped-alone, model: h-held}
                      - {name: capped-pair, model: h-held-too, %s}
                routing:
                  retry_count: 2
                  retry_backoff: 1ms
                  retry_max_backoff: 20ms
                  cooldown_period: 1s
                """.formatted(
                        wm.port(),
                        FIRST,
                        SECOND,
                        FIRST,
                        SECOND,
                        FIRST,
                        SECOND,
                        FIRST,
                        SECOND,
                        SECOND,
                        SECOND,
                        SECOND,
                        stalling.baseUrl(),
                        FIRST,
                        cutting.baseUrl(),
                        FIRST,
                        holding.baseUrl(),
                        FIRST));
    }

    @AfterAll
    static void stop() {
        stallsEnd.countDown();
        release.countDown();
        if (gw != null) {
            gw.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {stalling, cutting, holding}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // the upstreams are test scaffolding; a failed close hides nothing the tests check
                }
            }
        }
        if (wm != null) {
            wm.stop();
        }
    }

    @BeforeEach
    void fresh() throws Exception {
        wm.resetRequests();
        gw.clearCooldowns();
        release = new CountDownLatch(1);
    }

    @AfterEach
    void noRequestHitABug() {
        release.countDown();
        assertThat(gw.logs()).as("no request hit a bug (500)").doesNotContain("\"status\":500", "request failed");
    }

    // a failed attempt is retried on another deployment of the group

    @Test
    void aProvider500IsRetriedOnAnotherDeploymentOfTheGroup() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("after-500"));
        assertAnsweredBy(r, "up/a-ok", 2);
        assertThat(r.body()).isEqualTo(Fixtures.openai("chat.json"));
        assertThat(RoutingStubs.modelsCalled(wm)).containsExactly("a-500", "a-ok");
    }

    @Test
    void aConnectionResetIsRetriedOnAnotherDeploymentOfTheGroup() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("after-reset"));
        assertAnsweredBy(r, "up/b-ok", 2);
        assertThat(RoutingStubs.modelsCalled(wm)).containsExactly("b-reset", "b-ok");
    }

    @Test
    void aTimeoutIsRetriedOnAnotherDeploymentOfTheGroup() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("after-timeout"));
        assertAnsweredBy(r, "up/c-ok", 2);
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
                .as("the slow deployment was given up after its 300 ms timeout")
                .isLessThan(Duration.ofMillis(RoutingStubs.SLOW_MILLIS));
        // WireMock journals a request when its answer ends, so the abandoned slow call may be listed last; the
        // two attempts and the answering deployment already say which came first
        assertThat(RoutingStubs.modelsCalled(wm)).containsExactlyInAnyOrder("c-slow", "c-ok");
    }

    @Test
    void aProvider4xxCausedByTheRequestIsNeverRetried() throws Exception {
        JsonNode e = Fixtures.error(gw.post(RoutingStubs.CHAT_PATH, chat("bad-request")), 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("temperature");
        assertThat(RoutingStubs.modelsCalled(wm)).containsExactly("d-400");
    }

    @Test
    void retriesStopAtRetryCountAcrossDistinctDeployments() throws Exception {
        JsonNode e = Fixtures.error(gw.post(RoutingStubs.CHAT_PATH, chat("all-fail")), 502, "api_error");
        assertThat(e.get("message").asText()).contains("500");
        List<String> called = RoutingStubs.modelsCalled(wm);
        assertThat(called).as("1 + retry_count attempts").hasSize(3).doesNotHaveDuplicates();
    }

    // streams: retried only before their first byte

    @Test
    void aStreamWhoseUpstreamFailsBeforeItsFirstEventIsRetriedAndTheClientGetsOneCleanStream() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, streamChat("after-500"));
        assertAnsweredBy(r, "up/a-ok", 2);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        assertThat(Fixtures.dataPayloads(r.body()))
                .isEqualTo(Fixtures.dataPayloads(Fixtures.openai("chat-stream.sse")));
    }

    @Test
    void aStreamThatSendsNothingWithinStreamTimeoutIsRetriedAndTheClientGetsOneCleanStream() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, streamChat("stream-stall"));
        assertAnsweredBy(r, "up/f-ok", 2);
        assertThat(Fixtures.dataPayloads(r.body()))
                .isEqualTo(Fixtures.dataPayloads(Fixtures.openai("chat-stream.sse")));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        assertThat(calls(wm, "f-ok")).isEqualTo(1);
    }

    @Test
    void onceAByteHasBeenSentNoRetryHappensAndACutStreamEndsWithAnErrorEvent() throws Exception {
        HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, streamChat("stream-cut"));
        assertAnsweredBy(r, "cutting/g-cut", 1);
        List<String> events = Fixtures.dataPayloads(r.body());
        assertThat(events).hasSize(3);
        assertThat(events.get(0)).contains("\"one\"");
        assertThat(events.get(1)).contains("\"two\"");
        assertThat(Fixtures.json(events.get(2)).path("error").path("message").asText())
                .isNotBlank();
        assertThat(events).doesNotContain("[DONE]");
        assertThat(calls(wm, "g-ok"))
                .as("the group's other deployment is never called")
                .isZero();
    }

    // a provider's max_concurrent

    @Test
    void overMaxConcurrentAGroupWithNoOtherDeploymentAnswers503AfterABriefWait() throws Exception {
        try (HeldStream held = HeldStream.open(gw, "capped-alone")) {
            assertThat(held.deployment).isEqualTo("capped/h-held");
            long t0 = System.nanoTime();
            HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("capped-alone"));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            JsonNode e = Fixtures.error(r, 503, "api_error");
            assertThat(e.get("message").asText()).contains("max_concurrent");
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(took).as("waited briefly, never hung").isLessThan(Duration.ofSeconds(3));
            release.countDown();
            assertThat(held.rest()).last().isEqualTo("[DONE]");
        }
        assertThat(gw.post(RoutingStubs.CHAT_PATH, streamChat("capped-alone")).statusCode())
                .as("the slot is free again once the stream ended")
                .isEqualTo(200);
    }

    @Test
    void overMaxConcurrentARequestGoesToTheGroupsOtherDeployment() throws Exception {
        try (HeldStream held = HeldStream.open(gw, "capped-pair")) {
            assertThat(held.deployment).isEqualTo("capped/h-held-too");
            HttpResponse<String> r = gw.post(RoutingStubs.CHAT_PATH, chat("capped-pair"));
            assertAnsweredBy(r, "up/h-ok", 2);
            release.countDown();
            assertThat(held.rest()).last().isEqualTo("[DONE]");
        }
    }

    /** A stream the {@code holding} upstream keeps open after its first event, until {@link #release} opens. */
    static final class HeldStream implements AutoCloseable {
        final String deployment;
        private final InputStream body;
        private final BufferedReader in;

        private HeldStream(HttpResponse<InputStream> r) {
            this.deployment = r.headers().firstValue("x-llmux-deployment").orElse("");
            this.body = r.body();
            this.in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        }

        static HeldStream open(TestGateway gw, String model) throws Exception {
            HttpRequest req = HttpRequest.newBuilder(gw.uri(RoutingStubs.CHAT_PATH))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(streamChat(model)))
                    .build();
            HttpResponse<InputStream> r = gw.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            HeldStream s = new HeldStream(r);
            assertThat(s.next())
                    .as("the first event arrived: the stream holds its slot")
                    .contains("\"held\"");
            return s;
        }

        String next() throws Exception {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    return line.substring(6);
                }
            }
            return null;
        }

        List<String> rest() throws Exception {
            List<String> out = new ArrayList<>();
            String d;
            while ((d = next()) != null) {
                out.add(d);
            }
            return out;
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
