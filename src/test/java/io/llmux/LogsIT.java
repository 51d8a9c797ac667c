package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SPEC §10 request log: one line per data-plane request, JSON by default, text on request; never a key. */
class LogsIT {
    private static final String MASTER_KEY = "mk-logs-master-6e0b2f";
    private static final String PROVIDER_KEY = "sk-logs-provider-9a4c1d";

    private static WireMockServer wm;

    @BeforeAll
    static void start() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .atPriority(1)
                .withHeader("Accept", containing("text/event-stream"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/event-stream")
                        .withBody(Fixtures.openai("chat-stream-usage.sse"))));
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .atPriority(5)
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody(Fixtures.openai("chat.json"))));
    }

    @AfterAll
    static void stop() {
        if (wm != null) {
            wm.stop();
        }
    }

    private static String config(String format) {
        return """
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
                    models:
                      - {name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18}
                logging:
                  format: %s
                """.formatted(MASTER_KEY, PROVIDER_KEY, wm.port(), format);
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    /** The request lines of {@code requestId}, once at least one was written (it is recorded after the answer). */
    private static List<JsonNode> requestLines(TestGateway gw, String requestId) {
        Fixtures.await(
                () -> gw.logs().contains("\"request_id\":\"" + requestId + "\""),
                Duration.ofSeconds(5),
                "the log line of " + requestId);
        return gw.logs()
                .lines()
                .map(Fixtures::json)
                .filter(l -> l.path("msg").asText().equals("request"))
                .filter(l -> l.path("request_id").asText().equals(requestId))
                .toList();
    }

    @Test
    void eachDataPlaneRequestLogsOneJsonLineWithIdModelDeploymentStatusLatencyAndTokens() throws Exception {
        try (TestGateway gw = TestGateway.start(config("json"))) {
            String auth = "Bearer " + MASTER_KEY;
            assertThat(gw.post(
                                    "/v1/chat/completions",
                                    chat("gpt-4o-mini", false),
                                    "Authorization",
                                    auth,
                                    "x-request-id",
                                    "log-whole")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(gw.post(
                                    "/v1/chat/completions",
                                    chat("gpt-4o-mini", true),
                                    "Authorization",
                                    auth,
                                    "x-request-id",
                                    "log-stream")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(gw.post(
                                    "/v1/chat/completions",
                                    chat("nope", false),
                                    "Authorization",
                                    auth,
                                    "x-request-id",
                                    "log-404")
                            .statusCode())
                    .isEqualTo(404);
            assertThat(gw.post(
                                    "/v1/chat/completions",
                                    chat("gpt-4o-mini", false),
                                    "Authorization",
                                    "Bearer sk-not-the-master-key",
                                    "x-request-id",
                                    "log-401")
                            .statusCode())
                    .isEqualTo(401);

            List<JsonNode> whole = requestLines(gw, "log-whole");
            assertThat(whole).hasSize(1);
            JsonNode w = whole.get(0);
            assertThat(w.get("model").asText()).isEqualTo("gpt-4o-mini");
            assertThat(w.get("deployment").asText()).isEqualTo("up/gpt-4o-mini-2024-07-18");
            assertThat(w.get("status").asInt()).isEqualTo(200);
            assertThat(w.get("latency_ms").isNumber()).isTrue();
            assertThat(w.get("latency_ms").asDouble()).isPositive();
            assertThat(w.get("prompt_tokens").asLong()).isEqualTo(1262);
            assertThat(w.get("completion_tokens").asLong()).isEqualTo(8);
            assertThat(w.get("cached_tokens").asLong()).isEqualTo(1152);

            List<JsonNode> stream = requestLines(gw, "log-stream");
            assertThat(stream).hasSize(1);
            assertThat(stream.get(0).get("stream").asBoolean()).isTrue();
            assertThat(stream.get(0).get("status").asInt()).isEqualTo(200);
            assertThat(stream.get(0).get("prompt_tokens").asLong())
                    .as("usage accounted from the stream, though the client did not ask for it")
                    .isEqualTo(1262);
            assertThat(stream.get(0).get("completion_tokens").asLong()).isEqualTo(3);

            List<JsonNode> notFound = requestLines(gw, "log-404");
            assertThat(notFound).hasSize(1);
            assertThat(notFound.get(0).get("status").asInt()).isEqualTo(404);
            assertThat(notFound.get(0).get("model").asText()).isEqualTo("nope");

            List<JsonNode> refused = requestLines(gw, "log-401");
            assertThat(refused).hasSize(1);
            assertThat(refused.get(0).get("status").asInt()).isEqualTo(401);

            String logs = gw.logs();
            assertThat(logs.lines().toList())
                    .as("every line is one JSON object")
                    .allSatisfy(l -> assertThat(Fixtures.json(l).isObject()).isTrue());
            assertThat(logs).doesNotContain(MASTER_KEY, PROVIDER_KEY, "sk-not-the-master-key");
        }
    }

    @Test
    void withLoggingFormatTextLinesAreText() throws Exception {
        try (TestGateway gw = TestGateway.start(config("text"))) {
            assertThat(gw.post(
                                    "/v1/chat/completions",
                                    chat("gpt-4o-mini", false),
                                    "Authorization",
                                    "Bearer " + MASTER_KEY,
                                    "x-request-id",
                                    "log-text")
                            .statusCode())
                    .isEqualTo(200);
            Fixtures.await(() -> gw.logs().contains("request_id=log-text"), Duration.ofSeconds(5), "the text log line");
            List<String> lines = gw.logs().lines().toList();
            assertThat(lines).isNotEmpty().noneMatch(l -> l.startsWith("{"));
            assertThat(lines)
                    .filteredOn(l -> l.contains("request_id=log-text"))
                    .singleElement()
                    .satisfies(l -> assertThat(l)
                            .contains(" INFO request ")
                            .contains("model=gpt-4o-mini")
                            .contains("deployment=up/gpt-4o-mini-2024-07-18")
                            .contains("status=200")
                            .contains("latency_ms=")
                            .contains("prompt_tokens=1262"));
            assertThat(gw.logs()).doesNotContain(MASTER_KEY, PROVIDER_KEY);
        }
    }
}
