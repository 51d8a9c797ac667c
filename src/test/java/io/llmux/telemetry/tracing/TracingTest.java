package io.llmux.telemetry.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.config.TracingConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.Exchange;
import io.llmux.provider.Failure;
import io.llmux.wire.Json;
import io.llmux.wire.RequestShape;
import io.llmux.wire.Usage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SPEC §10 tracing: a server span per request, a client span per attempt, W3C context in and out. */
class TracingTest {
    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";
    private static final String CLIENT_PARENT = "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01";
    private static final DeploymentConfig MODEL = DeploymentConfig.of("fast", "gpt-4o-mini", 1.0, List.of());
    private static final ProviderConfig OPENAI = provider(ProviderType.OPENAI, URI.create("https://api.openai.com/v1"));
    private static final String ANSWER = """
            {"id":"c1","object":"chat.completion","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,
             "message":{"role":"assistant","content":"a secret answer"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}""";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private Tracing tracing;

    @AfterEach
    void close() {
        if (tracing != null) {
            tracing.close();
        }
    }

    @Test
    void offHandsOutNothingAndForwardsNoContextOfItsOwn() {
        tracing = Tracing.of(config(false, 1.0), Optional.of(exported));
        RequestSpan span = tracing.start(Endpoint.CHAT, "r1", Map.of("traceparent", CLIENT_PARENT)::get);
        Exchange ex = exchange(Map.of());
        span.attach(ex);

        assertThat(tracing.enabled()).isFalse();
        assertThat(span).isSameAs(RequestSpan.NONE);
        assertThat(ex.span()).isSameAs(RequestSpan.NONE);
        assertThat(span.attempt(OPENAI, MODEL, "openai/gpt-4o-mini")).isSameAs(AttemptSpan.NONE);
        assertThat(AttemptSpan.NONE.traceparent()).isNull();
        assertThat(ex.traceId()).isEmpty();
    }

    @Test
    void aRequestHasAServerSpanAndEachAttemptAClientChild() {
        tracing = Tracing.of(config(true, 1.0), Optional.of(exported));
        Exchange ex = exchange(Map.of());
        RequestSpan span = tracing.start(Endpoint.CHAT, "req-42", ex::header);
        span.attach(ex);
        ex.model("fast");
        ex.deployment("openai/gpt-4o-mini");
        ex.deploymentConfig(MODEL);
        ex.attempts(2);

        AttemptSpan failed = ex.span().attempt(OPENAI, MODEL, "openai/gpt-4o-mini");
        failed.failed(Failure.RATE_LIMITED, 429);
        AttemptSpan answered = ex.span().attempt(OPENAI, MODEL, "openai/gpt-4o-mini");
        answered.answered(ANSWER.getBytes(StandardCharsets.UTF_8), new Usage(12, 3, 0));
        ex.usage(new Usage(12, 3, 0));
        span.end(ex, 200, null);
        tracing.flush();

        SpanData server = only(SpanKind.SERVER);
        List<SpanData> clients = all(SpanKind.CLIENT);
        assertThat(ex.traceId()).isEqualTo(server.getTraceId()).hasSize(32);
        assertThat(server.getName()).isEqualTo("chat fast");
        assertThat(server.getParentSpanContext().isValid()).isFalse();
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(server.getAttributes().asMap())
                .containsEntry(GenAi.OPERATION, "chat")
                .containsEntry(GenAi.SYSTEM, "openai")
                .containsEntry(GenAi.PROVIDER, "openai")
                .containsEntry(GenAi.REQUEST_MODEL, "fast")
                .containsEntry(GenAi.RESPONSE_MODEL, "gpt-4o-mini-2024-07-18")
                .containsEntry(GenAi.FINISH_REASONS, List.of("stop"))
                .containsEntry(GenAi.INPUT_TOKENS, 12L)
                .containsEntry(GenAi.OUTPUT_TOKENS, 3L)
                .containsEntry(GenAi.HTTP_STATUS, 200L)
                .containsEntry(GenAi.REQUEST_ID, "req-42")
                .containsEntry(GenAi.DEPLOYMENT, "openai/gpt-4o-mini")
                .containsEntry(GenAi.ATTEMPTS, 2L);

        assertThat(clients).hasSize(2).allSatisfy(c -> {
            assertThat(c.getTraceId()).isEqualTo(server.getTraceId());
            assertThat(c.getParentSpanId()).isEqualTo(server.getSpanId());
            assertThat(c.getName()).isEqualTo("chat gpt-4o-mini");
            assertThat(c.getAttributes().asMap())
                    .containsEntry(GenAi.SYSTEM, "openai")
                    .containsEntry(GenAi.REQUEST_MODEL, "gpt-4o-mini")
                    .containsEntry(GenAi.SERVER_ADDRESS, "api.openai.com")
                    .containsEntry(GenAi.SERVER_PORT, 443L)
                    .containsEntry(GenAi.DEPLOYMENT, "openai/gpt-4o-mini");
        });
        SpanData first = clients.stream()
                .filter(c -> c.getStatus().getStatusCode() == StatusCode.ERROR)
                .findFirst()
                .orElseThrow();
        assertThat(first.getAttributes().asMap())
                .containsEntry(GenAi.HTTP_STATUS, 429L)
                .containsEntry(GenAi.ERROR_TYPE, "rate_limited");
        assertThat(failed.traceparent()).startsWith("00-" + first.getTraceId() + "-" + first.getSpanId() + "-");
        assertThat(sampled(failed.traceparent())).isTrue();
        assertThat(answered.traceparent()).isNotEqualTo(failed.traceparent());
    }

