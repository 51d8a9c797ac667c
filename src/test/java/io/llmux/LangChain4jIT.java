package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiTokenUsage;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC §3 and §5 seen by a real OpenAI client: LangChain4j's {@code OpenAiChatModel} and
 * {@code OpenAiStreamingChatModel}, pointed at the gateway, get whole answers, streams and tool calls from each
 * provider type (openai, azure, anthropic, gemini) as they would from OpenAI. The upstreams are WireMock stubs serving
 * the providers' recorded payloads; each provider answers a plain chat, a stream, a tool call and a streamed tool call.
 */
class LangChain4jIT {
    private static final String CLIENT_KEY = "mk-langchain4j-it-6b1f0e";
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String AZURE_CHAT = "/openai/deployments/dep-chat/chat/completions?api-version=2024-10-21";
    private static final String GEMINI_GENERATE = "/v1beta/models/gemini-2.0-flash:generateContent";
    private static final String GEMINI_STREAM = "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse";

    private static WireMockServer wm;
    private static TestGateway gw;

    /** Token counts as OpenAI reports them; {@code prompt} includes {@code cached}. */
    record Tokens(int prompt, int completion, int cached) {}

    /** A tool call the client must see; a null {@code id} is one the gateway makes (Gemini sends none). */
    record Call(String id, String name, String arguments) {}

    /** What a whole answer holds: its text (null when the model only calls tools), tool calls and usage. */
    record Whole(String text, List<Call> calls, Tokens usage) {}

    /** What a stream delivers: its content pieces in order, tool calls, and usage (null when the fixture has none). */
    record Streamed(List<String> parts, List<Call> calls, Tokens usage) {}

    /** One provider type behind one model group, and what each of its four fixtures says. */
    record Provider(String type, String group, Whole chat, Streamed stream, Whole tool, Streamed toolStream) {
        @Override
        public String toString() {
            return type;
        }
    }

