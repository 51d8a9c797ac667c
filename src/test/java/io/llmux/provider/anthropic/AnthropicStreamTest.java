package io.llmux.provider.anthropic;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.anthropic.AnthropicTesting.STREAM_BODY;
import static io.llmux.provider.anthropic.AnthropicTesting.call;
import static io.llmux.provider.anthropic.AnthropicTesting.config;
import static io.llmux.provider.anthropic.AnthropicTesting.drain;
import static io.llmux.provider.anthropic.AnthropicTesting.fixture;
import static io.llmux.provider.anthropic.AnthropicTesting.fixtureText;
import static io.llmux.provider.anthropic.AnthropicTesting.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.llmux.GatewayException;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.wire.Usage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Streams of the anthropic adapter: Anthropic's named events as OpenAI chunks, in order, and their failures. */
class AnthropicStreamTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    private final List<AnthropicProvider> providers = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @AfterEach
    void closeAll() {
        streams.forEach(EventStream::close);
        providers.forEach(AnthropicProvider::close);
    }

    @AfterAll
    static void stopWatchdog() {
        WATCHDOG.close();
    }

    private AnthropicProvider provider() {
        AnthropicProvider p = AnthropicTesting.provider(
                config(URI.create(UPSTREAM.baseUrl()), Duration.ofSeconds(5), Map.of()), WATCHDOG);
        providers.add(p);
        return p;
    }

    private static void serve(String sse) {
        UPSTREAM.stubFor(post("/v1/messages")
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/event-stream; charset=utf-8")
                        .withBody(sse.getBytes(StandardCharsets.UTF_8))));
    }

    private EventStream open(Call call) throws ProviderFailure {
        EventStream events = ((Answer.Streamed) provider().call(call)).events();
        streams.add(events);
        return events;
    }

    private static Call stream(boolean clientWantsUsage) {
        return call(Endpoint.CHAT, STREAM_BODY, true, clientWantsUsage);
    }

    private static JsonNode delta(JsonNode chunk) {
        return chunk.get("choices").get(0).get("delta");
    }

    private static String finish(JsonNode chunk) {
        return chunk.get("choices").get(0).get("finish_reason").asText();
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    @Test
    void textStreamIsRoleFirstThenContentThenFinishWithoutAUsageChunk() throws Exception {
        serve(fixtureText("stream-text.sse"));
        EventStream events = open(stream(false));
        List<JsonNode> chunks = drain(events);

        UPSTREAM.verify(postRequestedFor(urlEqualTo("/v1/messages"))
                .withHeader("Accept", equalTo("text/event-stream"))
                .withRequestBody(equalToJson("""
                        {"model":"claude-3-5-sonnet-20241022","messages":[{"role":"user","content":"Hi"}],
                         "max_tokens":8192,"stream":true}""")));
        assertThat(chunks).hasSize(5);
        assertThat(chunks.get(0)).isEqualTo(json("""
                {"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","object":"chat.completion.chunk","created":1730000000,
                 "model":"claude-3-5-sonnet-20241022",
                 "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"""));
        assertThat(chunks.subList(1, 4))
                .extracting(c -> delta(c).get("content").asText())
                .containsExactly("Hello", "! How can I", " help you today?");
        assertThat(chunks.subList(0, 4))
                .allSatisfy(c -> assertThat(
                                c.get("choices").get(0).get("finish_reason").isNull())
                        .isTrue());
        assertThat(finish(chunks.get(4))).isEqualTo("stop");
        assertThat(chunks).noneMatch(c -> c.has("usage"));
        assertThat(events.usage()).isEqualTo(new Usage(25 + 2048, 15, 2048));
        assertThat(events.next()).as("stays complete").isNull();
    }

    @Test
    void theUsageChunkComesLastAndOnlyWhenTheClientAsked() throws Exception {
        serve(fixtureText("stream-text.sse"));
        List<JsonNode> chunks = drain(open(stream(true)));
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(chunks).hasSize(6);
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.get("usage")).isEqualTo(json("""
                {"prompt_tokens":2073,"completion_tokens":15,"total_tokens":2088,
                 "prompt_tokens_details":{"cached_tokens":2048}}"""));
    }

    @Test
    void toolUseBlocksAreIndexedAmongToolCallsOnlyAndArgumentsReassemblePerIndex() throws Exception {
        serve(fixtureText("stream-tool-use.sse"));
        List<JsonNode> chunks = drain(open(stream(false)));

        assertThat(delta(chunks.get(0)).get("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        Map<Integer, String> ids = new HashMap<>();
        Map<Integer, String> names = new HashMap<>();
        Map<Integer, StringBuilder> arguments = new HashMap<>();
        for (JsonNode chunk : chunks) {
            JsonNode d = chunk.get("choices").get(0).get("delta");
            if (d.has("content")) {
                text.append(d.get("content").asText());
            }
            for (JsonNode call : d.path("tool_calls")) {
                int index = call.get("index").asInt();
                if (call.has("id")) {
                    assertThat(ids).as("one start per tool call").doesNotContainKey(index);
                    ids.put(index, call.get("id").asText());
                    names.put(index, call.get("function").get("name").asText());
                }
                assertThat(ids).as("arguments after the start").containsKey(index);
                arguments
                        .computeIfAbsent(index, k -> new StringBuilder())
                        .append(call.get("function").get("arguments").asText());
            }
        }
        assertThat(text).hasToString("Okay, let's check the weather in both cities:");
        assertThat(ids)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", 1, "toolu_01Gf3vR8nQ2bWx5LmK7pTy4d"));
        assertThat(names).containsEntry(0, "get_weather").containsEntry(1, "get_weather");
        assertThat(json(arguments.get(0).toString().getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(json("{\"location\":\"San Francisco, CA\"}"));
        assertThat(json(arguments.get(1).toString().getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(json("{\"location\":\"Paris, France\"}"));
        assertThat(finish(chunks.get(chunks.size() - 1))).isEqualTo("tool_calls");
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk"));
    }

    @Test
    void anErrorEventMidStreamEndsTheStreamWithTheErrorAfterTheChunksSoFar() throws Exception {
        serve(fixtureText("stream-error.sse"));
        EventStream events = open(stream(false));
        assertThat(delta(json(events.next())).get("role").asText()).isEqualTo("assistant");
        assertThat(delta(json(events.next())).get("content").asText()).isEqualTo("Once upon");
        GatewayException e = catchThrowableOfType(GatewayException.class, events::next);
        assertThat(e.status()).isEqualTo(502);
        assertThat(e.type()).isEqualTo("api_error");
        assertThat(e).hasMessage("ant/claude-3-5-sonnet-20241022: Overloaded");
    }

    @Test
    void anErrorEventBeforeTheFirstChunkIsARetryableFailure() {
        serve(event(
                "error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        ProviderFailure f = catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessage("Overloaded");

        serve(event(
                "error", "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}"));
        assertThat(catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)))
                        .kind())
                .isEqualTo(Failure.RATE_LIMITED);
    }

    @Test
    void anOverloaded529InsteadOfAStreamIsTransient() {
        UPSTREAM.stubFor(post("/v1/messages")
                .willReturn(aResponse()
                        .withStatus(529)
                        .withHeader("Content-Type", "application/json")
                        .withBody(fixture("error-529.json"))));
        ProviderFailure f = catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f.upstreamStatus()).isEqualTo(529);
    }

    @Test
    void aStreamThatEndsBeforeMessageStopIsBroken() throws Exception {
        String sse = fixtureText("stream-text.sse");
        serve(sse.substring(0, sse.indexOf("event: message_delta")));
        EventStream events = open(stream(false));
        for (int i = 0; i < 4; i++) {
            assertThat(events.next()).isNotNull();
        }
        GatewayException e = catchThrowableOfType(GatewayException.class, events::next);
        assertThat(e.status()).isEqualTo(502);
        assertThat(e).hasMessage("ant/claude-3-5-sonnet-20241022: the provider closed the stream before it finished");
    }

    @Test
    void anEventBeforeMessageStartIsAMalformedStream() {
        serve(event(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}"));
        ProviderFailure f = catchThrowableOfType(ProviderFailure.class, () -> open(stream(false)));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f.getMessage()).contains("before message_start");
    }

    @Test
    void aJsonSchemaAnswerStreamsAsContent() throws Exception {
        String start = fixtureText("stream-text.sse").lines().limit(3).reduce("", (a, b) -> a + b + "\n");
        serve(start
                + event(
                        "content_block_start",
                        "{\"type\":\"content_block_start\",\"index\":0,"
                                + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"json_answer\",\"input\":{}}}")
                + event(
                        "content_block_delta",
                        "{\"type\":\"content_block_delta\",\"index\":0,"
                                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"t\\\": \"}}")
                + event(
                        "content_block_delta",
                        "{\"type\":\"content_block_delta\",\"index\":0,"
                                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"18.5}\"}}")
                + event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
                + event(
                        "message_delta",
                        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
                                + "\"usage\":{\"output_tokens\":9}}")
                + event("message_stop", "{\"type\":\"message_stop\"}"));
        List<JsonNode> chunks = drain(open(call(Endpoint.CHAT, """
                {"messages":[{"role":"user","content":"t?"}],"stream":true,
                 "response_format":{"type":"json_schema","json_schema":{"name":"t","schema":{"type":"object"}}}}""", true, false)));
        assertThat(chunks).hasSize(4);
        assertThat(delta(chunks.get(1)).get("content").asText()
                        + delta(chunks.get(2)).get("content").asText())
                .isEqualTo("{\"t\": 18.5}");
        assertThat(chunks).noneMatch(c -> delta(c).has("tool_calls"));
        assertThat(finish(chunks.get(3))).isEqualTo("stop");
    }

    @Test
    void legacyCompletionsStreamAsTextCompletionChunks() throws Exception {
        serve(fixtureText("stream-text.sse"));
        List<JsonNode> chunks = drain(open(
                call(Endpoint.COMPLETIONS, "{\"model\":\"claude\",\"prompt\":\"Hi\",\"stream\":true}", true, true)));
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("text_completion"));
        assertThat(chunks.subList(0, 3))
                .extracting(c -> c.get("choices").get(0).get("text").asText())
                .containsExactly("Hello", "! How can I", " help you today?");
        assertThat(finish(chunks.get(3))).isEqualTo("stop");
        assertThat(chunks.get(4).get("usage").get("completion_tokens").asInt()).isEqualTo(15);
    }
}
