package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §5 {@code gemini} through the whole gateway: an OpenAI client talks to Gemini's generateContent and
 * streamGenerateContent without knowing it, tool results find their function's name again, and Gemini's errors
 * arrive in the SPEC §4 shape.
 */
class GeminiIT {
    private static final String PROVIDER_KEY = "AIzaSyGatewayKey-3e8a1f52";
    private static final String BAD_KEY = "AIzaSyRevokedKey-0000000";
    private static final String CLIENT_KEY = "mk-client-gemini-7d41";
    private static final String GENERATE = "/v1beta/models/gemini-2.0-flash:generateContent";
    private static final String STREAM = "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse";

    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        wm.stubFor(post(urlEqualTo(GENERATE))
                .atPriority(1)
                .withHeader("x-goog-api-key", equalTo(BAD_KEY))
                .willReturn(json(400, "error-api-key-invalid.json")));
        wm.stubFor(post(urlEqualTo(GENERATE))
                .atPriority(2)
                .withRequestBody(matchingJsonPath("$.contents[*].parts[*].functionResponse"))
                .willReturn(json(200, "generate.json")));
        wm.stubFor(post(urlEqualTo(GENERATE))
                .atPriority(3)
                .withRequestBody(matchingJsonPath("$.tools"))
                .willReturn(json(200, "generate-function-call.json")));
        wm.stubFor(post(urlEqualTo(GENERATE)).atPriority(5).willReturn(json(200, "generate.json")));
        wm.stubFor(post(urlEqualTo(STREAM))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/event-stream")
                        .withBody(fixture("stream.sse"))));
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                providers:
                  - name: gem
                    type: gemini
                    api_key: %s
                    base_url: http://127.0.0.1:%d
                    models:
                      - name: flash
                        model: gemini-2.0-flash
                  - name: gem-revoked
                    type: gemini
                    api_key: %s
                    base_url: http://127.0.0.1:%d
                    models:
                      - name: flash-revoked
                        model: gemini-2.0-flash
                """.formatted(CLIENT_KEY, PROVIDER_KEY, wm.port(), BAD_KEY, wm.port()));
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

    private static String fixture(String name) {
        try (InputStream in = GeminiIT.class.getResourceAsStream("/fixtures/gemini/" + name)) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ResponseDefinitionBuilder json(int status, String fixture) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json; charset=UTF-8")
                .withBody(fixture(fixture));
    }

    private static HttpResponse<String> send(String body) throws Exception {
        return gw.post("/v1/chat/completions", body, "Authorization", "Bearer " + CLIENT_KEY);
    }

    private static LoggedRequest onlyUpstreamRequest(String path) {
        List<LoggedRequest> received = wm.findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(received).hasSize(1);
        return received.get(0);
    }

    @Test
    void aChatCompletionIsAnsweredByGenerateContentInOpenAisShape() throws Exception {
        HttpResponse<String> r =
                send("{\"model\":\"flash\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                        + "{\"role\":\"user\",\"content\":\"Where is Oslo?\"}],\"temperature\":0.2}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("gem/gemini-2.0-flash");
        JsonNode body = Fixtures.json(r.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/content").asText()).startsWith("Oslo is the capital of Norway.");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(body.at("/usage/prompt_tokens_details/cached_tokens").asLong())
                .isEqualTo(1024);

        LoggedRequest up = onlyUpstreamRequest(GENERATE);
        assertThat(up.getHeader("x-goog-api-key")).isEqualTo(PROVIDER_KEY);
        assertThat(up.getUrl()).doesNotContain("key=");
        assertThat(up.getHeader("Authorization"))
                .as("the client's key never goes upstream")
                .isNull();
        assertThat(Fixtures.json(up.getBodyAsString())).isEqualTo(Fixtures.json("""
                        {"contents":[{"role":"user","parts":[{"text":"Where is Oslo?"}]}],
                         "systemInstruction":{"parts":[{"text":"Be brief."}]},
                         "generationConfig":{"temperature":0.2}}"""));
    }

    @Test
    void aStreamIsTranslatedChunkByChunkAndEndsWithDone() throws Exception {
        HttpResponse<String> r =
                send("{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Why blue?\"}],"
                        + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        List<String> payloads = Fixtures.dataPayloads(r.body());
        assertThat(payloads).hasSize(7).last().isEqualTo("[DONE]");
        assertThat(Fixtures.json(payloads.get(0)).at("/choices/0/delta/role").asText())
                .isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (String p : payloads.subList(1, 4)) {
            text.append(Fixtures.json(p).at("/choices/0/delta/content").asText());
        }
        assertThat(text).hasToString("The sky is blue because air scatters blue light the most.");
        assertThat(Fixtures.json(payloads.get(4)).at("/choices/0/finish_reason").asText())
                .isEqualTo("stop");
        assertThat(Fixtures.json(payloads.get(5)).at("/usage/total_tokens").asLong())
                .isEqualTo(21);
        assertThat(onlyUpstreamRequest(STREAM).getHeader("x-goog-api-key")).isEqualTo(PROVIDER_KEY);
    }

    @Test
    void aToolResultGoesBackAsAFunctionResponseNamedAfterItsCall() throws Exception {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";
        HttpResponse<String> first = send("{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Weather in Oslo and Bergen?\"}]," + tools + "}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode assistant = Fixtures.json(first.body()).at("/choices/0/message");
        JsonNode calls = assistant.get("tool_calls");
        assertThat(calls).hasSize(2);
        String oslo = calls.get(0).get("id").asText();
        String bergen = calls.get(1).get("id").asText();
        assertThat(oslo).isNotEqualTo(bergen);

        wm.resetRequests();
        String followUp =
                "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Oslo and Bergen?\"},"
                        + assistant + ",{\"role\":\"tool\",\"tool_call_id\":\"" + oslo
                        + "\",\"content\":\"{\\\"temp\\\":21}\"},"
                        + "{\"role\":\"tool\",\"tool_call_id\":\"" + bergen + "\",\"content\":\"rain\"}]," + tools
                        + "}";
        HttpResponse<String> second = send(followUp);

        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(Fixtures.json(second.body()).at("/choices/0/message/content").asText())
                .startsWith("Oslo is");
        JsonNode contents =
                Fixtures.json(onlyUpstreamRequest(GENERATE).getBodyAsString()).get("contents");
        assertThat(contents).hasSize(3);
        assertThat(contents.get(1)).isEqualTo(Fixtures.json("""
                {"role":"model","parts":[
                  {"functionCall":{"name":"get_weather","args":{"city":"Oslo","unit":"celsius"}}},
                  {"functionCall":{"name":"get_weather","args":{"city":"Bergen","unit":"celsius"}}}]}"""));
        assertThat(contents.get(2)).isEqualTo(Fixtures.json("""
                {"role":"user","parts":[
                  {"functionResponse":{"name":"get_weather","response":{"temp":21}}},
                  {"functionResponse":{"name":"get_weather","response":{"content":"rain"}}}]}"""));
    }

    @Test
    void aToolResultForACallNeverMadeIs400NamingTheField() throws Exception {
        HttpResponse<String> r = send("{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_unknown\",\"content\":\"42\"}]}");
        JsonNode error = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(error.get("param").asText()).isEqualTo("messages[1].tool_call_id");
        assertThat(wm.getAllServeEvents()).as("nothing went upstream").isEmpty();
    }

    @Test
    void aRefusedGeminiKeyIsA502ProviderAuthErrorNeverTheClients400() throws Exception {
        HttpResponse<String> r =
                send("{\"model\":\"flash-revoked\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        JsonNode error = Fixtures.error(r, 502, "api_error");
        assertThat(error.get("code").asText()).isEqualTo("provider_auth_error");
        assertThat(error.get("message").asText()).contains("API key not valid").doesNotContain(BAD_KEY);
    }
}
