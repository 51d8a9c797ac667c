package io.llmux.provider.gemini;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.gemini.GeminiTesting.CLOCK;
import static io.llmux.provider.gemini.GeminiTesting.KEY;
import static io.llmux.provider.gemini.GeminiTesting.STREAM;
import static io.llmux.provider.gemini.GeminiTesting.call;
import static io.llmux.provider.gemini.GeminiTesting.config;
import static io.llmux.provider.gemini.GeminiTesting.drain;
import static io.llmux.provider.gemini.GeminiTesting.events;
import static io.llmux.provider.gemini.GeminiTesting.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.llmux.GatewayException;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.HttpClients;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.wire.Usage;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gemini adapter's streams: chunk order, tool calls, usage, the end of the body, errors in the stream. */
class GeminiStreamTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    private static final String BODY =
            "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}],\"stream\":true}";

    private final List<GeminiProvider> providers = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @AfterEach
    void closeAll() {
        streams.forEach(EventStream::close);
        providers.forEach(GeminiProvider::close);
    }

    @AfterAll
    static void stopWatchdog() {
        WATCHDOG.close();
    }

    private EventStream open(Call call) throws ProviderFailure {
        ProviderConfig config = config(URI.create(UPSTREAM.baseUrl()), Duration.ofSeconds(5), Map.of());
        GeminiProvider provider = new GeminiProvider(config, HttpClients.forProvider(config), WATCHDOG, 1 << 20, CLOCK);
        providers.add(provider);
        EventStream events = ((Answer.Streamed) provider.call(call)).events();
        streams.add(events);
        return events;
    }

    private static Call stream(boolean clientWantsUsage) {
        return call(Endpoint.CHAT, BODY, true, clientWantsUsage);
    }

    private static void upstream(String fixture) {
        UPSTREAM.stubFor(post(urlEqualTo(STREAM)).willReturn(events(fixture)));
    }

    private static void upstreamBody(String sse) {
        UPSTREAM.stubFor(post(urlEqualTo(STREAM))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/event-stream")
                        .withBody(sse)));
    }

    @Test
    void chunksComeRoleFirstThenContentThenFinishWithoutUsageUnlessAsked() throws Exception {
        upstream("stream.sse");
        EventStream events = open(stream(false));
        List<JsonNode> chunks = drain(events);

        UPSTREAM.verify(postRequestedFor(urlEqualTo(STREAM))
                .withHeader("x-goog-api-key", equalTo(KEY))
                .withHeader("Accept", equalTo("text/event-stream")));
        assertThat(chunks).hasSize(5);
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(chunks.subList(1, 4))
                .extracting(c -> c.at("/choices/0/delta/content").asText())
                .containsExactly("The", " sky is blue because air", " scatters blue light the most.");
        assertThat(chunks.subList(0, 4))
                .allSatisfy(c ->
                        assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue());
        assertThat(chunks.get(4).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("model").asText()).isEqualTo("gemini-2.0-flash");
            assertThat(c.get("id").asText()).isEqualTo(chunks.get(0).get("id").asText());
            assertThat(c.has("usage")).isFalse();
        });
        assertThat(events.usage()).as("counted even when not forwarded").isEqualTo(new Usage(9, 12, 0));
    }

    @Test
    void theUsageChunkComesLastWhenTheClientAsked() throws Exception {
        upstream("stream.sse");
        List<JsonNode> chunks = drain(open(stream(true)));
        assertThat(chunks).hasSize(6);
        JsonNode usage = chunks.get(5);
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/prompt_tokens").asLong()).isEqualTo(9);
        assertThat(usage.at("/usage/completion_tokens").asLong()).isEqualTo(12);
        assertThat(usage.at("/usage/total_tokens").asLong()).isEqualTo(21);
    }

    @Test
    void functionCallsStreamAsIndexedToolCallsWithUniqueIds() throws Exception {
        upstream("stream-function-call.sse");
        List<JsonNode> chunks = drain(open(stream(false)));

        assertThat(chunks).hasSize(6);
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        JsonNode first = chunks.get(1).at("/choices/0/delta/tool_calls/0");
        assertThat(first.get("index").asInt()).isZero();
        assertThat(first.at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(json(chunks.get(2)
                        .at("/choices/0/delta/tool_calls/0/function/arguments")
                        .asText()))
                .isEqualTo(json("{\"city\":\"Oslo\"}"));
        JsonNode second = chunks.get(3).at("/choices/0/delta/tool_calls/0");
        assertThat(second.get("index").asInt()).isEqualTo(1);
        assertThat(second.at("/function/name").asText()).isEqualTo("get_time");
        assertThat(chunks.get(4).at("/choices/0/delta/tool_calls/0/index").asInt())
                .isEqualTo(1);
        assertThat(first.get("id").asText())
                .startsWith("call_")
                .isNotEqualTo(second.get("id").asText());
        assertThat(chunks.get(5).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void aStreamThatEndsWithoutAFinishReasonStillFinishes() throws Exception {
        upstreamBody(
                "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"}}]}\r\n\r\n");
        List<JsonNode> chunks = drain(open(stream(true)));
        assertThat(chunks)
                .extracting(c -> c.at("/choices/0/finish_reason").asText(""))
                .containsExactly("", "", "stop", "");
        assertThat(chunks.get(3).at("/usage/total_tokens").asLong()).isZero();
    }

    @Test
    void anErrorEventAfterTheFirstChunkEndsTheStreamWithAnError() throws Exception {
        upstream("stream-error.sse");
        EventStream events = open(stream(false));
        assertThat(json(events.next()).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(json(events.next()).at("/choices/0/delta/content").asText()).isEqualTo("The");
        GatewayException e = catchThrowableOfType(GatewayException.class, events::next);
        assertThat(e.status()).isEqualTo(502);
        assertThat(e.getMessage()).isEqualTo("gem/gemini-2.0-flash: The model is overloaded. Please try again later.");
    }

    @Test
    void anErrorBeforeAnyChunkIsARetryableFailure() {
        upstreamBody(
                "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}"
                        + "\r\n\r\n");
        ProviderFailure f = catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessage("The model is overloaded.");
    }

    @Test
    void anErrorStatusBeforeTheStreamIsClassifiedLikeAWholeAnswer() {
        UPSTREAM.stubFor(post(urlEqualTo(STREAM)).willReturn(GeminiTesting.answer(400, "error-api-key-invalid.json")));
        ProviderFailure f = catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)));
        assertThat(f.kind()).isEqualTo(Failure.AUTH);
    }

    @Test
    void aMalformedFunctionCallInAStreamIsAnError() {
        upstreamBody("data: {\"candidates\":[{\"content\":{},\"finishReason\":\"MALFORMED_FUNCTION_CALL\"}]}\r\n\r\n");
        ProviderFailure f = catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f.getMessage()).contains("MALFORMED_FUNCTION_CALL");
    }

    @Test
    void aBlockedPromptInAStreamIs400() {
        upstreamBody("data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},"
                + "\"usageMetadata\":{\"promptTokenCount\":7,\"totalTokenCount\":7}}\r\n\r\n");
        ProviderFailure f = catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.errorCode()).isEqualTo("content_filter");
        assertThat(f.getMessage()).contains("PROHIBITED_CONTENT");
    }

    @Test
    void anEmptyBodyIsABrokenStream() {
        upstreamBody("");
        ProviderFailure f = catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
    }

    @Test
    void nAboveOneCannotStream() {
        ProviderFailure f = catchThrowableOfType(
                ProviderFailure.class,
                () -> open(call(
                        Endpoint.CHAT,
                        "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"n\":2}",
                        true,
                        false)));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.param()).isEqualTo("n");
    }

    @Test
    void legacyCompletionStreamsAreTextCompletionChunks() throws Exception {
        upstream("stream.sse");
        List<JsonNode> chunks = drain(open(
                call(Endpoint.COMPLETIONS, "{\"model\":\"flash\",\"prompt\":\"Why?\",\"stream\":true}", true, false)));
        assertThat(chunks).hasSize(4);
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("text_completion"));
        assertThat(chunks.get(0).at("/choices/0/text").asText()).isEqualTo("The");
        assertThat(chunks.get(3).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }
}
