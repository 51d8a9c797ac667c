package io.llmux.provider.anthropic;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.anthropic.AnthropicTesting.CHAT_BODY;
import static io.llmux.provider.anthropic.AnthropicTesting.KEY;
import static io.llmux.provider.anthropic.AnthropicTesting.call;
import static io.llmux.provider.anthropic.AnthropicTesting.chat;
import static io.llmux.provider.anthropic.AnthropicTesting.config;
import static io.llmux.provider.anthropic.AnthropicTesting.fixture;
import static io.llmux.provider.anthropic.AnthropicTesting.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.llmux.pipeline.Endpoint;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Whole answers of the anthropic adapter: Anthropic messages and errors as OpenAI answers and failures. */
class AnthropicProviderTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    private final List<AnthropicProvider> providers = new ArrayList<>();

    @AfterEach
    void closeProviders() {
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

    private static void answer(int status, byte[] body) {
        UPSTREAM.stubFor(post("/v1/messages")
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(body)));
    }

    private static JsonNode body(Answer answer) {
        return json(((Answer.Whole) answer).body());
    }

    private ProviderFailure failure(Call call) {
        return catchThrowableOfType(ProviderFailure.class, () -> provider().call(call));
    }

    @Test
    void aMessageBecomesAChatCompletionWithTextBlocksJoinedAndCacheTokensInThePrompt() throws ProviderFailure {
        answer(200, fixture("message.json"));
        Answer.Whole whole = (Answer.Whole) provider().call(chat(CHAT_BODY));
        assertThat(json(whole.body())).isEqualTo(json("""
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","object":"chat.completion","created":1730000000,
                 "model":"claude-3-5-sonnet-20241022",
                 "choices":[{"index":0,"message":{"role":"assistant",
                   "content":"Hello! It's nice to meet you. How can I help you today?","refusal":null},
                   "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1233,"completion_tokens":17,"total_tokens":1250,
                   "prompt_tokens_details":{"cached_tokens":1024}}}"""));
        assertThat(whole.usage()).isEqualTo(new Usage(21 + 188 + 1024, 17, 1024));
    }

    @Test
    void toolUseBlocksBecomeToolCallsWithTheInputAsJsonArguments() throws ProviderFailure {
        answer(200, fixture("message-tool-use.json"));
        JsonNode message = body(provider().call(chat(CHAT_BODY)));
        JsonNode choice = message.get("choices").get(0);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(choice.get("message").get("content").asText())
                .isEqualTo("I'll check the current weather in San Francisco for you.");
        JsonNode call = choice.get("message").get("tool_calls").get(0);
        assertThat(call.get("id").asText()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.get("function").get("name").asText()).isEqualTo("get_weather");
        assertThat(json(call.get("function").get("arguments").asText()))
                .isEqualTo(json("{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"));
    }

    @Test
    void stopReasonsMapToFinishReasons() {
        assertThat(FinishReasons.of("end_turn", false)).isEqualTo("stop");
        assertThat(FinishReasons.of("stop_sequence", false)).isEqualTo("stop");
        assertThat(FinishReasons.of("pause_turn", false)).isEqualTo("stop");
        assertThat(FinishReasons.of("max_tokens", false)).isEqualTo("length");
        assertThat(FinishReasons.of("tool_use", false)).isEqualTo("tool_calls");
        assertThat(FinishReasons.of("tool_use", true)).as("the JSON-mode tool").isEqualTo("stop");
        assertThat(FinishReasons.of("refusal", false)).isEqualTo("content_filter");
    }

    @Test
    void aJsonSchemaAnswerComesBackAsContentNotAsAToolCall() throws ProviderFailure {
        answer(200, fixture("message-json-tool.json"));
        JsonNode choice = body(provider().call(chat("""
                                {"messages":[{"role":"user","content":"Weather?"}],
                                 "response_format":{"type":"json_schema","json_schema":{"name":"w",
                                   "schema":{"type":"object","properties":{"city":{"type":"string"}}}}}}"""))).get("choices").get(0);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice.get("message").has("tool_calls")).isFalse();
        assertThat(json(choice.get("message").get("content").asText()))
                .isEqualTo(json("{\"city\":\"Paris\",\"temperature\":18.5}"));
    }

    @Test
    void legacyCompletionsAreServedAsAOneMessageChat() throws ProviderFailure {
        answer(200, fixture("message.json"));
        JsonNode text = body(provider()
                .call(call(
                        Endpoint.COMPLETIONS,
                        "{\"model\":\"claude\",\"prompt\":\"Say hi\",\"max_tokens\":20,\"stop\":\"\\n\"}",
                        false,
                        false)));
        UPSTREAM.verify(postRequestedFor(urlEqualTo("/v1/messages")).withRequestBody(equalToJson("""
                {"model":"claude-3-5-sonnet-20241022","messages":[{"role":"user","content":"Say hi"}],
                 "max_tokens":20,"stop_sequences":["\\n"]}""")));
        assertThat(text.get("object").asText()).isEqualTo("text_completion");
        assertThat(text.get("choices").get(0).get("text").asText())
                .isEqualTo("Hello! It's nice to meet you. How can I help you today?");
        assertThat(text.get("usage").get("completion_tokens").asInt()).isEqualTo(17);
    }

    @Test
    void embeddingsAreA400SayingWhereToGo() {
        ProviderFailure f = failure(call(Endpoint.EMBEDDINGS, "{\"model\":\"claude\",\"input\":\"x\"}", false, false));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f).hasMessage("anthropic has no embeddings API; use an openai, azure or gemini model");
        assertThat(UPSTREAM.findAll(postRequestedFor(urlEqualTo("/v1/messages"))))
                .isEmpty();
    }

    @Test
    void invalidRequestErrorIsTheCallersWithAnthropicsMessage() {
        answer(400, fixture("error-400.json"));
        ProviderFailure f = failure(chat(CHAT_BODY));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.errorType()).isEqualTo("invalid_request_error");
        assertThat(f.getMessage()).startsWith("messages.1.content.0.image.source.base64.data: The image was specified");
    }

    @Test
    void promptTooLongIsAContextLengthFailure() {
        answer(400, fixture("error-context-length.json"));
        ProviderFailure f = failure(chat(CHAT_BODY));
        assertThat(f.kind()).isEqualTo(Failure.CONTEXT_LENGTH);
        assertThat(f.errorCode()).isEqualTo("context_length_exceeded");
        assertThat(f).hasMessage("prompt is too long: 208543 tokens > 200000 maximum");
    }

    @Test
    void authenticationAndPermissionErrorsAreAuthFailures() {
        answer(401, fixture("error-401.json"));
        ProviderFailure f = failure(chat(CHAT_BODY));
        assertThat(f.kind()).isEqualTo(Failure.AUTH);
        assertThat(f).hasMessage("invalid x-api-key");
        answer(403, fixture("error-403.json"));
        assertThat(failure(chat(CHAT_BODY)).kind()).isEqualTo(Failure.AUTH);
    }

    @Test
    void rateLimitErrorIsRateLimitedWithItsRetryAfter() {
        UPSTREAM.stubFor(post("/v1/messages")
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("retry-after", "17")
                        .withBody(fixture("error-429.json"))));
        ProviderFailure f = failure(chat(CHAT_BODY));
        assertThat(f.kind()).isEqualTo(Failure.RATE_LIMITED);
        assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(17));
        assertThat(f.errorType()).isEqualTo("rate_limit_error");
    }

    @Test
    void overloaded529AndApiError500AreTransientSoTheyAreRetried() {
        answer(529, fixture("error-529.json"));
        ProviderFailure overloaded = failure(chat(CHAT_BODY));
        assertThat(overloaded.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(overloaded.upstreamStatus()).isEqualTo(529);
        assertThat(overloaded.errorType()).isEqualTo("overloaded_error");
        assertThat(overloaded).hasMessage("Overloaded");
        answer(500, fixture("error-500.json"));
        assertThat(failure(chat(CHAT_BODY)).kind()).isEqualTo(Failure.TRANSIENT);
    }

    @Test
    void aRequestTooLargeIsAnInvalidRequestCodedWithAnthropicsType() {
        answer(
                413,
                ("{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\","
                                + "\"message\":\"Request exceeds the maximum allowed number of bytes.\"}}")
                        .getBytes(StandardCharsets.UTF_8));
        ProviderFailure f = failure(chat(CHAT_BODY));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(413);
        assertThat(f.errorType()).isEqualTo("invalid_request_error");
        assertThat(f.errorCode()).isEqualTo("request_too_large");
    }

    @Test
    void anErrorPageThatIsNotAnthropicsStillGivesItsText() {
        answer(502, "<html><body>\n  Bad   gateway\n</body></html>".getBytes(StandardCharsets.UTF_8));
        ProviderFailure f = failure(chat(CHAT_BODY));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessage("<html><body> Bad gateway </body></html>");
    }

    @Test
    void aKeyEchoedInAnErrorIsMasked() {
        answer(
                401,
                ("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"bad key " + KEY
                                + "\"}}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(failure(chat(CHAT_BODY)).getMessage()).doesNotContain(KEY).contains("****");
    }

    @Test
    void aSuccessThatIsNotAMessageIsATransientFailure() {
        answer(200, "{\"unexpected\":true}".getBytes(StandardCharsets.UTF_8));
        ProviderFailure f = failure(chat(CHAT_BODY));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessage("returned JSON that is not a message (no content list)");
        answer(200, "<html>proxy</html>".getBytes(StandardCharsets.UTF_8));
        assertThat(failure(chat(CHAT_BODY))).hasMessage("returned a malformed answer (not a JSON object)");
    }
}
