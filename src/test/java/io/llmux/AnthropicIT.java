package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §5 anthropic through the whole gateway: an OpenAI request answered by the Messages API, whole and streamed,
 * and an Anthropic error in the gateway's error shape.
 */
class AnthropicIT {
    private static final String PROVIDER_KEY = "sk-ant-provider-key-3e8a51";
    private static final String CLIENT_KEY = "mk-client-anthropic-7d2c";

    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        // the model tells the plain, streamed and refused requests apart
        wm.stubFor(post(urlEqualTo("/v1/messages"))
                .withRequestBody(matchingJsonPath("$.model", equalTo("claude-broken")))
                .willReturn(answer(400, "application/json", "error-400.json")));
        wm.stubFor(post(urlEqualTo("/v1/messages"))
                .withHeader("Accept", containing("text/event-stream"))
                .withRequestBody(matchingJsonPath("$.model", equalTo("claude-3-5-sonnet-20241022")))
                .willReturn(answer(200, "text/event-stream; charset=utf-8", "stream-tool-use.sse")));
        wm.stubFor(post(urlEqualTo("/v1/messages"))
                .withHeader("Accept", equalTo("application/json"))
                .withRequestBody(matchingJsonPath("$.model", equalTo("claude-3-5-sonnet-20241022")))
                .willReturn(answer(200, "application/json", "message.json")));
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                providers:
                  - name: ant
                    type: anthropic
                    api_key: %s
                    base_url: http://127.0.0.1:%d
                    models:
                      - name: claude
                        model: claude-3-5-sonnet-20241022
                      - name: broken
                        model: claude-broken
                """.formatted(CLIENT_KEY, PROVIDER_KEY, wm.port()));
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

    @BeforeEach
    void clearJournal() {
        wm.resetRequests();
    }

    private static ResponseDefinitionBuilder answer(int status, String contentType, String fixture) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", contentType)
                .withBody(fixture(fixture));
    }

    private static byte[] fixture(String name) {
        try (InputStream in = AnthropicIT.class.getResourceAsStream("/fixtures/anthropic/" + name)) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> send(String body) throws Exception {
        return gw.post("/v1/chat/completions", body, "Authorization", "Bearer " + CLIENT_KEY);
    }

    @Test
    void aChatIsAnsweredByTheMessagesApiInOpenAisShape() throws Exception {
        HttpResponse<String> r = send("""
                {"model":"claude","messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"Hi"}],
                 "temperature":0.2,"seed":1}""");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("ant/claude-3-5-sonnet-20241022");
        JsonNode body = Fixtures.json(r.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("id").asText()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(body.get("choices").get(0).get("message").get("content").asText())
                .isEqualTo("Hello! It's nice to meet you. How can I help you today?");
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(1233);
        wm.verify(postRequestedFor(urlEqualTo("/v1/messages"))
                .withHeader("x-api-key", equalTo(PROVIDER_KEY))
                .withHeader("anthropic-version", equalTo("2023-06-01"))
                .withRequestBody(equalToJson("""
                        {"model":"claude-3-5-sonnet-20241022","system":"Be kind.",
                         "messages":[{"role":"user","content":"Hi"}],"max_tokens":8192,"temperature":0.2}""")));
    }

    @Test
    void aStreamedToolCallArrivesAsOpenAiChunksEndingWithDone() throws Exception {
        HttpResponse<String> r = send("""
                {"model":"claude","stream":true,"messages":[{"role":"user","content":"Weather?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}""");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        List<String> payloads = Fixtures.dataPayloads(r.body());
        assertThat(payloads.get(payloads.size() - 1)).isEqualTo("[DONE]");
        List<JsonNode> chunks = payloads.subList(0, payloads.size() - 1).stream()
                .map(Fixtures::json)
                .toList();
        assertThat(chunks.get(0).get("choices").get(0).get("delta").get("role").asText())
                .isEqualTo("assistant");
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(r.body()).doesNotContain("content_block", "message_start", "input_json_delta");
        JsonNode firstCall = chunks.stream()
                .map(c ->
                        c.get("choices").get(0).get("delta").path("tool_calls").path(0))
                .filter(call -> call.has("id"))
                .findFirst()
                .orElseThrow();
        assertThat(firstCall.get("index").asInt()).isZero();
        assertThat(firstCall.get("id").asText()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.get("choices").get(0).get("finish_reason").asText()).isEqualTo("tool_calls");
        wm.verify(postRequestedFor(urlEqualTo("/v1/messages"))
                .withRequestBody(matchingJsonPath("$.stream", equalTo("true"))));
    }

    @Test
    void anAnthropicInvalidRequestIsTheClients400WithAnthropicsMessage() throws Exception {
        HttpResponse<String> r = send("{\"model\":\"broken\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        JsonNode error = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(error.get("message").asText())
                .startsWith("messages.1.content.0.image.source.base64.data: The image was specified");
        assertThat(wm.findAll(postRequestedFor(urlEqualTo("/v1/messages")))).hasSize(1);
    }

    @Test
    void aTemperatureAnthropicCannotTakeIsA400WithoutARoundTrip() throws Exception {
        HttpResponse<String> r = send(
                "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":1.7}");

        JsonNode error = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(error.get("param").asText()).isEqualTo("temperature");
        assertThat(r.body()).doesNotContain(PROVIDER_KEY);
        assertThat(wm.findAll(postRequestedFor(urlEqualTo("/v1/messages")))).isEmpty();
    }
}