    static Stream<Provider> providers() {
        return Stream.of(
                new Provider(
                        "openai",
                        "gpt-4o-mini",
                        new Whole("The capital of France is Paris.", List.of(), new Tokens(1262, 8, 1152)),
                        new Streamed(List.of("Hello", "!"), List.of(), new Tokens(1262, 3, 1152)),
                        new Whole(
                                null,
                                List.of(new Call(
                                        "call_Zr5kW1pMx8TcN3qLv7HbYd2e", "get_weather", "{\"location\":\"Paris\"}")),
                                new Tokens(81, 15, 0)),
                        new Streamed(
                                List.of(),
                                List.of(
                                        new Call(
                                                "call_Qm8vX2nL5kTj1RbWc9yHdE3s",
                                                "get_weather",
                                                "{\"location\": \"Paris\"}"),
                                        new Call(
                                                "call_Fh4pN7wYc2LzK0qTm6VxBs1a",
                                                "get_weather",
                                                "{\"location\": \"Tokyo\"}")),
                                null)),
                new Provider(
                        "azure",
                        "azure-gpt",
                        new Whole("Hello! How can I help you today?", List.of(), new Tokens(1290, 10, 1152)),
                        new Streamed(List.of("Hello", "!"), List.of(), new Tokens(1290, 3, 1152)),
                        new Whole(
                                null,
                                List.of(new Call(
                                        "call_9nVb2XkQ4wLr7TzP1mHcJs6d",
                                        "get_weather",
                                        "{\"location\":\"Seattle, WA\"}")),
                                new Tokens(84, 18, 0)),
                        new Streamed(
                                List.of(),
                                List.of(new Call(
                                        "call_4Hq8sLd1Wm6ZcT9vKx2NbRy7",
                                        "get_weather",
                                        "{\"location\":\"Seattle, WA\"}")),
                                new Tokens(84, 18, 0))),
                new Provider(
                        "anthropic",
                        "claude",
                        // prompt = input + cache reads + cache writes (21 + 1024 + 188)
                        new Whole(
                                "Hello! It's nice to meet you. How can I help you today?",
                                List.of(),
                                new Tokens(1233, 17, 1024)),
                        new Streamed(
                                List.of("Hello", "! How can I", " help you today?"),
                                List.of(),
                                new Tokens(2073, 15, 2048)),
                        new Whole(
                                "I'll check the current weather in San Francisco for you.",
                                List.of(new Call(
                                        "toolu_01A09q90qw90lq917835lq9",
                                        "get_weather",
                                        "{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}")),
                                new Tokens(384, 89, 0)),
                        new Streamed(
                                List.of("Okay, let's check the weather", " in both cities:"),
                                List.of(
                                        new Call(
                                                "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
                                                "get_weather",
                                                "{\"location\": \"San Francisco, CA\"}"),
                                        new Call(
                                                "toolu_01Gf3vR8nQ2bWx5LmK7pTy4d",
                                                "get_weather",
                                                "{\"location\": \"Paris, France\"}")),
                                new Tokens(472, 89, 0))),
                new Provider(
                        "gemini",
                        "flash",
                        // completion = candidates + thoughts (19 + 32)
                        new Whole(
                                "Oslo is the capital of Norway. It sits at the head of the Oslofjord.",
                                List.of(),
                                new Tokens(1210, 51, 1024)),
                        new Streamed(
                                List.of("The", " sky is blue because air", " scatters blue light the most."),
                                List.of(),
                                new Tokens(9, 12, 0)),
                        new Whole(
                                null,
                                List.of(
                                        new Call(null, "get_weather", "{\"city\":\"Oslo\",\"unit\":\"celsius\"}"),
                                        new Call(null, "get_weather", "{\"city\":\"Bergen\",\"unit\":\"celsius\"}")),
                                new Tokens(64, 22, 0)),
                        new Streamed(
                                List.of(),
                                List.of(
                                        new Call(null, "get_weather", "{\"city\":\"Oslo\"}"),
                                        new Call(null, "get_time", "{\"zone\":\"Europe/Oslo\"}")),
                                new Tokens(71, 14, 0))));
    }

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        // each provider answers four ways: tools decide between the tool and the text fixture, stream between SSE
        // and JSON
        String json = "application/json";
        String sse = "text/event-stream";
        stubChat("/v1/chat/completions", "openai", json, sse, new String[] {
            "tool-call-stream.sse", "chat-tool-call.json", "chat-stream-usage.sse", "chat.json"
        });
        stubChat(AZURE_CHAT, "azure", json, sse, new String[] {
            "chat-stream-tool-call.sse", "chat-tool-call.json", "chat-stream.sse", "chat.json"
        });
        stubChat("/v1/messages", "anthropic", json, sse + "; charset=utf-8", new String[] {
            "stream-tool-use.sse", "message-tool-use.json", "stream-text.sse", "message.json"
        });
        String geminiJson = "application/json; charset=UTF-8";
        wm.stubFor(post(urlEqualTo(GEMINI_STREAM))
                .atPriority(1)
                .withRequestBody(matchingJsonPath("$.tools"))
                .willReturn(answer(sse, "gemini", "stream-function-call.sse")));
        wm.stubFor(post(urlEqualTo(GEMINI_STREAM)).atPriority(5).willReturn(answer(sse, "gemini", "stream.sse")));
        wm.stubFor(post(urlEqualTo(GEMINI_GENERATE))
                .atPriority(1)
                .withRequestBody(matchingJsonPath("$.tools"))
                .willReturn(answer(geminiJson, "gemini", "generate-function-call.json")));
        wm.stubFor(post(urlEqualTo(GEMINI_GENERATE))
                .atPriority(5)
                .willReturn(answer(geminiJson, "gemini", "generate.json")));

        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %1$s
                providers:
                  - name: oai
                    type: openai
                    api_key: sk-provider-openai-51c0
                    base_url: http://127.0.0.1:%2$d/v1
                    models:
                      - name: gpt-4o-mini
                        model: gpt-4o-mini
                  - name: az
                    type: azure
                    api_key: 0f1e2d3c4b5a69788796a5b4c3d2e1f0
                    base_url: http://127.0.0.1:%2$d
                    api_version: 2024-10-21
                    models:
                      - {name: azure-gpt, model: dep-chat}
                  - name: ant
                    type: anthropic
                    api_key: sk-ant-provider-key-77e2
                    base_url: http://127.0.0.1:%2$d
                    models:
                      - name: claude
                        model: claude-3-5-sonnet-20241022
                  - name: gem
                    type: gemini
                    api_key: AIzaSyProviderKey-1c9d3e
                    base_url: http://127.0.0.1:%2$d
                    models:
                      - name: flash
                        model: gemini-2.0-flash
                """.formatted(CLIENT_KEY, wm.port()));
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

    /** Four stubs on one chat URL, most specific first: tools and stream, tools, stream, plain. */
    private static void stubChat(String url, String provider, String json, String sse, String[] fixtures) {
        wm.stubFor(post(urlEqualTo(url))
                .atPriority(1)
                .withRequestBody(matchingJsonPath("$.tools"))
                .withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(answer(sse, provider, fixtures[0])));
        wm.stubFor(post(urlEqualTo(url))
                .atPriority(2)
                .withRequestBody(matchingJsonPath("$.tools"))
                .willReturn(answer(json, provider, fixtures[1])));
        wm.stubFor(post(urlEqualTo(url))
                .atPriority(3)
                .withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(answer(sse, provider, fixtures[2])));
        wm.stubFor(post(urlEqualTo(url)).atPriority(5).willReturn(answer(json, provider, fixtures[3])));
    }

    private static ResponseDefinitionBuilder answer(String contentType, String provider, String fixture) {
        String path = "/fixtures/" + provider + "/" + fixture;
        try (InputStream in = LangChain4jIT.class.getResourceAsStream(path)) {
            assertThat(in).as("fixture %s", path).isNotNull();
            return aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", contentType)
                    .withBody(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ChatModel chatModel(Provider p) {
        return OpenAiChatModel.builder()
                .baseUrl(gw.uri("/v1").toString())
                .apiKey(CLIENT_KEY)
                .modelName(p.group())
                .timeout(WAIT)
                .maxRetries(0) // a failure must show, not be retried away
                .build();
    }

    private static StreamingChatModel streamingModel(Provider p) {
        return OpenAiStreamingChatModel.builder()
                .baseUrl(gw.uri("/v1").toString())
                .apiKey(CLIENT_KEY)
                .modelName(p.group())
                .timeout(WAIT)
                .build();
    }

    private static ChatRequest question(boolean withTools) {
        ChatRequest.Builder b = ChatRequest.builder().messages(UserMessage.from("What is the weather like?"));
        if (withTools) {
            b.toolSpecifications(
                    ToolSpecification.builder()
                            .name("get_weather")
                            .description("The current weather in a place")
                            .parameters(JsonObjectSchema.builder()
                                    .addStringProperty("location")
                                    .addStringProperty("city")
                                    .addEnumProperty("unit", List.of("celsius", "fahrenheit"))
                                    .build())
                            .build(),
                    ToolSpecification.builder()
                            .name("get_time")
                            .description("The local time in a time zone")
                            .parameters(JsonObjectSchema.builder()
                                    .addStringProperty("zone")
                                    .required("zone")
                                    .build())
                            .build());
        }
        return b.build();
    }

    // whole answers

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void aPlainChatGetsTheProvidersTextAndTokenUsage(Provider p) {
        ChatResponse r = chatModel(p).chat(question(false));

        assertThat(r.aiMessage().text()).isEqualTo(p.chat().text());
        assertThat(r.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertUsage(r.tokenUsage(), p.chat().usage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void aToolCallArrivesAsAToolExecutionRequestWithTheProvidersNameAndArguments(Provider p) {
        ChatResponse r = chatModel(p).chat(question(true));

        assertThat(r.aiMessage().text()).isEqualTo(p.tool().text());
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertCalls(r.aiMessage().toolExecutionRequests(), p.tool().calls());
        assertUsage(r.tokenUsage(), p.tool().usage());
    }

    // streams

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void aStreamArrivesInPartsAndCompletesWithTheWholeTextFinishReasonAndUsage(Provider p) throws Exception {
        Collector c = new Collector();
        streamingModel(p).chat(question(false), c);
        ChatResponse r = c.complete();

        assertThat(c.parts).containsExactlyElementsOf(p.stream().parts());
        assertThat(r.aiMessage().text()).isEqualTo(String.join("", p.stream().parts()));
        assertThat(r.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(c.partialCalls).isEmpty();
        assertUsage(r.tokenUsage(), p.stream().usage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void aStreamedToolCallIsReassembledFromItsArgumentFragments(Provider p) throws Exception {
        Collector c = new Collector();
        streamingModel(p).chat(question(true), c);
        ChatResponse r = c.complete();

        Streamed expected = p.toolStream();
        assertThat(c.parts).containsExactlyElementsOf(expected.parts());
        assertThat(r.aiMessage().text())
                .isEqualTo(expected.parts().isEmpty() ? null : String.join("", expected.parts()));
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        List<ToolExecutionRequest> calls = r.aiMessage().toolExecutionRequests();
        assertCalls(calls, expected.calls());

        // the fragments the handler saw, glued per call, are the arguments of the finished call
        Map<Integer, StringBuilder> glued = new TreeMap<>();
        for (PartialToolCall partial : c.partialCalls) {
            glued.computeIfAbsent(partial.index(), i -> new StringBuilder()).append(partial.partialArguments());
        }
        assertThat(glued.values().stream().map(StringBuilder::toString).toList())
                .containsExactlyElementsOf(
                        calls.stream().map(ToolExecutionRequest::arguments).toList());
        if (!p.type().equals("gemini")) { // Gemini sends each call whole; the others send arguments in pieces
            assertThat(c.partialCalls.size()).as("argument fragments").isGreaterThan(calls.size());
        }
        // the handler's per-call view and the response's agree: an id repeated in every chunk would differ here
        assertThat(c.completeCalls.stream()
                        .map(CompleteToolCall::toolExecutionRequest)
                        .toList())
                .containsExactlyElementsOf(calls);
        if (expected.usage() != null) {
            assertUsage(r.tokenUsage(), expected.usage());
        }
    }

    private static void assertCalls(List<ToolExecutionRequest> got, List<Call> expected) {
        assertThat(got).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Call want = expected.get(i);
            ToolExecutionRequest call = got.get(i);
            assertThat(call.name()).as("name of call %d", i).isEqualTo(want.name());
            assertThat(Fixtures.json(call.arguments()))
                    .as("arguments of call %d: %s", i, call.arguments())
                    .isEqualTo(Fixtures.json(want.arguments()));
            if (want.id() != null) {
                assertThat(call.id()).as("id of call %d", i).isEqualTo(want.id());
            } else {
                assertThat(call.id()).as("id of call %d", i).isNotBlank();
            }
        }
        assertThat(got.stream().map(ToolExecutionRequest::id).distinct()).hasSameSizeAs(got);
    }

    private static void assertUsage(TokenUsage usage, Tokens expected) {
        assertThat(usage).as("token usage").isNotNull();
        assertThat(usage.inputTokenCount()).as("prompt tokens").isEqualTo(expected.prompt());
        assertThat(usage.outputTokenCount()).as("completion tokens").isEqualTo(expected.completion());
        assertThat(usage.totalTokenCount()).as("total tokens").isEqualTo(expected.prompt() + expected.completion());
        assertThat(usage).isInstanceOf(OpenAiTokenUsage.class);
        OpenAiTokenUsage.InputTokensDetails details = ((OpenAiTokenUsage) usage).inputTokensDetails();
        assertThat(details).as("prompt_tokens_details").isNotNull();
        assertThat(details.cachedTokens()).as("cached tokens").isEqualTo(expected.cached());
    }

    /** Records what a streaming call hands its handler, on whichever thread the client calls back. */
    private static final class Collector implements StreamingChatResponseHandler {
        final List<String> parts = new CopyOnWriteArrayList<>();
        final List<PartialToolCall> partialCalls = new CopyOnWriteArrayList<>();
        final List<CompleteToolCall> completeCalls = new CopyOnWriteArrayList<>();
        private final CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        @Override
        public void onPartialResponse(String partialResponse) {
            parts.add(partialResponse);
        }

        @Override
        public void onPartialToolCall(PartialToolCall partialToolCall) {
            partialCalls.add(partialToolCall);
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall completeToolCall) {
            completeCalls.add(completeToolCall);
        }

        @Override
        public void onCompleteResponse(ChatResponse completeResponse) {
            done.complete(completeResponse);
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }

        /** The complete response, or the stream's error as the failure. */
        ChatResponse complete() throws Exception {
            try {
                return done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError("the stream failed: " + e.getCause(), e.getCause());
            }
        }
    }
}
