package io.llmux.provider.openai;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.openai.OpenAiTesting.KEY;
import static io.llmux.provider.openai.OpenAiTesting.call;
import static io.llmux.provider.openai.OpenAiTesting.config;
import static io.llmux.provider.openai.OpenAiTesting.drain;
import static io.llmux.provider.openai.OpenAiTesting.fixture;
import static io.llmux.provider.openai.OpenAiTesting.fixtureText;
import static io.llmux.provider.openai.OpenAiTesting.payloads;
import static io.llmux.provider.openai.OpenAiTesting.stream;
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
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The streaming half of the openai adapter: pass-through, usage, the end of a stream, idle timeouts, cancelling. */
class OpenAiStreamTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    /** The stream_timeout of the tests about idling; the others use a roomy one, so a slow machine cannot fail them. */
    private static final Duration IDLE = Duration.ofMillis(300);

    private static final Duration ROOMY = Duration.ofSeconds(5);
    private static final String ROLE_CHUNK =
            payloads(fixtureText("chat-stream.sse")).get(0);

    private final List<OpenAiProvider> providers = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @AfterEach
    void closeAll() {
        streams.forEach(EventStream::close);
        providers.forEach(OpenAiProvider::close);
    }

    @AfterAll
    static void stopWatchdog() {
        WATCHDOG.close();
    }

    private OpenAiProvider provider() {
        return provider(URI.create(UPSTREAM.baseUrl() + "/v1"), ROOMY, ROOMY);
    }

    private OpenAiProvider provider(URI baseUrl, Duration timeout, Duration streamTimeout) {
        ProviderConfig config = config(baseUrl, KEY, timeout, streamTimeout, Map.of());
        OpenAiProvider provider = new OpenAiProvider(config, HttpClients.forProvider(config), WATCHDOG, 1 << 20);
        providers.add(provider);
        return provider;
    }

    private static void serve(String sse) {
        serve(sse.getBytes(StandardCharsets.UTF_8));
    }

    private static void serve(byte[] sse) {
        UPSTREAM.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/event-stream; charset=utf-8")
                        .withBody(sse)));
    }

    private EventStream open(OpenAiProvider provider, Call call) throws ProviderFailure {
        EventStream events = ((Answer.Streamed) provider.call(call)).events();
        streams.add(events);
        return events;
    }

    private static ProviderFailure failure(OpenAiProvider provider, Call call) {
        return catchThrowableOfType(ProviderFailure.class, () -> provider.call(call));
    }

    private static String event(String data) {
        return "data: " + data + "\n\n";
    }

    @Test
    void streamForwardsEveryChunkByteForByteAndEndsAtDone() throws Exception {
        serve(fixture("chat-stream.sse"));
        EventStream events = open(provider(), stream(false));
        assertThat(drain(events)).containsExactlyElementsOf(payloads(fixtureText("chat-stream.sse")));
        assertThat(events.next()).as("stays complete").isNull();
        assertThat(UPSTREAM.findAll(postRequestedFor(urlEqualTo("/v1/chat/completions")))
                        .get(0)
                        .getHeader("Accept"))
                .isEqualTo("text/event-stream");
    }

    @Test
    void toolCallDeltasPassThroughByteForByte() throws Exception {
        serve(fixture("tool-call-stream.sse"));
        List<String> got = drain(open(provider(), stream(false)));
        assertThat(got).containsExactlyElementsOf(payloads(fixtureText("tool-call-stream.sse")));
        assertThat(got.get(4)).contains("\"tool_calls\":[{\"index\":1,\"id\":\"call_Fh4pN7wYc2LzK0qTm6VxBs1a\"");
        assertThat(got.get(0)).contains("\"finish_reason\":null");
    }

    @Test
    void theStreamAsksForUsageInsideTheClientsStreamOptions() throws Exception {
        serve(fixture("chat-stream-usage.sse"));
        String body = "{\"model\":\"fast\",\"messages\":[],\"stream\":true,"
                + "\"stream_options\":{\"include_obfuscation\":false}}";
        Call call = call(Endpoint.CHAT, body, true, false);
        drain(open(provider(), call));
        JsonNode sent = Json.MAPPER.readTree(UPSTREAM.findAll(postRequestedFor(urlEqualTo("/v1/chat/completions")))
                .get(0)
                .getBody());
        assertThat(sent.get("stream_options").toString())
                .isEqualTo("{\"include_obfuscation\":false,\"include_usage\":true}");
        assertThat(call.body().get("stream_options").toString()).isEqualTo("{\"include_obfuscation\":false}");
    }

    @Test
    void usageChunkForwardedOnlyWhenClientAsked() throws Exception {
        serve(fixture("chat-stream-usage.sse"));
        List<String> all = payloads(fixtureText("chat-stream-usage.sse"));
        Usage expected = new Usage(1262, 3, 1152);

        EventStream quiet = open(provider(), stream(false));
        assertThat(drain(quiet)).containsExactlyElementsOf(all.subList(0, all.size() - 1));
        assertThat(quiet.usage()).isEqualTo(expected);

        EventStream asked = open(provider(), stream(true));
        assertThat(drain(asked)).containsExactlyElementsOf(all);
        assertThat(asked.usage()).isEqualTo(expected);
    }

    @Test
    void aChunkWithChoicesAndUsageIsForwardedAndCounted() throws Exception {
        String chunk =
                "{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":38,\"completion_tokens\":2,\"total_tokens\":40}}";
        serve(event(ROLE_CHUNK) + event(chunk) + "data: [DONE]\n\n");
        EventStream events = open(provider(), stream(false));
        assertThat(drain(events)).containsExactly(ROLE_CHUNK, chunk);
        assertThat(events.usage()).isEqualTo(new Usage(38, 2, 0));
    }

    @Test
    void streamEndsWithErrorWhenUpstreamClosesBeforeDone() throws Exception {
        serve(fixtureText("chat-stream.sse").replace("data: [DONE]\n\n", ""));
        EventStream events = open(provider(), stream(false));
        for (int i = 0; i < 5; i++) {
            assertThat(events.next()).isNotNull();
        }
        GatewayException e = catchThrowableOfType(GatewayException.class, events::next);
        assertThat(e.status()).isEqualTo(502);
        assertThat(e.type()).isEqualTo("api_error");
        assertThat(e).hasMessage("openai/gpt-4o-mini: the provider closed the stream before it finished");
    }

    @Test
    void aCutOffLastChunkIsNotForwarded() throws Exception {
        serve(event(ROLE_CHUNK) + "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"He");
        EventStream events = open(provider(), stream(false));
        assertThat(events.next()).isNotNull();
        assertThat(catchThrowableOfType(GatewayException.class, events::next).status())
                .isEqualTo(502);
    }

    @Test
    void doneWithoutItsBlankLineStillEndsTheStream() throws Exception {
        serve(event(ROLE_CHUNK) + "data: [DONE]");
        assertThat(drain(open(provider(), stream(false)))).containsExactly(ROLE_CHUNK);
    }

    @Test
    void aLineLongerThanMaxBodySizeEndsTheStream() throws Exception {
        serve(event(ROLE_CHUNK) + event("{\"content\":\"" + "x".repeat(5000) + "\"}") + "data: [DONE]\n\n");
        ProviderConfig config = config(URI.create(UPSTREAM.baseUrl() + "/v1"), KEY, ROOMY, ROOMY, Map.of());
        OpenAiProvider provider = new OpenAiProvider(config, HttpClients.forProvider(config), WATCHDOG, 4096);
        providers.add(provider);
        EventStream events = open(provider, stream(false));
        assertThat(events.next()).isNotNull();
        GatewayException e = catchThrowableOfType(GatewayException.class, events::next);
        assertThat(e.status()).isEqualTo(502);
        assertThat(e)
                .hasMessage("openai/gpt-4o-mini: an upstream event line is longer than max_body_size (4096 bytes)");
    }

    @Test
    void anEmptyAnswerIsARetryableFailure() {
        serve(new byte[0]);
        ProviderFailure f = failure(provider(), stream(false));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessageContaining("closed the stream before it finished");
    }

    @Test
    void anErrorEventMidStreamEndsWithTheProvidersMessage() throws Exception {
        String error = "{\"error\":{\"message\":\"The server had an error while processing your request. Sorry about"
                + " that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
        serve(event(ROLE_CHUNK) + event(error));
        EventStream events = open(provider(), stream(false));
        assertThat(events.next()).isNotNull();
        GatewayException e = catchThrowableOfType(GatewayException.class, events::next);
        assertThat(e.status()).isEqualTo(502);
        assertThat(e.type()).isEqualTo("api_error");
        assertThat(e.code()).isEqualTo("provider_error");
        assertThat(e)
                .hasMessage("openai/gpt-4o-mini: The server had an error while processing your request. Sorry about"
                        + " that!");
    }

    @Test
    void anErrorEventBeforeTheFirstChunkIsARetryableFailure() {
        serve("event: error\n" + event("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
        ProviderFailure f = failure(provider(), stream(false));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessage("overloaded");
    }

    @Test
    void anErrorStatusOnAStreamIsAProviderFailure() {
        UPSTREAM.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("retry-after-ms", "1500")
                        .withBody(fixture("error-429.json"))));
        ProviderFailure f = failure(provider(), stream(false));
        assertThat(f.kind()).isEqualTo(Failure.RATE_LIMITED);
        assertThat(f.retryAfter()).isEqualTo(Duration.ofMillis(1500));
        assertThat(f.errorCode()).isEqualTo("rate_limit_exceeded");
    }

    @Test
    void aJsonAnswerToAStreamRequestIsARetryableFailure() {
        UPSTREAM.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody(fixture("chat.json"))));
        ProviderFailure f = failure(provider(), stream(false));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessageStartingWith("JSON instead of an event stream: ");
    }

    @Test
    void lateStreamHeadersAreATimeout() {
        UPSTREAM.stubFor(post("/v1/chat/completions")
                .willReturn(aResponse().withStatus(200).withFixedDelay(600).withBody(fixture("chat-stream.sse"))));
        ProviderFailure f = failure(provider(URI.create(UPSTREAM.baseUrl() + "/v1"), ROOMY, IDLE), stream(false));
        assertThat(f.kind()).isEqualTo(Failure.TIMEOUT);
        assertThat(f).hasMessage("did not answer within 300ms (stream_timeout)");
    }

    @Test
    void stallBeforeFirstEventIsARetryableTimeout() throws Exception {
        try (RawUpstream upstream = new RawUpstream(out -> {
            RawUpstream.streamHead(out);
            RawUpstream.chunk(out, ": connected\n\n"); // then nothing
        })) {
            ProviderFailure f = failure(provider(upstream.baseUrl(), ROOMY, IDLE), stream(false));
            assertThat(f.kind()).isEqualTo(Failure.TIMEOUT);
            assertThat(f).hasMessage("sent nothing for 300ms (stream_timeout); the stream was ended");
            assertThat(upstream.connectionClosed.await(2, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void stallAfterFirstEventEndsWithTimeoutError() throws Exception {
        try (RawUpstream upstream = new RawUpstream(out -> {
            RawUpstream.streamHead(out);
            RawUpstream.chunk(out, event(ROLE_CHUNK)); // then nothing
        })) {
            long start = System.nanoTime(); // before the first event: the idle time counts from its arrival
            EventStream events = open(provider(upstream.baseUrl(), ROOMY, IDLE), stream(false));
            assertThat(new String(events.next(), StandardCharsets.UTF_8)).isEqualTo(ROLE_CHUNK);
            GatewayException e = catchThrowableOfType(GatewayException.class, events::next);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(e.status()).isEqualTo(504);
            assertThat(e.type()).isEqualTo("timeout_error");
            assertThat(e)
                    .hasMessage("openai/gpt-4o-mini: sent nothing for 300ms (stream_timeout); the stream was ended");
            assertThat(upstream.connectionClosed.await(2, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aSteadyStreamOutlivesBothTimeouts() throws Exception {
        // stream_timeout is idle time: 5 chunks 100 ms apart outlast it, and twice the provider's timeout
        try (RawUpstream upstream = new RawUpstream(out -> {
            RawUpstream.streamHead(out);
            for (int i = 0; i < 5; i++) {
                RawUpstream.chunk(out, event("{\"n\":" + i + "}"));
                pause(100);
            }
            RawUpstream.chunk(out, event("[DONE]"));
            RawUpstream.lastChunk(out);
        })) {
            List<String> got = drain(open(provider(upstream.baseUrl(), Duration.ofMillis(200), IDLE), stream(false)));
            assertThat(got).hasSize(5).endsWith("{\"n\":4}");
        }
    }

    @Test
    void keepAliveCommentsCountAsActivity() throws Exception {
        try (RawUpstream upstream = new RawUpstream(out -> {
            RawUpstream.streamHead(out);
            RawUpstream.chunk(out, event(ROLE_CHUNK));
            for (int i = 0; i < 4; i++) { // 400 ms of comments only, past the 300 ms stream_timeout
                pause(100);
                RawUpstream.chunk(out, ": OPENROUTER PROCESSING\n\n");
            }
            RawUpstream.chunk(out, event("{\"n\":1}") + event("[DONE]"));
            RawUpstream.lastChunk(out);
        })) {
            List<String> got = drain(open(provider(upstream.baseUrl(), ROOMY, IDLE), stream(false)));
            assertThat(got).containsExactly(ROLE_CHUNK, "{\"n\":1}");
        }
    }

    @Test
    void fragmentedUpstreamWritesAreReassembled() throws Exception {
        String sse = fixtureText("tool-call-stream.sse").replace("\n", "\r\n");
        try (RawUpstream upstream = new RawUpstream(out -> {
            RawUpstream.streamHead(out);
            for (int i = 0; i < sse.length(); i += 7) {
                RawUpstream.chunk(out, sse.substring(i, Math.min(sse.length(), i + 7)));
            }
            RawUpstream.lastChunk(out);
        })) {
            List<String> got = drain(open(provider(upstream.baseUrl(), ROOMY, ROOMY), stream(false)));
            assertThat(got).containsExactlyElementsOf(payloads(fixtureText("tool-call-stream.sse")));
        }
    }

    @Test
    void closeCancelsUpstream() throws Exception {
        try (RawUpstream upstream = new RawUpstream(out -> {
            RawUpstream.streamHead(out);
            RawUpstream.chunk(out, event(ROLE_CHUNK) + event("{\"n\":1}")); // and the generation goes on
        })) {
            ProviderConfig config =
                    config(upstream.baseUrl(), KEY, Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of());
            OpenAiProvider provider = new OpenAiProvider(config, HttpClients.forProvider(config), WATCHDOG, 1 << 20);
            providers.add(provider);
            EventStream events = ((Answer.Streamed) provider.call(stream(false))).events();
            assertThat(events.next()).isNotNull();

            events.close(); // the client went away

            assertThat(upstream.connectionClosed.await(2, TimeUnit.SECONDS))
                    .as("the upstream connection was closed")
                    .isTrue();
        }
    }

    @Test
    void aFinishedStreamLeavesItsConnectionForReuse() throws Exception {
        byte[] sse = fixture("chat-stream.sse");
        try (RawUpstream upstream = new RawUpstream(out -> {
            RawUpstream.streamHead(out);
            RawUpstream.chunk(out, new String(sse, StandardCharsets.UTF_8));
            RawUpstream.lastChunk(out);
        })) {
            OpenAiProvider provider = provider(upstream.baseUrl(), ROOMY, ROOMY);
            for (int i = 0; i < 3; i++) {
                try (EventStream events = open(provider, stream(false))) {
                    assertThat(drain(events)).hasSize(5);
                }
            }
            assertThat(upstream.requests).hasValue(3);
            assertThat(upstream.connections).hasValue(1);
        }
    }

    /** The fake upstream's pacing between writes; tests themselves never sleep to wait. */
    private static void pause(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
