package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §3 for OpenAI-type providers: the body goes up as the client sent it (minus the gateway's extensions, with
 * {@code model} rewritten), the answer comes back byte for byte, streams are forwarded chunk for chunk, and the
 * gateway adds its own response headers.
 */
class OpenAiPassthroughIT {
    private static final String PROVIDER_KEY = "sk-provider-key-7c1d9e3a50";
    private static final String CLIENT_KEY = "mk-client-master-2b8f4d";
    private static final String UPSTREAM_MODEL = "gpt-4o-mini-2024-07-18";

    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        // streams are told apart by the Accept header the gateway sends, tool-call streams by their tools
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .atPriority(1)
                .withHeader("Accept", containing("text/event-stream"))
                .withRequestBody(matchingJsonPath("$.tools"))
                .willReturn(sse("tool-call-stream.sse")));
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .atPriority(2)
                .withHeader("Accept", containing("text/event-stream"))
                .willReturn(sse("chat-stream-usage.sse")));
        wm.stubFor(post(urlEqualTo("/v1/chat/completions")).atPriority(5).willReturn(json("chat.json")));
        wm.stubFor(post(urlEqualTo("/v1/embeddings")).willReturn(json("embeddings.json")));
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(json("completion.json")));
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                providers:
                  - name: up
                    type: openai
                    api_key: %s
                    base_url: http://127.0.0.1:%d/v1
                    headers:
                      OpenAI-Organization: org-llmux-test
                    models:
                      - name: gpt-4o-mini
                        model: %s
                      - text-embedding-3-small
                      - gpt-3.5-turbo-instruct
                      - name: org/model
                        model: org-model-v1
                routing:
                  aliases:
                    mini: gpt-4o-mini
                """.formatted(CLIENT_KEY, PROVIDER_KEY, wm.port(), UPSTREAM_MODEL));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String fixture) {
        return aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(Fixtures.openai(fixture));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder sse(String fixture) {
        return aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "text/event-stream")
                .withBody(Fixtures.openai(fixture));
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

    private static HttpResponse<String> send(String path, String body, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + CLIENT_KEY;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return gw.post(path, body, all);
    }

    private static LoggedRequest onlyUpstreamRequest(String path) {
        List<LoggedRequest> received = wm.findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(received).hasSize(1);
        return received.get(0);
    }

    private static final String RICH_REQUEST = """
            {
              "model": "gpt-4o-mini",
              "messages": [
                {"role": "system", "content": "Answer in JSON."},
                {"role": "user", "content": [{"type": "text", "text": "weather in Paris?"}]}
              ],
              "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "w", "strict": true,
                  "schema": {"type": "object", "properties": {"t": {"type": "number"}}, "required": ["t"],
                             "additionalProperties": false}}
              },
              "tools": [{"type": "function", "function": {"name": "get_weather", "strict": true,
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                               "required": ["location"], "additionalProperties": false}}}],
              "parallel_tool_calls": false,
              "logprobs": true,
              "top_logprobs": 2,
              "max_completion_tokens": 77,
              "temperature": 0.25,
              "stop": "END",
              "x_vendor_field": {"nested": [1, 2.50, {"deep": null}]},
              "metadata": {"tags": ["fast"], "user_id": "u-1"},
              "tags": ["eu"],
              "cache": {"no-cache": true, "ttl": 600}
            }""";

    @Test
    void theForwardedBodyIsTheClientsMinusTheExtensionsWithTheModelRewritten() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", RICH_REQUEST);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        ObjectNode expected = (ObjectNode) Fixtures.json(RICH_REQUEST);
        expected.put("model", UPSTREAM_MODEL);
        ((ObjectNode) expected.get("metadata")).remove("tags");
        expected.remove("tags");
        expected.remove("cache");
        String raw = onlyUpstreamRequest("/v1/chat/completions").getBodyAsString();
        assertThat(Fixtures.json(raw)).isEqualTo(expected);
        assertThat(raw).as("numbers keep their written form").contains("2.50").contains("0.25");
    }

    @Test
    void stopAsAListPassesThroughUntouched() throws Exception {
        String body = """
                {"model":"gpt-4o-mini","stop":["a","\\n\\n"],"messages":[{"role":"user","content":"hi"}]}""";
        assertThat(send("/v1/chat/completions", body).statusCode()).isEqualTo(200);
        JsonNode forwarded =
                Fixtures.json(onlyUpstreamRequest("/v1/chat/completions").getBodyAsString());
        ObjectNode expected = (ObjectNode) Fixtures.json(body);
        expected.put("model", UPSTREAM_MODEL);
        assertThat(forwarded).isEqualTo(expected);
    }

    @Test
    void theUpstreamGetsTheProviderKeyNeverTheClients() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assertThat(send(
                                "/v1/chat/completions",
                                chat("gpt-4o-mini"),
                                "x-api-key",
                                CLIENT_KEY,
                                "traceparent",
                                traceparent,
                                "tracestate",
                                "congo=t61rcWkgMzE")
                        .statusCode())
                .isEqualTo(200);
        LoggedRequest up = onlyUpstreamRequest("/v1/chat/completions");
        assertThat(up.getHeader("Authorization")).isEqualTo("Bearer " + PROVIDER_KEY);
        assertThat(up.getHeader("OpenAI-Organization"))
                .as("the provider's extra headers")
                .isEqualTo("org-llmux-test");
        assertThat(up.getHeader("traceparent"))
                .as("W3C trace context propagated unchanged while tracing is off")
                .isEqualTo(traceparent);
        assertThat(up.getHeader("tracestate")).isEqualTo("congo=t61rcWkgMzE");
        for (HttpHeader h : up.getHeaders().all()) {
            assertThat(h.values()).as(h.key()).noneMatch(v -> v.contains(CLIENT_KEY));
        }
        assertThat(up.getBodyAsString()).doesNotContain(CLIENT_KEY);
    }

    @Test
    void aMalformedTraceContextIsNotPassedOn() throws Exception {
        assertThat(send(
                                "/v1/chat/completions",
                                chat("gpt-4o-mini"),
                                "traceparent",
                                "00-" + "a".repeat(3000) + "-01",
                                "tracestate",
                                "congo=t61rcWkgMzE")
                        .statusCode())
                .isEqualTo(200);
        LoggedRequest up = onlyUpstreamRequest("/v1/chat/completions");
        assertThat(up.containsHeader("traceparent")).isFalse();
        assertThat(up.containsHeader("tracestate"))
                .as("no tracestate without its traceparent")
                .isFalse();
    }

    @Test
    void theResponseBodyIsTheUpstreamsByteForByte() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", chat("gpt-4o-mini"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Fixtures.openai("chat.json"));
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    }

    @Test
    void responsesCarryDeploymentAttemptsRequestIdAndServerTiming() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", chat("gpt-4o-mini"), "x-request-id", "trace-42_a.b:c");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("up/" + UPSTREAM_MODEL);
        assertThat(r.headers().firstValue("x-llmux-attempts")).hasValue("1");
        assertThat(r.headers().firstValue("x-request-id")).hasValue("trace-42_a.b:c");
        assertThat(r.headers().firstValue("Server-Timing"))
                .hasValueSatisfying(t -> assertThat(t).matches("gateway;dur=[0-9.]+, upstream;dur=[0-9.]+"));
    }

    @Test
    void anInvalidClientRequestIdIsReplaced() throws Exception {
        for (String bad : new String[] {"a".repeat(200), "has space", "semi;colon"}) {
            HttpResponse<String> r = send("/v1/chat/completions", chat("gpt-4o-mini"), "x-request-id", bad);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-request-id"))
                    .hasValueSatisfying(id -> assertThat(id).isNotEqualTo(bad).matches("[A-Za-z0-9._:-]{1,128}"));
        }
        String max = "b".repeat(128);
        assertThat(send("/v1/chat/completions", chat("gpt-4o-mini"), "x-request-id", max)
                        .headers()
                        .firstValue("x-request-id"))
                .hasValue(max);
    }

    // streaming

    private static String streamRequest(boolean includeUsage) {
        return "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + (includeUsage ? "\"stream_options\":{\"include_usage\":true}," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void aStreamAsksTheUpstreamForUsageAndDropsTheUsageChunkTheClientDidNotAskFor() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", streamRequest(false));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        List<String> upstream = Fixtures.dataPayloads(Fixtures.openai("chat-stream-usage.sse"));
        List<String> withoutUsage = new ArrayList<>(upstream);
        withoutUsage.removeIf(d -> d.contains("\"choices\":[]"));
        assertThat(withoutUsage).hasSize(upstream.size() - 1);
        assertThat(Fixtures.dataPayloads(r.body())).containsExactlyElementsOf(withoutUsage);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");

        JsonNode forwarded =
                Fixtures.json(onlyUpstreamRequest("/v1/chat/completions").getBodyAsString());
        assertThat(forwarded.at("/stream_options/include_usage").asBoolean()).isTrue();
        ObjectNode expected = (ObjectNode) Fixtures.json(streamRequest(false));
        expected.put("model", UPSTREAM_MODEL);
        expected.putObject("stream_options").put("include_usage", true);
        assertThat(forwarded).isEqualTo(expected);
    }

    @Test
    void theUsageChunkIsForwardedWhenTheClientAskedForIt() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", streamRequest(true));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Fixtures.dataPayloads(r.body()))
                .containsExactlyElementsOf(Fixtures.dataPayloads(Fixtures.openai("chat-stream-usage.sse")));
        JsonNode forwarded =
                Fixtures.json(onlyUpstreamRequest("/v1/chat/completions").getBodyAsString());
        assertThat(forwarded.at("/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void toolCallDeltasArriveByteForByteWithIndexAndNullFinishReasonPreserved() throws Exception {
        String body = "{\"model\":\"mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}}}}}]}";
        HttpResponse<String> r = send("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> got = Fixtures.dataPayloads(r.body());
        assertThat(got).containsExactlyElementsOf(Fixtures.dataPayloads(Fixtures.openai("tool-call-stream.sse")));
        assertThat(got).anyMatch(d -> d.contains("\"tool_calls\":[{\"index\":1,"));
        assertThat(got).anyMatch(d -> d.contains("\"finish_reason\":null"));
        assertThat(got).last().isEqualTo("[DONE]");
    }

    // other endpoints, aliases, models

    @Test
    void embeddingsPassThrough() throws Exception {
        String body = "{\"model\":\"text-embedding-3-small\",\"input\":\"hello\",\"encoding_format\":\"float\","
                + "\"dimensions\":6,\"user\":\"u-2\"}";
        HttpResponse<String> r = send("/v1/embeddings", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Fixtures.openai("embeddings.json"));
        assertThat(Fixtures.json(onlyUpstreamRequest("/v1/embeddings").getBodyAsString()))
                .isEqualTo(Fixtures.json(body));
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("up/text-embedding-3-small");
    }

    @Test
    void legacyCompletionsPassThrough() throws Exception {
        String body = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say this is a test\",\"max_tokens\":7,"
                + "\"echo\":false,\"suffix\":null}";
        HttpResponse<String> r = send("/v1/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Fixtures.openai("completion.json"));
        assertThat(Fixtures.json(onlyUpstreamRequest("/v1/completions").getBodyAsString()))
                .isEqualTo(Fixtures.json(body));
    }

    @Test
    void anAliasResolvesToItsGroup() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", chat("mini"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("up/" + UPSTREAM_MODEL);
        assertThat(Fixtures.json(onlyUpstreamRequest("/v1/chat/completions").getBodyAsString())
                        .get("model")
                        .asText())
                .isEqualTo(UPSTREAM_MODEL);
    }

    @Test
    void modelsListsGroupsAndAliasesInOpenAiListShape() throws Exception {
        HttpResponse<String> r = gw.get("/v1/models", "Authorization", "Bearer " + CLIENT_KEY);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode list = Fixtures.json(r.body());
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsText("id"))
                .containsExactlyInAnyOrder(
                        "gpt-4o-mini", "text-embedding-3-small", "gpt-3.5-turbo-instruct", "org/model", "mini");
        for (JsonNode m : list.get("data")) {
            assertThat(m.get("object").asText()).isEqualTo("model");
            assertThat(m.get("created").isIntegralNumber()).isTrue();
            assertThat(m.get("owned_by").isTextual()).isTrue();
        }
    }

    @Test
    void oneModelAnswers200Or404ModelNotFound() throws Exception {
        String auth = "Bearer " + CLIENT_KEY;
        for (String id : new String[] {"gpt-4o-mini", "mini", "org/model"}) {
            HttpResponse<String> r = gw.get("/v1/models/" + id, "Authorization", auth);
            assertThat(r.statusCode()).as(id).isEqualTo(200);
            JsonNode m = Fixtures.json(r.body());
            assertThat(m.get("id").asText()).isEqualTo(id);
            assertThat(m.get("object").asText()).isEqualTo("model");
        }
        assertThat(Fixtures.json(gw.get("/v1/models/org%2Fmodel", "Authorization", auth)
                                .body())
                        .get("id")
                        .asText())
                .isEqualTo("org/model");
        for (String id : new String[] {"gpt-5", "org/other"}) {
            JsonNode e = Fixtures.error(gw.get("/v1/models/" + id, "Authorization", auth), 404, "not_found_error");
            assertThat(e.get("code").asText()).isEqualTo("model_not_found");
        }
        Fixtures.error(gw.get("/v1/models/gpt-4o-mini"), 401, "authentication_error");
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }
}