    @Test
    void answersAndKeysNeverBecomeAttributes() {
        tracing = Tracing.of(config(true, 1.0), Optional.of(exported));
        Exchange ex = exchange(Map.of("authorization", "Bearer sk-client-secret"));
        ex.accept(
                Json.MAPPER.createObjectNode().put("model", "fast").put("prompt_field", "a secret prompt"),
                new RequestShape("fast", false, false, List.of(), RequestShape.CacheControl.NONE));
        RequestSpan span = tracing.start(Endpoint.CHAT, "r", ex::header);
        span.attach(ex);
        span.attempt(OPENAI, MODEL, "openai/gpt-4o-mini").answered(ANSWER.getBytes(StandardCharsets.UTF_8), Usage.NONE);
        span.end(ex, 200, null);
        tracing.flush();

        assertThat(exported.getFinishedSpanItems())
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.getAttributes().asMap().values().toString())
                        .doesNotContain("secret"));
    }

    @Test
    void aServerErrorMarksTheSpanFailedAClientErrorDoesNot() {
        tracing = Tracing.of(config(true, 1.0), Optional.of(exported));
        tracing.start(Endpoint.EMBEDDINGS, "a", h -> null).end(exchange(Map.of()), 503, "all_deployments_cooling");
        tracing.start(Endpoint.COMPLETIONS, "b", h -> null).end(exchange(Map.of()), 429, "rate_limited");
        tracing.start(Endpoint.CHAT, "c", h -> null).end(null, 500, null);
        tracing.flush();

        assertThat(byRequestId("a").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(byRequestId("a").getAttributes().get(GenAi.ERROR_TYPE)).isEqualTo("all_deployments_cooling");
        assertThat(byRequestId("a").getAttributes().get(GenAi.OPERATION)).isEqualTo("embeddings");
        assertThat(byRequestId("b").getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(byRequestId("b").getAttributes().get(GenAi.OPERATION)).isEqualTo("text_completion");
        assertThat(byRequestId("c").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(byRequestId("c").getAttributes().get(GenAi.ERROR_TYPE)).isEqualTo("500");
    }

    @Test
    void anAdapterThatThrowsLeavesAFailedAttemptNamingOnlyTheExceptionClass() {
        tracing = Tracing.of(config(true, 1.0), Optional.of(exported));
        RequestSpan span = tracing.start(Endpoint.CHAT, "r", h -> null);
        span.attempt(OPENAI, MODEL, "openai/gpt-4o-mini")
                .crashed(new IllegalStateException("upstream said sk-leaked-in-a-message"));
        span.end(null, 500, null);
        tracing.flush();

        SpanData client = only(SpanKind.CLIENT);
        assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(client.getAttributes().get(GenAi.ERROR_TYPE)).isEqualTo("java.lang.IllegalStateException");
        assertThat(client.getEvents()).isEmpty();
    }

    @Test
    void sampleRateZeroExportsNothingAndLogsNoTraceId() {
        tracing = Tracing.of(config(true, 0.0), Optional.of(exported));
        Exchange ex = exchange(Map.of());
        RequestSpan span = tracing.start(Endpoint.CHAT, "r", ex::header);
        span.attach(ex);
        AttemptSpan attempt = span.attempt(OPENAI, MODEL, "openai/gpt-4o-mini");
        attempt.answered(ANSWER.getBytes(StandardCharsets.UTF_8), Usage.NONE);
        span.end(ex, 200, null);
        tracing.flush();

        assertThat(exported.getFinishedSpanItems()).isEmpty();
        assertThat(ex.traceId()).isEmpty();
        assertThat(attempt.traceparent()).as("context still flows").startsWith("00-");
        assertThat(sampled(attempt.traceparent())).as("marked not sampled").isFalse();
    }

    @Test
    void theClientsTraceparentIsTheParentAndItsTracestateTravelsOn() {
        tracing = Tracing.of(config(true, 0.0), Optional.of(exported));
        Exchange ex = exchange(Map.of("traceparent", CLIENT_PARENT, "tracestate", "vendor=abc"));
        RequestSpan span = tracing.start(Endpoint.CHAT, "r", ex::header);
        span.attach(ex);
        AttemptSpan attempt = span.attempt(OPENAI, MODEL, "openai/gpt-4o-mini");
        attempt.failed(Failure.TRANSIENT, 0);
        span.end(ex, 502, "upstream_error");
        tracing.flush();

        SpanData server = only(SpanKind.SERVER);
        SpanData client = only(SpanKind.CLIENT);
        assertThat(server.getTraceId())
                .as("a sampled parent is followed even at sample_rate 0")
                .isEqualTo(CLIENT_TRACE);
        assertThat(server.getParentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(ex.traceId()).isEqualTo(CLIENT_TRACE);
        assertThat(attempt.traceparent()).isEqualTo("00-" + CLIENT_TRACE + "-" + client.getSpanId() + "-01");
        assertThat(attempt.tracestate()).isEqualTo("vendor=abc");
    }

    @Test
    void aStreamedAttemptEndsWhenTheStreamCloses() throws Exception {
        tracing = Tracing.of(config(true, 1.0), Optional.of(exported));
        Exchange ex = exchange(Map.of());
        RequestSpan span = tracing.start(Endpoint.CHAT, "r", ex::header);
        span.attach(ex);
        var events = span.attempt(OPENAI, MODEL, "openai/gpt-4o-mini").streamed(new OneEvent());
        tracing.flush();
        assertThat(exported.getFinishedSpanItems()).as("open while streaming").isEmpty();

        events.next();
        events.close();
        flushUntilExported(1);
        assertThat(only(SpanKind.CLIENT).getAttributes().asMap())
                .containsEntry(GenAi.INPUT_TOKENS, 5L)
                .containsEntry(GenAi.OUTPUT_TOKENS, 7L);
    }

    @Test
    void anAnswerThatIsNotJsonLeavesTheFieldsOut() {
        assertThat(AnswerFields.read("not json".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(AnswerFields.NONE);
        assertThat(AnswerFields.read("{\"choices\":[{\"finish_reason\":\"length\"},{\"finish_reason\":\"stop\"}]}"
                        .getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new AnswerFields(null, List.of("length", "stop")));
    }

    @Test
    void shutdownOfAnUnreachableCollectorIsBounded() {
        tracing = Tracing.of(
                new TracingConfig(
                        true, "http://127.0.0.1:9/v1/traces", TracingConfig.Protocol.HTTP_PROTOBUF, "t", 1, true),
                Optional.empty());
        tracing.start(Endpoint.CHAT, "r", h -> null).end(null, 200, null);
        long started = System.nanoTime();
        tracing.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Tracing.EXPORT_TIMEOUT.multipliedBy(3));
    }

    /**
     * Flushes until {@code count} spans are out. A flush right after another can be answered with the earlier flush's
     * result: the SDK's worker completes that result before it clears it, so the second request is not queued.
     */
    private void flushUntilExported(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Tracing.EXPORT_TIMEOUT.toNanos();
        tracing.flush();
        while (exported.getFinishedSpanItems().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
            tracing.flush();
        }
    }

    /** The sampled bit of a traceparent's flags (the SDK also sets the level-2 random bit). */
    private static boolean sampled(String traceparent) {
        return (Integer.parseInt(traceparent.substring(traceparent.length() - 2), 16) & 1) == 1;
    }

    private SpanData only(SpanKind kind) {
        assertThat(all(kind)).hasSize(1);
        return all(kind).get(0);
    }

    private List<SpanData> all(SpanKind kind) {
        return exported.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == kind)
                .toList();
    }

    private SpanData byRequestId(String id) {
        return exported.getFinishedSpanItems().stream()
                .filter(s -> id.equals(s.getAttributes().get(AttributeKey.stringKey("llmux.request_id"))))
                .findFirst()
                .orElseThrow();
    }

    private static Exchange exchange(Map<String, String> headers) {
        return new Exchange("r", Endpoint.CHAT, new byte[0], headers::get, 0);
    }

    private static TracingConfig config(boolean enabled, double sampleRate) {
        return new TracingConfig(
                enabled, "unused:4318", TracingConfig.Protocol.HTTP_PROTOBUF, "llmux-test", sampleRate, true);
    }

    private static ProviderConfig provider(ProviderType type, URI baseUrl) {
        return new ProviderConfig(
                "openai",
                type,
                "sk-key",
                null,
                baseUrl,
                null,
                null,
                null,
                10,
                Map.of(),
                1.0,
                List.of(),
                List.of(MODEL),
                null);
    }

    /** A stream of one chunk whose usage is known once it was read. */
    private static final class OneEvent implements io.llmux.pipeline.EventStream {
        private boolean read;

        @Override
        public byte[] next() {
            if (read) {
                return null;
            }
            read = true;
            return "{}".getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public Usage usage() {
            return read ? new Usage(5, 7, 0) : Usage.NONE;
        }

        @Override
        public void close() {}
    }
}
