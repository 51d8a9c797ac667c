package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §4 end to end: every error a client can meet, through a real HTTP client, with WireMock serving OpenAI's own
 * error payloads. Each answer is checked for status, type, param/code where the SPEC names them, an actionable
 * message, JSON, and an {@code x-request-id}; no body and no log line ever carries the provider's key.
 */
class ErrorsIT {
    private static final String UPSTREAM_KEY = "sk-upstream-secret-4f9a2c7e1b";
    private static final String MASTER_KEY = "mk-master-secret-8d3e5a";
    private static final String CHAT_PATH = "/v1/chat/completions";

    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        stub("m-ok", 200, "chat.json");
        stub("m-400.*", 400, "error-400.json");
        stub("m-ctx.*", 400, "error-context-length.json");
        stub("m-401", 401, "error-401.json");
        stub("m-403", 403, "error-403.json");
        // some servers echo the key they were sent
        wm.stubFor(post(urlEqualTo(CHAT_PATH))
                .withRequestBody(matchingJsonPath("$.model", equalTo("m-echo")))
                .willReturn(aResponse()
                        .withStatus(401)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"Incorrect API key provided: " + UPSTREAM_KEY
                                + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}")));
        wm.stubFor(post(urlEqualTo(CHAT_PATH))
                .withRequestBody(matchingJsonPath("$.model", equalTo("m-429")))
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("Retry-After", "20")
                        .withBody(Fixtures.openai("error-429.json"))));
        stub("m-500", 500, "error-500.json");
        wm.stubFor(post(urlEqualTo(CHAT_PATH))
                .withRequestBody(matchingJsonPath("$.model", equalTo("m-garbage")))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("<html><body>502 Bad Gateway</body></html>")));
        wm.stubFor(post(urlEqualTo(CHAT_PATH))
                .withRequestBody(matchingJsonPath("$.model", equalTo("m-slow")))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody(Fixtures.openai("chat.json"))
                        .withFixedDelay(3_000)));
        gw = TestGateway.start(config(""));
    }

    private static void stub(String modelPattern, int status, String fixture) {
        wm.stubFor(post(urlEqualTo(CHAT_PATH))
                .withRequestBody(matchingJsonPath("$.model", matching(modelPattern)))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(Fixtures.openai(fixture))));
    }

    /** Every failure kind has its own model group; the weights make the pick order of two-deployment groups fixed. */
    private static String config(String auth) throws Exception {
        String base = "http://127.0.0.1:" + wm.port() + "/v1";
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  max_body_size: 2KB
                  shutdown_timeout: 1s
                %s
                providers:
                  - name: up
                    type: openai
                    api_key: %s
                    base_url: %s
                    timeout: 5s
                    models:
                      - {name: ok, model: m-ok}
                      - {name: bad-param, model: m-400, weight: 1000000000}
                      - {name: bad-param, model: m-400-other, weight: 0.000001}
                      - {name: too-long, model: m-ctx, weight: 1000000000}
                      - {name: too-long, model: m-ctx-other, weight: 0.000001}
                      - {name: refused-key, model: m-401}
                      - {name: forbidden, model: m-403}
                      - {name: echoed-key, model: m-echo}
                      - {name: limited, model: m-429}
                      - {name: limited-two, model: m-429, weight: 1000000000}
                      - {name: limited-two, model: m-ok, weight: 0.000001}
                      - {name: broken, model: m-500}
                      - {name: flaky, model: m-500, weight: 1000000000}
                      - {name: flaky, model: m-ok, weight: 0.000001}
                      - {name: half-dead, model: m-ok, weight: 0.000001}
                      - {name: garbage, model: m-garbage}
                  - name: slowpoke
                    type: openai
                    api_key: %s
                    base_url: %s
                    timeout: 300ms
                    stream_timeout: 300ms
                    models:
                      - {name: slow, model: m-slow}
                  - name: dead
                    type: openai
                    api_key: %s
                    base_url: http://127.0.0.1:%d/v1
                    models:
                      - {name: unreachable, model: m-dead}
                      - {name: half-dead, model: m-dead, weight: 1000000000}
                  - name: nokey
                    type: openai
                    api_key: ${NOT_SET_VAR}
                    base_url: %s
                    models: [needs-key]
                  - name: nourl
                    type: openai
                    api_key: sk-not-used
                    base_url: ${UNSET_BASE_URL}
                    models: [needs-url]
                routing:
                  retry_count: 2
                  retry_backoff: 1ms
                  retry_max_backoff: 5ms
                """.formatted(auth, UPSTREAM_KEY, base, UPSTREAM_KEY, base, UPSTREAM_KEY, Fixtures.closedPort(), base);
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
    void clearJournal() throws Exception {
        wm.resetRequests();
        gw.clearCooldowns();
    }

    @AfterEach
    void noSecretsAndNoBugsInTheLog() {
        String logs = gw.logs();
        assertThat(logs).doesNotContain(UPSTREAM_KEY);
        assertThat(logs).as("no request hit a bug (500)").doesNotContain("\"status\":500", "request failed");
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static int upstreamCalls() {
        return wm.findAll(postRequestedFor(urlEqualTo(CHAT_PATH))).size();
    }

    private static void assertNoUpstreamKey(HttpResponse<String> r) {
        assertThat(r.body()).doesNotContain(UPSTREAM_KEY);
        r.headers().map().values().forEach(vs -> assertThat(vs).noneMatch(v -> v.contains(UPSTREAM_KEY)));
    }

    // 400: the request itself

    @Test
    void malformedJsonIs400() throws Exception {
        JsonNode e =
                Fixtures.error(gw.post(CHAT_PATH, "{\"model\": \"ok\", \"messages\": ["), 400, "invalid_request_error");
        assertThat(e.get("message").asText()).contains("not valid JSON");
    }

    @Test
    void aBodyThatIsNotAnObjectIs400() throws Exception {
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, "[{\"model\":\"ok\"}]"), 400, "invalid_request_error");
        assertThat(e.get("message").asText()).contains("JSON object");
    }

    @Test
    void aMissingModelIs400NamingTheParam() throws Exception {
        JsonNode e = Fixtures.error(
                gw.post(CHAT_PATH, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                400,
                "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("model");
        assertThat(e.get("message").asText()).contains("model");
    }

    @Test
    void missingMessagesIs400NamingTheParam() throws Exception {
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, "{\"model\":\"ok\"}"), 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("messages");
        assertThat(e.get("message").asText()).contains("messages");
    }

    @Test
    void aFieldOfTheWrongTypeIs400NamingTheParam() throws Exception {
        Map<String, String> paramByBody = Map.of(
                "{\"model\":\"ok\",\"temperature\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "temperature",
                "{\"model\":\"ok\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "stream",
                "{\"model\":\"ok\",\"messages\":\"hi\"}",
                "messages",
                "{\"model\":\"ok\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}",
                "messages[0].role");
        for (var c : paramByBody.entrySet()) {
            JsonNode e = Fixtures.error(gw.post(CHAT_PATH, c.getKey()), 400, "invalid_request_error");
            assertThat(e.get("param").asText()).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(e.get("message").asText()).as(c.getKey()).contains(c.getValue());
        }
        assertThat(upstreamCalls())
                .as("checked at the edge, never sent upstream")
                .isZero();
    }

    @Test
    void eachEndpointNamesItsMissingRequiredParam() throws Exception {
        JsonNode e = Fixtures.error(gw.post("/v1/embeddings", "{\"model\":\"ok\"}"), 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("input");
        e = Fixtures.error(gw.post("/v1/completions", "{\"model\":\"ok\"}"), 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("prompt");
        e = Fixtures.error(gw.post("/chat/completions", "{\"model\":\"ok\"}"), 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("messages");
    }

    // 401: the client's key

    @Test
    void aMissingOrUnknownKeyIs401AndTheKeyIsNeverEchoed() throws Exception {
        try (TestGateway secured = TestGateway.start(config("auth:\n  master_key: " + MASTER_KEY))) {
            JsonNode missing = Fixtures.error(secured.post(CHAT_PATH, chat("ok")), 401, "authentication_error");
            assertThat(missing.get("message").asText()).contains("Authorization: Bearer");

            String wrong = "sk-wrong-key-5b1f0c9e";
            HttpResponse<String> r = secured.post(CHAT_PATH, chat("ok"), "Authorization", "Bearer " + wrong);
            Fixtures.error(r, 401, "authentication_error");
            assertThat(r.body()).doesNotContain(wrong).doesNotContain(MASTER_KEY);
            assertThat(secured.logs()).doesNotContain(wrong).doesNotContain(MASTER_KEY);
            assertThat(upstreamCalls()).isZero();
        }
    }

    @Test
    void theKeyIsAlsoAcceptedInXApiKey() throws Exception {
        try (TestGateway secured = TestGateway.start(config("auth:\n  master_key: " + MASTER_KEY))) {
            HttpResponse<String> r = secured.post(CHAT_PATH, chat("ok"), "x-api-key", MASTER_KEY);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(secured.post(CHAT_PATH, chat("ok"), "Authorization", "Bearer " + MASTER_KEY)
                            .statusCode())
                    .isEqualTo(200);
        }
    }

    // 404

    @Test
    void anUnknownModelIs404ModelNotFound() throws Exception {
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, chat("gpt-17")), 404, "not_found_error");
        assertThat(e.get("code").asText()).isEqualTo("model_not_found");
        assertThat(e.get("message").asText()).contains("gpt-17").contains("/v1/models");
    }

    @Test
    void anUnknownPathIs404() throws Exception {
        JsonNode e = Fixtures.error(gw.post("/v1/chat/complete", chat("ok")), 404, "not_found_error");
        assertThat(e.get("message").asText()).contains("/v1/chat/complete");
        Fixtures.error(gw.get("/v2/models"), 404, "not_found_error");
    }

    // 405, 413, 415

    @Test
    void aWrongMethodIs405WithAnAllowHeader() throws Exception {
        HttpResponse<String> r = gw.get(CHAT_PATH);
        JsonNode e = Fixtures.error(r, 405, "invalid_request_error");
        assertThat(r.headers().firstValue("Allow")).hasValue("POST");
        assertThat(e.get("message").asText()).contains("GET").contains("POST");
    }

    @Test
    void aBodyThatIsNotJsonIs415() throws Exception {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded"}) {
            JsonNode e =
                    Fixtures.error(gw.post(CHAT_PATH, chat("ok"), "Content-Type", type), 415, "invalid_request_error");
            assertThat(e.get("message").asText()).contains("application/json").contains(type);
        }
        assertThat(upstreamCalls()).isZero();
    }

    @Test
    void aBodyOverMaxBodySizeIs413WithContentLength() throws Exception {
        String big = bigChat();
        HttpResponse<String> r = gw.post(CHAT_PATH, big);
        JsonNode e = Fixtures.error(r, 413, "invalid_request_error");
        assertThat(e.get("message").asText()).contains("max_body_size").contains("2048");
        assertThat(gw.post(CHAT_PATH, chat("ok")).statusCode())
                .as("the gateway answers the next request")
                .isEqualTo(200);
    }

    @Test
    void aChunkedBodyOverMaxBodySizeIs413() throws Exception {
        byte[] big = bigChat().getBytes(StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(gw.uri(CHAT_PATH))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build();
        HttpResponse<String> r = gw.client().send(req, HttpResponse.BodyHandlers.ofString());
        JsonNode e = Fixtures.error(r, 413, "invalid_request_error");
        assertThat(e.get("message").asText()).contains("max_body_size");
        assertThat(gw.post(CHAT_PATH, chat("ok")).statusCode())
                .as("the gateway answers the next request")
                .isEqualTo(200);
        assertThat(upstreamCalls()).isEqualTo(1);
    }

    private static String bigChat() {
        return chat("ok").replace("\"hi\"", "\"" + "x".repeat(6_000) + "\"");
    }

    // provider 4xx caused by the request: returned as the provider said, not retried

    @Test
    void aProvider400IsReturnedWithItsStatusMessageParamAndCodeAndNotRetried() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("bad-param"));
        JsonNode e = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(e.get("message").asText())
                .isEqualTo("Invalid type for 'temperature': expected a decimal, but got a string instead.");
        assertThat(e.get("param").asText()).isEqualTo("temperature");
        assertThat(e.get("code").asText()).isEqualTo("invalid_type");
        assertThat(upstreamCalls())
                .as("not retried on the group's other deployment")
                .isEqualTo(1);
        assertNoUpstreamKey(r);
    }

    @Test
    void aProviderContextLengthErrorIs400ContextLengthExceeded() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("too-long"));
        JsonNode e = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.get("message").asText()).contains("maximum context length");
        assertThat(upstreamCalls()).isEqualTo(1);
    }

    // provider failures

    @Test
    void aProvider401Is502ProviderAuthErrorNeverAClient401() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("refused-key"));
        JsonNode e = Fixtures.error(r, 502, "api_error");
        assertThat(e.get("code").asText()).isEqualTo("provider_auth_error");
        assertThat(e.get("message").asText()).contains("401").contains("api_key");
        assertNoUpstreamKey(r);
    }

    @Test
    void aProvider403Is502ProviderAuthErrorNeverAClient403Or404() throws Exception {
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, chat("forbidden")), 502, "api_error");
        assertThat(e.get("code").asText()).isEqualTo("provider_auth_error");
        assertThat(e.get("message").asText()).contains("403").contains("does not have access");
    }

    @Test
    void aProviderThatEchoesTheKeyNeverGetsItIntoTheAnswer() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("echoed-key"));
        JsonNode e = Fixtures.error(r, 502, "api_error");
        assertThat(e.get("message").asText()).contains("Incorrect API key provided");
        assertNoUpstreamKey(r);
    }

    @Test
    void aProvider429IsRetriedOnAnotherDeploymentOfTheGroup() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("limited-two"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-attempts")).hasValue("2");
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("up/m-ok");
        assertThat(r.body()).isEqualTo(Fixtures.openai("chat.json"));
        assertThat(wm.findAll(postRequestedFor(urlEqualTo(CHAT_PATH))
                        .withRequestBody(matchingJsonPath("$.model", equalTo("m-429")))))
                .hasSize(1);
    }

    @Test
    void aProvider429WithNoOtherDeploymentIs429WithRetryAfter() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("limited"));
        JsonNode e = Fixtures.error(r, 429, "rate_limit_error");
        assertThat(r.headers().firstValue("Retry-After")).hasValue("20");
        assertThat(e.get("message").asText()).contains("Rate limit reached");
    }

    @Test
    void aProvider500Is502WithTheProviderStatusAndMessage() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("broken"));
        JsonNode e = Fixtures.error(r, 502, "api_error");
        assertThat(e.get("message").asText())
                .contains("500")
                .contains("The server had an error while processing your request");
        assertNoUpstreamKey(r);
    }

    @Test
    void aProviderSlowerThanItsTimeoutIs504() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("slow"));
        JsonNode e = Fixtures.error(r, 504, "timeout_error");
        assertThat(e.get("message").asText()).contains("300ms").contains("timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aRefusedConnectionIs502() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("unreachable"));
        JsonNode e = Fixtures.error(r, 502, "api_error");
        assertThat(e.get("message").asText()).contains("dead/m-dead").contains("could not connect");
        assertNoUpstreamKey(r);
    }

    @Test
    void aProvider5xxIsRetriedOnAnotherDeploymentOfTheGroup() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("flaky"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-attempts")).hasValue("2");
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("up/m-ok");
    }

    @Test
    void aRefusedConnectionIsRetriedOnAnotherDeploymentOfTheGroup() throws Exception {
        HttpResponse<String> r = gw.post(CHAT_PATH, chat("half-dead"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-attempts")).hasValue("2");
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("up/m-ok");
    }

    @Test
    void aProviderAnswerThatIsNotJsonIs502() throws Exception {
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, chat("garbage")), 502, "api_error");
        assertThat(e.get("message").asText()).contains("up/m-garbage").contains("malformed");
    }

    // before the first byte of a stream, errors are plain JSON answers with the same status

    @Test
    void aStreamThatFailsBeforeItsFirstByteGetsAJsonErrorWithTheSameStatus() throws Exception {
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, streamChat("bad-param")), 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("temperature");
        assertThat(e.get("code").asText()).isEqualTo("invalid_type");
        Fixtures.error(gw.post(CHAT_PATH, streamChat("gpt-17")), 404, "not_found_error");
        assertThat(Fixtures.error(gw.post(CHAT_PATH, streamChat("refused-key")), 502, "api_error")
                        .get("code")
                        .asText())
                .isEqualTo("provider_auth_error");
        Fixtures.error(gw.post(CHAT_PATH, streamChat("limited")), 429, "rate_limit_error");
    }

    @Test
    void aStreamWhoseProviderSendsNothingWithinStreamTimeoutIs504() throws Exception {
        long t0 = System.nanoTime();
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, streamChat("slow")), 504, "timeout_error");
        assertThat(e.get("message").asText()).contains("stream_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    private static String streamChat(String model) {
        return chat(model).replace("{\"model\"", "{\"stream\":true,\"model\"");
    }

    // 503: nothing can serve the group

    @Test
    void aGroupWhoseOnlyProviderLacksItsCredentialIs503NamingTheVariable() throws Exception {
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, chat("needs-key")), 503, "api_error");
        assertThat(e.get("message").asText()).contains("NOT_SET_VAR");
        assertThat(upstreamCalls()).isZero();
    }

    @Test
    void aProviderWhoseBaseUrlVariableIsUnsetIs503NamingIt() throws Exception {
        JsonNode e = Fixtures.error(gw.post(CHAT_PATH, chat("needs-url")), 503, "api_error");
        assertThat(e.get("message").asText()).contains("UNSET_BASE_URL");
    }
}
