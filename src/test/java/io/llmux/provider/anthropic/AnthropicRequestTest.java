package io.llmux.provider.anthropic;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.llmux.provider.anthropic.AnthropicTesting.CHAT_BODY;
import static io.llmux.provider.anthropic.AnthropicTesting.KEY;
import static io.llmux.provider.anthropic.AnthropicTesting.chat;
import static io.llmux.provider.anthropic.AnthropicTesting.config;
import static io.llmux.provider.anthropic.AnthropicTesting.fixture;
import static io.llmux.provider.anthropic.AnthropicTesting.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.llmux.pipeline.Endpoint;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the anthropic adapter sends: the OpenAI request translated to a Messages API body, or a 400 before sending. */
class AnthropicRequestTest {
    @RegisterExtension
    static final WireMockExtension UPSTREAM = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort())
            .build();

    private static final Watchdog WATCHDOG = new Watchdog();
    private final List<AnthropicProvider> providers = new ArrayList<>();

    @BeforeEach
    void answerWithAMessage() {
        UPSTREAM.stubFor(post("/v1/messages")
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody(fixture("message.json"))));
    }

    @AfterEach
    void closeProviders() {
        providers.forEach(AnthropicProvider::close);
    }

    @AfterAll
    static void stopWatchdog() {
        WATCHDOG.close();
    }

    private AnthropicProvider provider() {
        return provider(Map.of());
    }

    private AnthropicProvider provider(Map<String, String> headers) {
        AnthropicProvider p = AnthropicTesting.provider(
                config(URI.create(UPSTREAM.baseUrl()), Duration.ofSeconds(5), headers), WATCHDOG);
        providers.add(p);
        return p;
    }

    private void send(String client) throws ProviderFailure {
        provider().call(chat(client));
    }

    private static LoggedRequest onlyRequest() {
        List<LoggedRequest> requests = UPSTREAM.findAll(postRequestedFor(urlEqualTo("/v1/messages")));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private static JsonNode sent() {
        return json(onlyRequest().getBody());
    }

    private static void verifySent(String expected) {
        UPSTREAM.verify(postRequestedFor(urlEqualTo("/v1/messages")).withRequestBody(equalToJson(expected)));
    }

    private ProviderFailure refused(String client) {
        ProviderFailure f =
                catchThrowableOfType(ProviderFailure.class, () -> provider().call(chat(client)));
        assertThat(f).as("refused before any round trip").isNotNull();
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.errorType()).isEqualTo("invalid_request_error");
        assertThat(UPSTREAM.findAll(postRequestedFor(urlEqualTo("/v1/messages"))))
                .isEmpty();
        return f;
    }

    @Test
    void aPlainChatGoesToV1MessagesWithKeyVersionAndADefaultedMaxTokens() throws ProviderFailure {
        send(CHAT_BODY);
        UPSTREAM.verify(postRequestedFor(urlEqualTo("/v1/messages"))
                .withHeader("x-api-key", equalTo(KEY))
                .withHeader("anthropic-version", equalTo("2023-06-01"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Accept", equalTo("application/json"))
                .withoutHeader("Authorization")
                .withoutHeader("traceparent")
                .withRequestBody(equalToJson("""
                        {"model":"claude-3-5-sonnet-20241022","messages":[{"role":"user","content":"Hi"}],
                         "max_tokens":8192}""")));
    }

    @Test
    void everyTranslatableFieldIsTranslatedAndNothingElseGoesUp() throws ProviderFailure {
        String client = """
                {"model":"claude",
                 "messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"developer","content":[{"type":"text","text":"Use metric units."}]},
                  {"role":"user","content":"Weather in Paris?","name":"ann"},
                  {"role":"user","content":[{"type":"text","text":"And this photo?"},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
                    {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"},
                     "cache_control":{"type":"ephemeral"}}]},
                  {"role":"assistant","content":"","tool_calls":[
                    {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                    {"id":"call_2","type":"function","function":{"name":"get_time","arguments":""}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"18C"},
                  {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"14:00"}]},
                  {"role":"user","content":"Thanks"}],
                 "tools":[
                  {"type":"function","function":{"name":"get_weather","description":"Weather now","strict":true,
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                  {"type":"function","function":{"name":"get_time"}}],
                 "tool_choice":"required","parallel_tool_calls":false,
                 "stop":"END","temperature":0.70,"top_p":0.9,"top_k":40,"max_completion_tokens":300,
                 "user":"user-42","seed":7,"presence_penalty":0.5,"frequency_penalty":0.1,"logprobs":false,
                 "n":1,"store":false,"metadata":{"k":"v"},"service_tier":"auto","x_vendor":{"a":1}}""";

        send(client);

        verifySent("""
                {"model":"claude-3-5-sonnet-20241022",
                 "system":"You are terse.\\nUse metric units.",
                 "messages":[
                  {"role":"user","content":[
                    {"type":"text","text":"Weather in Paris?"},
                    {"type":"text","text":"And this photo?"},
                    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                    {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"},
                     "cache_control":{"type":"ephemeral"}}]},
                  {"role":"assistant","content":[
                    {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
                    {"type":"tool_use","id":"call_2","name":"get_time","input":{}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"call_1","content":"18C"},
                    {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"14:00"}]},
                    {"type":"text","text":"Thanks"}]}],
                 "max_tokens":300,
                 "stop_sequences":["END"],
                 "temperature":0.70,"top_p":0.9,"top_k":40,
                 "tools":[
                  {"name":"get_weather","description":"Weather now",
                   "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                  {"name":"get_time","input_schema":{"type":"object","properties":{}}}],
                 "tool_choice":{"type":"any","disable_parallel_tool_use":true},
                 "metadata":{"user_id":"user-42"}}""");
        assertThat(new String(onlyRequest().getBody(), StandardCharsets.UTF_8)).contains("\"temperature\":0.70");
    }

    @Test
    void theClientsBodyIsNeverChangedSoARetryCanReuseIt() throws ProviderFailure {
        String client = """
                {"model":"claude","messages":[{"role":"system","content":"S"},{"role":"user","content":"Hi"}],
                 "stop":"END","user":"u"}""";
        Call call = chat(client);
        provider().call(call);
        assertThat(call.body()).isEqualTo(json(client));
    }

    @Test
    void aSystemPartWithCacheControlSendsSystemAsBlocksUntouched() throws ProviderFailure {
        send("""
                {"model":"claude","messages":[
                  {"role":"system","content":[{"type":"text","text":"Long manual","cache_control":{"type":"ephemeral","ttl":"1h"}}]},
                  {"role":"system","content":"Be brief."},
                  {"role":"user","content":[{"type":"text","text":"Q","cache_control":{"type":"ephemeral"}}]}]}""");
        verifySent("""
                {"model":"claude-3-5-sonnet-20241022",
                 "system":[{"type":"text","text":"Long manual","cache_control":{"type":"ephemeral","ttl":"1h"}},
                           {"type":"text","text":"Be brief."}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"Q","cache_control":{"type":"ephemeral"}}]}],
                 "max_tokens":8192}""");
    }

    @Test
    void consecutiveAssistantTurnsAreMergedAndAStopListPassesAsIs() throws ProviderFailure {
        send("""
                {"model":"claude","messages":[
                  {"role":"user","content":"a"},{"role":"assistant","content":"b"},
                  {"role":"assistant","content":[{"type":"text","text":"c"},{"type":"refusal","refusal":"no"}]},
                  {"role":"user","content":"d"}],
                 "stop":["\\n\\n","END"],"max_tokens":50}""");
        verifySent("""
                {"model":"claude-3-5-sonnet-20241022","messages":[
                  {"role":"user","content":"a"},
                  {"role":"assistant","content":[{"type":"text","text":"b"},{"type":"text","text":"c"},
                                                 {"type":"text","text":"no"}]},
                  {"role":"user","content":"d"}],
                 "max_tokens":50,"stop_sequences":["\\n\\n","END"]}""");
    }

    @Test
    void toolChoiceAutoNoneAndANamedFunction() throws ProviderFailure {
        String tools =
                "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}]";
        AnthropicProvider p = provider();
        p.call(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + tools + ",\"tool_choice\":\"none\"}"));
        p.call(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + tools
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}"));
        p.call(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + tools + "}"));
        List<JsonNode> bodies = UPSTREAM.findAll(postRequestedFor(urlEqualTo("/v1/messages"))).stream()
                .map(r -> json(r.getBody()))
                .toList();
        assertThat(bodies.get(0).get("tool_choice")).isEqualTo(json("{\"type\":\"none\"}"));
        assertThat(bodies.get(1).get("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"f\"}"));
        assertThat(bodies.get(2).has("tool_choice"))
                .as("the provider's default, auto")
                .isFalse();
    }

    @Test
    void maxTokensDefaultsPerModelAndMaxCompletionTokensCounts() throws ProviderFailure {
        assertThat(MaxTokens.defaultFor("claude-3-5-sonnet-20241022")).isEqualTo(8192);
        assertThat(MaxTokens.defaultFor("claude-3-7-sonnet-latest")).isEqualTo(8192);
        assertThat(MaxTokens.defaultFor("claude-sonnet-4-20250514")).isEqualTo(8192);
        assertThat(MaxTokens.defaultFor("claude-3-haiku-20240307")).isEqualTo(4096);
        assertThat(MaxTokens.defaultFor("claude-3-opus-20240229")).isEqualTo(4096);
        assertThat(MaxTokens.defaultFor("some-proxy-model")).isEqualTo(MaxTokens.FALLBACK);
        send("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":64}");
        assertThat(sent().get("max_tokens").asInt()).isEqualTo(64);
    }

    @Test
    void configuredHeadersWinAndTraceparentIsPropagated() throws ProviderFailure {
        Call call = new Call(
                Endpoint.CHAT,
                json(CHAT_BODY),
                AnthropicTesting.DEPLOYMENT,
                false,
                false,
                "req-1",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        provider(Map.of("anthropic-beta", "prompt-caching-2024-07-31", "anthropic-version", "2024-01-01"))
                .call(call);
        LoggedRequest r = onlyRequest();
        assertThat(r.getHeader("anthropic-beta")).isEqualTo("prompt-caching-2024-07-31");
        assertThat(r.getHeaders().getHeader("anthropic-version").values()).containsExactly("2024-01-01");
        assertThat(r.getHeader("traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }

    @Test
    void jsonSchemaBecomesAForcedToolWhenTheClientHasNoTools() throws ProviderFailure {
        send("""
                {"model":"claude","messages":[{"role":"user","content":"Weather?"}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","strict":true,
                   "schema":{"type":"object","properties":{"t":{"type":"number"}},"required":["t"]}}}}""");
        verifySent("""
                {"model":"claude-3-5-sonnet-20241022","messages":[{"role":"user","content":"Weather?"}],
                 "max_tokens":8192,
                 "tools":[{"name":"json_answer","description":"Give the answer as this tool's input.",
                   "input_schema":{"type":"object","properties":{"t":{"type":"number"}},"required":["t"]}}],
                 "tool_choice":{"type":"tool","name":"json_answer"}}""");
    }

    @Test
    void jsonObjectAndJsonSchemaBesideClientToolsBecomeASystemInstruction() throws ProviderFailure {
        AnthropicProvider p = provider();
        p.call(chat("""
                {"messages":[{"role":"system","content":"S"},{"role":"user","content":"x"}],
                 "response_format":{"type":"json_object"}}"""));
        p.call(chat("""
                {"messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"function","function":{"name":"f"}}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}}}"""));
        List<JsonNode> bodies = UPSTREAM.findAll(postRequestedFor(urlEqualTo("/v1/messages"))).stream()
                .map(r -> json(r.getBody()))
                .toList();
        assertThat(bodies.get(0).get("system").asText()).isEqualTo("S\n" + ResponseFormat.JSON_ONLY);
        assertThat(bodies.get(1).get("system").asText())
                .startsWith(ResponseFormat.JSON_ONLY)
                .endsWith("{\"type\":\"object\"}");
        assertThat(bodies.get(1).get("tools").get(0).get("name").asText()).isEqualTo("f");
    }

    @Test
    void toolIdsFromOtherProvidersAreMadeValidOnBothSides() throws ProviderFailure {
        send("""
                {"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","tool_calls":[{"id":"fc/1.a","type":"function",
                    "function":{"name":"f","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"fc/1.a","content":"ok"}]}""");
        JsonNode messages = sent().get("messages");
        assertThat(messages.get(1).get("content").get(0).get("id").asText()).isEqualTo("fc_1_a");
        assertThat(messages.get(2).get("content").get(0).get("tool_use_id").asText())
                .isEqualTo("fc_1_a");
    }

    @Test
    void aPdfFilePartBecomesADocument() throws ProviderFailure {
        send("""
                {"messages":[{"role":"user","content":[{"type":"file",
                  "file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0x"}}]}]}""");
        assertThat(sent().get("messages").get(0).get("content").get(0)).isEqualTo(json("""
                        {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}}"""));
    }

    @Test
    void aTemperatureAboveOneIsRefusedNamingTheParam() {
        ProviderFailure f = refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":1.5}");
        assertThat(f.param()).isEqualTo("temperature");
        assertThat(f.getMessage()).contains("from 0 to 1", "1.5");
    }

    @Test
    void fieldsThatWouldChangeTheAnswerAreRefusedNamingTheParam() {
        String base = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],";
        assertThat(refused(base + "\"n\":2}").param()).isEqualTo("n");
        assertThat(refused(base + "\"logprobs\":true}").param()).isEqualTo("logprobs");
        assertThat(refused(base + "\"logit_bias\":{\"50256\":-100}}").param()).isEqualTo("logit_bias");
        assertThat(refused(base + "\"modalities\":[\"text\",\"audio\"]}").param())
                .isEqualTo("modalities");
        assertThat(refused(base + "\"functions\":[{\"name\":\"f\"}]}").param()).isEqualTo("functions");
        assertThat(refused(base + "\"response_format\":{\"type\":\"xml\"}}").param())
                .isEqualTo("response_format.type");
        assertThat(refused(base + "\"max_tokens\":0}").param()).isEqualTo("max_tokens");
        assertThat(refused(base + "\"stop\":5}").param()).isEqualTo("stop");
    }

    @Test
    void malformedContentIsA400NamingTheParamNeverACrash() {
        assertThat(refused("""
                        {"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"x"}}]}]}""").param()).isEqualTo("messages[0].content[0].type");
        assertThat(refused("{\"messages\":[{\"role\":\"narrator\",\"content\":\"x\"}]}")
                        .param())
                .isEqualTo("messages[0].role");
        assertThat(refused("{\"messages\":\"hello\"}").param()).isEqualTo("messages");
        assertThat(refused("{\"messages\":[42]}").param()).isEqualTo("messages[0]");
        assertThat(refused("{\"messages\":[{\"role\":\"user\",\"content\":7}]}").param())
                .isEqualTo("messages[0].content");
        assertThat(refused("""
                        {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}""").param()).isEqualTo("messages[0].content[0].image_url.url");
        assertThat(refused("""
                        {"messages":[{"role":"user","content":[{"type":"image_url",
                          "image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}""").getMessage()).contains("image/bmp");
        assertThat(refused(
                                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"web_search\"}]}")
                        .param())
                .isEqualTo("tools[0].type");
    }

    @Test
    void unparseableToolArgumentsAreA400NamingTheParam() {
        ProviderFailure f = refused("""
                {"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","tool_calls":[{"id":"c1","type":"function",
                    "function":{"name":"f","arguments":"{\\"city\\": Par"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"ok"}]}""");
        assertThat(f.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
    }

    @Test
    void aToolMessageWithoutAMatchingToolCallIsA400() {
        ProviderFailure f = refused("""
                {"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"c9","content":"ok"}]}""");
        assertThat(f.param()).isEqualTo("messages[2].tool_call_id");
        assertThat(f.getMessage()).contains("c9");
        assertThat(refused("{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}]}")
                        .param())
                .isEqualTo("messages[0].tool_call_id");
        assertThat(refused("""
                        {"messages":[{"role":"user","content":"x"},
                          {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f"}}]},
                          {"role":"user","content":"and?"}]}""").param()).isEqualTo("messages[1].tool_calls");
    }
}
