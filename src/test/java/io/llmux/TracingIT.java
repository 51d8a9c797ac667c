package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §10 tracing through a running gateway: a SERVER span per request, a CLIENT span per upstream attempt, the
 * client's {@code traceparent} honoured and the attempt's sent upstream, and export over OTLP/HTTP that never holds
 * a request up.
 */
class TracingIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String PROVIDER_KEY = "sk-tracing-provider-5d2e8a";

    private static WireMockServer wm;
    private static AwaitedSpans spans;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .atPriority(1)
                .withHeader("Accept", containing("text/event-stream"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/event-stream")
                        .withBody(Fixtures.openai("chat-stream-usage.sse"))));
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .atPriority(5)
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody(Fixtures.openai("chat.json"))));
        wm.stubFor(post(urlEqualTo("/broken/v1/chat/completions"))
                .willReturn(aResponse()
                        .withStatus(500)
                        .withHeader("Content-Type", "application/json")
                        .withBody(Fixtures.openai("error-500.json"))));
        wm.stubFor(post(urlEqualTo("/v1/traces")).willReturn(aResponse().withStatus(200)));
        spans = new AwaitedSpans();
        gw = TestGateway.startTraced(config("http://127.0.0.1:1/v1/traces"), spans);
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

    private static String config(String tracesEndpoint) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: up
                    type: openai
                    api_key: %s
                    base_url: http://127.0.0.1:%d/v1
                    models:
                      - {name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18}
                  - name: broken
                    type: openai
                    api_key: %s
                    base_url: http://127.0.0.1:%d/broken/v1
                    models:
                      - {name: flaky, model: flaky-1}
                routing:
                  retry_count: 1
                  retry_backoff: 1ms
                  allowed_fails: 100
                tracing:
                  enabled: true
                  protocol: http/protobuf
                  endpoint: %s
                  service_name: llmux-tracing-it
                """.formatted(PROVIDER_KEY, wm.port(), PROVIDER_KEY, wm.port(), tracesEndpoint);
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\","
                + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"a private prompt\"}]}";
    }

    /** A traceparent of a fresh trace, sampled, so each test finds its own spans by trace id. */
    private static String clientTraceparent(String traceId, String spanId) {
        return "00-" + traceId + "-" + spanId + "-01";
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1;
        return HexFormat.of().formatHex(b);
    }

    private static List<SpanData> trace(String traceId, int count) throws InterruptedException {
        List<SpanData> found = spans.await(count, s -> s.getTraceId().equals(traceId), WAIT);
        assertThat(found).as("spans of trace " + traceId).hasSize(count);
        return found;
    }

    private static SpanData one(List<SpanData> spans, SpanKind kind) {
        List<SpanData> of = spans.stream().filter(s -> s.getKind() == kind).toList();
        assertThat(of).hasSize(1);
        return of.get(0);
    }

    @Test
    void aRequestIsAServerSpanUnderTheClientsTraceparentWithAClientSpanPerAttempt() throws Exception {
        String traceId = hex(16);
        String parentId = hex(8);
        HttpResponse<String> r = gw.post(
                "/v1/chat/completions",
                chat("gpt-4o-mini", false),
                "traceparent",
                clientTraceparent(traceId, parentId),
                "tracestate",
                "vendor=1",
                "x-request-id",
                "trace-it-1");
        assertThat(r.statusCode()).isEqualTo(200);

        List<SpanData> found = trace(traceId, 2);
        SpanData server = one(found, SpanKind.SERVER);
        SpanData client = one(found, SpanKind.CLIENT);
        assertThat(server.getParentSpanId()).isEqualTo(parentId);
        assertThat(server.getName()).isEqualTo("chat gpt-4o-mini");
        assertThat(server.getAttributes().asMap())
                .containsEntry(AttributeKey.stringKey("gen_ai.operation.name"), "chat")
                .containsEntry(AttributeKey.stringKey("gen_ai.system"), "openai")
                .containsEntry(AttributeKey.stringKey("gen_ai.request.model"), "gpt-4o-mini")
                .containsEntry(AttributeKey.stringKey("gen_ai.response.model"), "gpt-4o-mini-2024-07-18")
                .containsEntry(AttributeKey.longKey("gen_ai.usage.input_tokens"), 1262L)
                .containsEntry(AttributeKey.longKey("gen_ai.usage.output_tokens"), 8L)
                .containsEntry(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop"))
                .containsEntry(AttributeKey.longKey("http.response.status_code"), 200L)
                .containsEntry(AttributeKey.stringKey("llmux.request_id"), "trace-it-1");
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(client.getName()).isEqualTo("chat gpt-4o-mini-2024-07-18");
        assertThat(client.getAttributes().asMap())
                .containsEntry(AttributeKey.stringKey("server.address"), "127.0.0.1")
                .containsEntry(AttributeKey.stringKey("llmux.deployment"), "up/gpt-4o-mini-2024-07-18");

        LoggedRequest up = wm.findAll(postRequestedFor(urlEqualTo("/v1/chat/completions"))).stream()
                .filter(q -> q.getHeader("traceparent") != null
                        && q.getHeader("traceparent").contains(traceId))
                .findFirst()
                .orElseThrow();
        assertThat(up.getHeader("traceparent"))
                .as("the upstream's parent is the attempt's span")
                .isEqualTo("00-" + traceId + "-" + client.getSpanId() + "-01");
        assertThat(up.getHeader("tracestate")).isEqualTo("vendor=1");
        for (SpanData s : found) {
            assertThat(s.getAttributes().asMap().values().toString())
                    .doesNotContain("private prompt")
                    .doesNotContain("capital of France")
                    .doesNotContain(PROVIDER_KEY);
        }
    }

    @Test
    void aStreamsServerSpanEndsWithTheStreamAndCarriesItsUsage() throws Exception {
        String traceId = hex(16);
        HttpResponse<String> r = gw.post(
                "/v1/chat/completions", chat("gpt-4o-mini", true), "traceparent", clientTraceparent(traceId, hex(8)));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("[DONE]");

        List<SpanData> found = trace(traceId, 2);
        SpanData server = one(found, SpanKind.SERVER);
        SpanData client = one(found, SpanKind.CLIENT);
        assertThat(server.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")))
                .isPositive();
        assertThat(client.getEndEpochNanos()).isLessThanOrEqualTo(server.getEndEpochNanos());
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void anUpstreamFailureMarksEachAttemptAndTheRequestFailed() throws Exception {
        String traceId = hex(16);
        HttpResponse<String> r = gw.post(
                "/v1/chat/completions", chat("flaky", false), "traceparent", clientTraceparent(traceId, hex(8)));
        assertThat(r.statusCode()).isGreaterThanOrEqualTo(500);

        List<SpanData> found = trace(traceId, 3);
        SpanData server = one(found, SpanKind.SERVER);
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .isEqualTo(r.statusCode());
        List<SpanData> attempts =
                found.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
        assertThat(attempts).hasSize(2).allSatisfy(a -> {
            assertThat(a.getParentSpanId()).isEqualTo(server.getSpanId());
            assertThat(a.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(a.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                    .isEqualTo(500L);
        });
    }

    @Test
    void spansGoToAnOtlpHttpReceiverAsProtobuf() throws Exception {
        wm.resetRequests();
        try (TestGateway exporting = TestGateway.start(config("http://127.0.0.1:" + wm.port() + "/v1/traces"))) {
            assertThat(exporting
                            .post("/v1/chat/completions", chat("gpt-4o-mini", false))
                            .statusCode())
                    .isEqualTo(200);
            Fixtures.await(
                    () -> !wm.findAll(postRequestedFor(urlPathEqualTo("/v1/traces")))
                            .isEmpty(),
                    WAIT,
                    "an OTLP export");
        }
        LoggedRequest export =
                wm.findAll(postRequestedFor(urlPathEqualTo("/v1/traces"))).get(0);
        assertThat(export.getHeader("Content-Type")).isEqualTo("application/x-protobuf");
        String body = new String(export.getBody(), StandardCharsets.ISO_8859_1);
        assertThat(body)
                .contains("llmux-tracing-it")
                .contains("chat gpt-4o-mini")
                .doesNotContain(PROVIDER_KEY);
    }

    @Test
    void aCollectorThatIsDownNeverSlowsRequests() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (TestGateway exporting = TestGateway.start(config("http://127.0.0.1:" + closed))) {
            assertFast(exporting, "exports are refused");
        }
    }

    @Test
    void aCollectorThatHangsNeverSlowsRequests() throws Exception {
        CountDownLatch exporting = new CountDownLatch(1);
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket hanging = new ServerSocket(0)) {
            // takes each export's connection and never answers, so the export waits for its whole timeout
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(hanging.accept());
                        exporting.countDown();
                    }
                } catch (IOException closedAtEnd) {
                    // the test is over
                }
            });
            try (TestGateway gateway = TestGateway.start(config("http://127.0.0.1:" + hanging.getLocalPort()))) {
                assertThat(gateway.post("/v1/chat/completions", chat("gpt-4o-mini", false))
                                .statusCode())
                        .isEqualTo(200);
                assertThat(exporting.await(WAIT.toSeconds(), TimeUnit.SECONDS))
                        .as("an export reached the collector")
                        .isTrue();
                assertFast(gateway, "an export hangs");
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    /**
     * 20 requests in well under the exporter's 5 s timeout: one request waiting on an export would take that alone.
     * The bound is loose on purpose; what it catches is a request blocked behind the collector.
     */
    private static void assertFast(TestGateway gateway, String while_) throws Exception {
        long started = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertThat(gateway.post("/v1/chat/completions", chat("gpt-4o-mini", false))
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("20 requests while " + while_)
                .isLessThan(Duration.ofSeconds(5));
    }
}
