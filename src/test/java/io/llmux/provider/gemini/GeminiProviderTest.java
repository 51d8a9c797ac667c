package io.llmux.provider.gemini;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.gemini.GeminiTesting.CLOCK;
import static io.llmux.provider.gemini.GeminiTesting.GENERATE;
import static io.llmux.provider.gemini.GeminiTesting.KEY;
import static io.llmux.provider.gemini.GeminiTesting.MODEL;
import static io.llmux.provider.gemini.GeminiTesting.answer;
import static io.llmux.provider.gemini.GeminiTesting.call;
import static io.llmux.provider.gemini.GeminiTesting.chat;
import static io.llmux.provider.gemini.GeminiTesting.config;
import static io.llmux.provider.gemini.GeminiTesting.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.HttpClients;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.wire.Usage;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gemini adapter's whole answers against WireMock: the request it sends, the answer it gives, its errors. */
class GeminiProviderTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    private static final String HI = "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private final List<GeminiProvider> providers = new ArrayList<>();

    @AfterEach
    void closeProviders() {
        providers.forEach(GeminiProvider::close);
    }

    @AfterAll
    static void stopWatchdog() {
        WATCHDOG.close();
    }

    private GeminiProvider provider() {
        return provider(Map.of());
    }

    private GeminiProvider provider(Map<String, String> headers) {
        ProviderConfig config = config(URI.create(UPSTREAM.baseUrl()), Duration.ofSeconds(5), headers);
        GeminiProvider provider = new GeminiProvider(config, HttpClients.forProvider(config), WATCHDOG, 1 << 20, CLOCK);
        providers.add(provider);
        return provider;
    }

    private static void upstream(String path, int status, String fixture) {
        UPSTREAM.stubFor(post(urlEqualTo(path)).willReturn(answer(status, fixture)));
    }

    private static LoggedRequest onlyRequest(String path) {
        List<LoggedRequest> requests = UPSTREAM.findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    /** The request went to {@code path} with the key in its header, none in its URL, and this body. */
    private static void verifySent(String path, String body) {
        UPSTREAM.verify(postRequestedFor(urlEqualTo(path))
                .withHeader("x-goog-api-key", equalTo(KEY))
                .withRequestBody(equalToJson(body)));
        assertThat(onlyRequest(path).getUrl()).doesNotContain("key=").doesNotContain(KEY);
    }

    private JsonNode whole(Call call) throws ProviderFailure {
        return json(((Answer.Whole) provider().call(call)).body());
    }

    private ProviderFailure failure(Call call) {
        return catchThrowableOfType(ProviderFailure.class, () -> provider().call(call));
    }

    @Test
    void chatRequestBecomesGenerateContentWithSystemInstructionAndGenerationConfig() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        Call call = chat("""
                {"model":"flash","messages":[{"role":"system","content":"Be brief."},\
                {"role":"developer","content":[{"type":"text","text":"Answer in English."}]},\
                {"role":"user","content":"Where is Oslo?"}],\
                "temperature":0.70,"top_p":0.9,"max_tokens":50,"max_completion_tokens":60,"stop":["END","\\n\\n"],\
                "seed":7,"presence_penalty":0.5,"frequency_penalty":0.25,"n":1,"user":"u-1",\
                "parallel_tool_calls":false,"stream_options":{"include_usage":true},"metadata":{"a":"b"}}""");

        provider().call(call);

        verifySent(GENERATE, """
                {"contents":[{"role":"user","parts":[{"text":"Where is Oslo?"}]}],
                 "systemInstruction":{"parts":[{"text":"Be brief."},{"text":"Answer in English."}]},
                 "generationConfig":{"temperature":0.70,"topP":0.9,"seed":7,"presencePenalty":0.5,
                   "frequencyPenalty":0.25,"maxOutputTokens":60,"candidateCount":1,"stopSequences":["END","\\n\\n"]}}""");
        assertThat(GeminiTesting.text(onlyRequest(GENERATE).getBody())).contains("\"temperature\":0.70");
        assertThat(call.body().get("messages").size())
                .as("the client's tree is untouched")
                .isEqualTo(3);
    }

    @Test
    void answerTextIsJoinedWithFinishStopUsageAndModelVersion() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        Answer.Whole answer = (Answer.Whole) provider().call(chat(HI));
        JsonNode body = json(answer.body());

        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(body.get("created").asLong()).isEqualTo(1_735_000_000L);
        assertThat(body.get("model").asText()).isEqualTo("gemini-2.5-flash");
        JsonNode message = body.at("/choices/0/message");
        assertThat(message.get("role").asText()).isEqualTo("assistant");
        assertThat(message.get("content").asText())
                .isEqualTo("Oslo is the capital of Norway. It sits at the head of the Oslofjord.");
        assertThat(message.has("tool_calls")).isFalse();
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        // thinking tokens count as completion tokens; the cached tokens are part of the prompt
        assertThat(answer.usage()).isEqualTo(new Usage(1210, 51, 1024));
        assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(1210);
        assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(51);
        assertThat(body.at("/usage/total_tokens").asLong()).isEqualTo(1261);
        assertThat(body.at("/usage/prompt_tokens_details/cached_tokens").asLong())
                .isEqualTo(1024);
    }

    @Test
    void requestCarriesKeyHeaderConfiguredHeadersAndTraceparentNeverTheKeyInTheUrl() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        Call call = new Call(
                Endpoint.CHAT,
                json(HI),
                GeminiTesting.DEPLOYMENT,
                false,
                false,
                "req-1",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        provider(Map.of("x-goog-user-project", "llmux-test")).call(call);

        LoggedRequest sent = onlyRequest(GENERATE);
        assertThat(sent.getHeader("x-goog-api-key")).isEqualTo(KEY);
        assertThat(sent.getHeader("x-goog-user-project")).isEqualTo("llmux-test");
        assertThat(sent.getHeader("traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(sent.getHeader("Accept")).isEqualTo("application/json");
        assertThat(sent.containsHeader("Authorization")).isFalse();
        assertThat(sent.getUrl()).isEqualTo(GENERATE);
    }

    @Test
    void modelNamesWithAModelsPrefixOrASlashStayOnOnePath() throws Exception {
        upstream("/v1beta/models/gemini-1.5-flash:generateContent", 200, "generate.json");
        upstream("/v1beta/models/google%2Fgemini-pro:generateContent", 200, "generate.json");
        upstream("/v1beta/tunedModels/my-tuned-model:generateContent", 200, "generate.json");
        for (String model : List.of("models/gemini-1.5-flash", "google/gemini-pro", "tunedModels/my-tuned-model")) {
            provider().call(call(Endpoint.CHAT, HI, false, false, DeploymentConfig.of("x", model, 1.0, List.of())));
        }
        onlyRequest("/v1beta/models/gemini-1.5-flash:generateContent");
        onlyRequest("/v1beta/models/google%2Fgemini-pro:generateContent");
        onlyRequest("/v1beta/tunedModels/my-tuned-model:generateContent");
    }

    @Test
    void toolsBecomeFunctionDeclarationsAndANamedToolChoiceBecomesAny() throws Exception {
        upstream(GENERATE, 200, "generate-function-call.json");
        provider().call(chat("""
                {"model":"flash","messages":[{"role":"user","content":"Weather in Oslo and Bergen?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
                   "strict":true,"parameters":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
                   "properties":{"city":{"type":"string"},"unit":{"type":["string","null"],"enum":["celsius","fahrenheit"]}},
                   "required":["city","unit"],"additionalProperties":false}}},
                  {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}}}"""));

        verifySent(GENERATE, """
                {"contents":[{"role":"user","parts":[{"text":"Weather in Oslo and Bergen?"}]}],
                 "tools":[{"functionDeclarations":[
                   {"name":"get_weather","description":"Current weather","parameters":{"type":"OBJECT",
                     "properties":{"city":{"type":"STRING"},
                       "unit":{"type":"STRING","enum":["celsius","fahrenheit"],"nullable":true}},
                     "required":["city","unit"]}},
                   {"name":"get_time"}]}],
                 "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}}""");
    }

    @Test
    void toolChoiceStringsMapToCallingModes() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        Map<String, String> modes = Map.of("auto", "AUTO", "required", "ANY", "none", "NONE");
        for (Map.Entry<String, String> mode : modes.entrySet()) {
            UPSTREAM.resetRequests();
            provider()
                    .call(chat("{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                            + "\"tool_choice\":\"" + mode.getKey() + "\"}"));
            assertThat(json(onlyRequest(GENERATE).getBody())
                            .at("/toolConfig/functionCallingConfig/mode")
                            .asText())
                    .isEqualTo(mode.getValue());
        }
    }

    @Test
    void functionCallsBecomeToolCallsWithUniqueIdsAndFinishToolCalls() throws Exception {
        upstream(GENERATE, 200, "generate-function-call.json");
        JsonNode body = whole(chat(HI));

        JsonNode message = body.at("/choices/0/message");
        assertThat(message.get("content").isNull()).isTrue();
        JsonNode calls = message.get("tool_calls");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).get("type").asText()).isEqualTo("function");
        assertThat(calls.get(0).at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(json(calls.get(0).at("/function/arguments").asText()))
                .isEqualTo(json("{\"city\":\"Oslo\",\"unit\":\"celsius\"}"));
        assertThat(json(calls.get(1).at("/function/arguments").asText()))
                .isEqualTo(json("{\"city\":\"Bergen\",\"unit\":\"celsius\"}"));
        String first = calls.get(0).get("id").asText();
        String second = calls.get(1).get("id").asText();
        assertThat(first).startsWith("call_").hasSizeLessThanOrEqualTo(40).isNotEqualTo(second);
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(body.get("model").asText()).isEqualTo("gemini-1.5-flash-002");

        JsonNode again = whole(chat(HI));
        assertThat(again.at("/choices/0/message/tool_calls/0/id").asText())
                .as("ids are unique across answers too")
                .isNotEqualTo(first);
    }

    @Test
    void toolResultsBecomeFunctionResponsesNamedAfterTheEarlierCall() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        provider().call(chat("""
                {"model":"flash","messages":[
                  {"role":"user","content":"Weather in Oslo and Bergen?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_abc_0","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}},
                    {"id":"call_abc_1","type":"function","function":{"name":"get_forecast","arguments":""}}]},
                  {"role":"tool","tool_call_id":"call_abc_0","content":"{\\"temp\\":21,\\"sky\\":\\"clear\\"}"},
                  {"role":"tool","tool_call_id":"call_abc_1","content":[{"type":"text","text":"rain tomorrow"}]},
                  {"role":"user","content":"Thanks. Summarise."}]}"""));

        verifySent(GENERATE, """
                {"contents":[
                  {"role":"user","parts":[{"text":"Weather in Oslo and Bergen?"}]},
                  {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Oslo"}}},
                                           {"functionCall":{"name":"get_forecast","args":{}}}]},
                  {"role":"user","parts":[
                    {"functionResponse":{"name":"get_weather","response":{"temp":21,"sky":"clear"}}},
                    {"functionResponse":{"name":"get_forecast","response":{"content":"rain tomorrow"}}},
                    {"text":"Thanks. Summarise."}]}]}""");
    }

    @Test
    void consecutiveTurnsOfOneRoleAreMerged() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        provider().call(chat("""
                {"model":"flash","messages":[{"role":"user","content":"One."},{"role":"user","content":"Two."},
                  {"role":"assistant","content":"Three."},{"role":"assistant","content":[{"type":"text","text":"Four."}]},
                  {"role":"user","content":"Five."}]}"""));
        verifySent(GENERATE, """
                {"contents":[{"role":"user","parts":[{"text":"One."},{"text":"Two."}]},
                  {"role":"model","parts":[{"text":"Three."},{"text":"Four."}]},
                  {"role":"user","parts":[{"text":"Five."}]}]}""");
    }

    @Test
    void aToolResultForAnUnknownCallIdIs400NamingTheField() {
        ProviderFailure f = failure(chat("""
                {"model":"flash","messages":[{"role":"user","content":"Hi"},
                  {"role":"tool","tool_call_id":"call_nowhere","content":"42"}]}"""));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.param()).isEqualTo("messages[1].tool_call_id");
        assertThat(f.getMessage()).contains("call_nowhere");
        assertThat(UPSTREAM.getAllServeEvents()).as("nothing was sent").isEmpty();
    }

    @Test
    void unparseableToolCallArgumentsAre400NamingTheField() {
        ProviderFailure f = failure(chat("""
                {"model":"flash","messages":[{"role":"user","content":"Hi"},
                  {"role":"assistant","tool_calls":[{"id":"c1","type":"function",
                    "function":{"name":"f","arguments":"{city: Oslo"}}]}]}"""));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
    }

    @Test
    void imagesInDataUrlsAreInlineAndHttpUrlsAreFileDataTypedByExtension() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        provider().call(chat("""
                {"model":"flash","messages":[{"role":"user","content":[{"type":"text","text":"Compare."},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.JPG?size=large"}}]}]}"""));
        verifySent(GENERATE, """
                {"contents":[{"role":"user","parts":[{"text":"Compare."},
                  {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
                  {"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/cat.JPG?size=large"}}]}]}""");
    }

    @Test
    void anImageUrlWhoseTypeCannotBeKnownIs400() {
        ProviderFailure f = failure(chat("""
                {"model":"flash","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"https://example.com/render?id=7&token=s3cret"}}]}]}"""));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.param()).isEqualTo("messages[0].content[0].image_url.url");
        assertThat(f.getMessage()).contains("data URL").doesNotContain("s3cret");
    }

    @Test
    void jsonModeAndJsonSchemaBecomeResponseMimeTypeAndSchema() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        provider().call(chat("""
                {"model":"flash","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_object"}}"""));
        assertThat(json(onlyRequest(GENERATE).getBody()).get("generationConfig"))
                .isEqualTo(json("{\"responseMimeType\":\"application/json\"}"));

        UPSTREAM.resetRequests();
        provider().call(chat("""
                {"model":"flash","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema",
                 "json_schema":{"name":"city","strict":true,"schema":{"type":"object","additionalProperties":false,
                   "properties":{"name":{"type":"string"},"tags":{"type":"array","items":{"$ref":"#/$defs/tag"}}},
                   "required":["name","tags"],"$defs":{"tag":{"type":"string","description":"a tag"}}}}}}"""));
        assertThat(json(onlyRequest(GENERATE).getBody()).get("generationConfig"))
                .isEqualTo(json("""
                        {"responseMimeType":"application/json","responseSchema":{"type":"OBJECT",
                         "properties":{"name":{"type":"STRING"},
                           "tags":{"type":"ARRAY","items":{"type":"STRING","description":"a tag"}}},
                         "required":["name","tags"]}}"""));
    }

    @Test
    void fieldsThatWouldChangeTheAnswerAreRefusedNamingThem() {
        for (String field : List.of(
                "\"logprobs\":true",
                "\"logit_bias\":{\"50256\":-100}",
                "\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}",
                "\"functions\":[{\"name\":\"f\"}]",
                "\"modalities\":[\"text\",\"audio\"]")) {
            ProviderFailure f = failure(
                    chat("{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + field + "}"));
            assertThat(f.kind()).as(field).isEqualTo(Failure.CALLER);
            assertThat(field).contains("\"" + f.param() + "\"");
        }
        assertThat(UPSTREAM.getAllServeEvents()).isEmpty();
    }

    @Test
    void severalCandidatesAreSeveralChoices() throws Exception {
        UPSTREAM.stubFor(post(urlEqualTo(GENERATE))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"candidates":[{"content":{"parts":[{"text":"Red."}],"role":"model"},"finishReason":"STOP","index":0},
                                 {"content":{"parts":[{"text":"Blue"}],"role":"model"},"finishReason":"MAX_TOKENS","index":1}],
                                 "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3,"totalTokenCount":8},
                                 "modelVersion":"gemini-2.0-flash"}""")));
        JsonNode body =
                whole(chat("{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Colour?\"}],\"n\":2}"));
        assertThat(body.get("choices")).hasSize(2);
        assertThat(body.at("/choices/1/index").asInt()).isEqualTo(1);
        assertThat(body.at("/choices/1/message/content").asText()).isEqualTo("Blue");
        assertThat(body.at("/choices/1/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/total_tokens").asLong()).isEqualTo(8);
    }

    @Test
    void aSafetyStopIsContentFilter() throws Exception {
        upstream(GENERATE, 200, "safety.json");
        JsonNode body = whole(chat(HI));
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        assertThat(body.at("/choices/0/message/content").asText()).isEmpty();
    }

    @Test
    void aBlockedPromptIs400ContentFilterWithTheReason() {
        upstream(GENERATE, 200, "prompt-blocked.json");
        ProviderFailure f = failure(chat(HI));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.errorCode()).isEqualTo("content_filter");
        assertThat(f.getMessage()).contains("blockReason: SAFETY");
    }

    @Test
    void aMalformedFunctionCallIsATransientFailureNeverAnEmptyStop() {
        upstream(GENERATE, 200, "malformed-function-call.json");
        ProviderFailure f = failure(chat(HI));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f.getMessage()).contains("MALFORMED_FUNCTION_CALL").contains("Malformed function call");
    }

    @Test
    void anInvalidArgumentIsTheCallersWithGeminisMessage() {
        upstream(GENERATE, 400, "error-400.json");
        ProviderFailure f = failure(chat(HI));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.errorType()).isEqualTo("invalid_request_error");
        assertThat(f)
                .hasMessage("* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be"
                        + " positive.");
    }

    @Test
    void aWrongKeyIsAnAuthFailureThoughGeminiSays400() {
        upstream(GENERATE, 400, "error-api-key-invalid.json");
        ProviderFailure f = failure(chat(HI));
        assertThat(f.kind()).isEqualTo(Failure.AUTH);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f).hasMessage("API key not valid. Please pass a valid API key.");
    }

    @Test
    void permissionDeniedIsAnAuthFailure() {
        upstream(GENERATE, 403, "error-403.json");
        assertThat(failure(chat(HI)).kind()).isEqualTo(Failure.AUTH);
    }

    @Test
    void resourceExhaustedIsRateLimitedForItsRetryDelay() {
        upstream(GENERATE, 429, "error-429.json");
        ProviderFailure f = failure(chat(HI));
        assertThat(f.kind()).isEqualTo(Failure.RATE_LIMITED);
        assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(18));
        assertThat(f.getMessage()).startsWith("You exceeded your current quota");
    }

    @Test
    void unavailableIsTransient() {
        upstream(GENERATE, 503, "error-503.json");
        ProviderFailure f = failure(chat(HI));
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f).hasMessage("The model is overloaded. Please try again later.");
    }

    @Test
    void tooManyInputTokensIsContextLength() {
        upstream(GENERATE, 400, "error-context-length.json");
        ProviderFailure f = failure(chat(HI));
        assertThat(f.kind()).isEqualTo(Failure.CONTEXT_LENGTH);
        assertThat(f.upstreamStatus()).isEqualTo(400);
    }

    @Test
    void legacyCompletionsAreServedThroughGenerateContent() throws Exception {
        upstream(GENERATE, 200, "generate.json");
        Answer.Whole answer = (Answer.Whole) provider()
                .call(call(
                        Endpoint.COMPLETIONS,
                        "{\"model\":\"flash\",\"prompt\":\"Where is Oslo?\",\"max_tokens\":20}",
                        false,
                        false));
        verifySent(GENERATE, """
                {"contents":[{"role":"user","parts":[{"text":"Where is Oslo?"}]}],
                 "generationConfig":{"maxOutputTokens":20}}""");
        JsonNode body = json(answer.body());
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.get("id").asText()).startsWith("cmpl-");
        assertThat(body.at("/choices/0/text").asText()).startsWith("Oslo is the capital");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void oneInputIsEmbedContentWithItsDimensions() throws Exception {
        String path = "/v1beta/models/" + MODEL + ":embedContent";
        upstream(path, 200, "embed.json");
        Answer.Whole answer = (Answer.Whole) provider()
                .call(call(
                        Endpoint.EMBEDDINGS,
                        "{\"model\":\"flash\",\"input\":\"hello world\",\"dimensions\":4}",
                        false,
                        false));
        verifySent(path, """
                {"content":{"parts":[{"text":"hello world"}]},"outputDimensionality":4}""");
        JsonNode body = json(answer.body());
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("model").asText()).isEqualTo(MODEL);
        assertThat(body.at("/data/0/object").asText()).isEqualTo("embedding");
        assertThat(body.at("/data/0/embedding"))
                .isEqualTo(GeminiTesting.tree("[0.013168517,-0.00871193,-0.046782672,0.00069969177]"));
        // Gemini reports no tokens: 11 characters estimate to 3
        assertThat(answer.usage()).isEqualTo(new Usage(3, 0, 0));
        assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(3);
    }

    @Test
    void severalInputsAreBatchEmbedContentsAndBase64IsLittleEndianFloat32() throws Exception {
        String path = "/v1beta/models/" + MODEL + ":batchEmbedContents";
        upstream(path, 200, "batch-embed.json");
        Answer.Whole answer = (Answer.Whole) provider()
                .call(call(
                        Endpoint.EMBEDDINGS,
                        "{\"model\":\"flash\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}",
                        false,
                        false));
        verifySent(path, """
                {"requests":[{"model":"models/gemini-2.0-flash","content":{"parts":[{"text":"a"}]}},
                             {"model":"models/gemini-2.0-flash","content":{"parts":[{"text":"b"}]}}]}""");
        JsonNode body = json(answer.body());
        assertThat(body.get("data")).hasSize(2);
        byte[] raw = Base64.getDecoder().decode(body.at("/data/1/embedding").asText());
        FloatBuffer floats = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        assertThat(floats.remaining()).isEqualTo(4);
        assertThat(floats.get(0)).isEqualTo(-0.0223198f);
        assertThat(floats.get(3)).isEqualTo(0.025875513f);
        assertThat(body.at("/data/1/index").asInt()).isEqualTo(1);
    }

    @Test
    void tokenArrayInputsAreRefused() {
        ProviderFailure f =
                failure(call(Endpoint.EMBEDDINGS, "{\"model\":\"flash\",\"input\":[[1,2,3]]}", false, false));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.param()).isEqualTo("input[0]");
    }
}
