package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.file.Files;
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
        return config(format, "info", false);
    }

    private static String config(String format, String level, boolean payloads) {
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
                  level: %s
                  log_payloads: %s
                """.formatted(MASTER_KEY, PROVIDER_KEY, wm.port(), format, level, payloads);
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
            assertThat(w.get("key_alias").asText())
                    .as("the master key by name, never by value")
                    .isEqualTo("master");
            assertThat(w.get("model_group").asText()).isEqualTo("gpt-4o-mini");
            assertThat(w.get("provider").asText()).isEqualTo("up");
            assertThat(w.get("attempts").asInt()).isEqualTo(1);
            assertThat(w.get("cost_usd").asDouble()).isPositive();
            assertThat(w.has("trace_id")).as("no tracing, no trace id").isFalse();
            assertThat(w.has("request") || w.has("answer"))
                    .as("payloads are not logged by default")
                    .isFalse();

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
            assertThat(notFound.get(0).get("level").asText()).isEqualTo("warn");
            assertThat(notFound.get(0).get("error").asText()).isEqualTo("model_not_found");
            assertThat(notFound.get(0).has("model_group")).as("never routed").isFalse();

            List<JsonNode> refused = requestLines(gw, "log-401");
            assertThat(refused).hasSize(1);
            assertThat(refused.get(0).get("status").asInt()).isEqualTo(401);
            assertThat(refused.get(0).has("key_alias"))
                    .as("nobody was identified")
                    .isFalse();

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

    @Test
    void withLogPayloadsTheLineCarriesThePromptAndTheAnswerWithCredentialsInThemMasked() throws Exception {
        String pasted = "sk-" + "pastedIntoThePrompt0123456789abcdef";
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"my key is " + pasted
                + ", what is the capital of France?\"}]}";
        try (TestGateway gw = TestGateway.start(config("json", "info", true))) {
            String auth = "Bearer " + MASTER_KEY;
            assertThat(gw.post("/v1/chat/completions", body, "Authorization", auth, "x-request-id", "log-payload")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(gw.post(
                                    "/v1/chat/completions",
                                    chat("gpt-4o-mini", true),
                                    "Authorization",
                                    auth,
                                    "x-request-id",
                                    "log-payload-stream")
                            .statusCode())
                    .isEqualTo(200);

            JsonNode whole = requestLines(gw, "log-payload").get(0);
            assertThat(whole.get("request").asText())
                    .contains("what is the capital of France?")
                    .contains("\"role\":\"user\"")
                    .doesNotContain(pasted)
                    .contains("[REDACTED]");
            assertThat(whole.get("answer").asText()).isEqualTo("The capital of France is Paris.");

            JsonNode stream = requestLines(gw, "log-payload-stream").get(0);
            assertThat(stream.get("request").asText()).contains("\"content\":\"hi\"");
            assertThat(stream.get("answer").asText()).startsWith("Hello!");
            assertThat(gw.logs()).doesNotContain(pasted, MASTER_KEY, PROVIDER_KEY);
        }
    }

    @Test
    void loggingLevelWarnKeepsOnlyFailedRequestsAndAReloadToInfoBringsTheRestBack() throws Exception {
        try (TestGateway gw = TestGateway.start(config("json", "warn", false))) {
            String auth = "Bearer " + MASTER_KEY;
            gw.post(
                    "/v1/chat/completions",
                    chat("gpt-4o-mini", false),
                    "Authorization",
                    auth,
                    "x-request-id",
                    "lvl-ok");
            gw.post("/v1/chat/completions", chat("nope", false), "Authorization", auth, "x-request-id", "lvl-404");
            assertThat(requestLines(gw, "lvl-404")).hasSize(1);
            assertThat(gw.logs()).doesNotContain("\"request_id\":\"lvl-ok\"");
            assertThat(gw.logs()
                            .lines()
                            .map(Fixtures::json)
                            .map(l -> l.get("level").asText()))
                    .as("nothing below warn")
                    .doesNotContain("info", "debug");

            Files.writeString(gw.dir().resolve("config.yaml"), config("json", "info", false));
            gw.gateway().reload();
            gw.post(
                    "/v1/chat/completions",
                    chat("gpt-4o-mini", false),
                    "Authorization",
                    auth,
                    "x-request-id",
                    "lvl-ok2");
            assertThat(requestLines(gw, "lvl-ok2")).hasSize(1);
            assertThat(gw.logs()).contains("config reloaded");
        }
    }

    @Test
    void aVirtualKeyIsLoggedByItsAliasWithItsTeamAndUserNeverByTheKeyOrItsHash() throws Exception {
        String yaml = config("json").replace("logging:", "database:\n  type: embedded\n  path: ./data/llmux\nlogging:");
        try (TestGateway gw = TestGateway.start(yaml)) {
            gw.awaitReady();
            String team = gw.manage(MASTER_KEY, "/team/new", "{\"team_alias\":\"log-team\"}")
                    .get("team_id")
                    .asText();
            gw.manage(MASTER_KEY, "/user/new", "{\"user_id\":\"log-user\"}");
            JsonNode made = gw.manage(
                    MASTER_KEY,
                    "/key/generate",
                    "{\"key_alias\":\"log-alias\",\"team_id\":\"" + team + "\",\"user_id\":\"log-user\"}");
            String key = made.get("key").asText();
            String hash = made.get("token").asText();
            assertThat(gw.post(
                                    "/v1/chat/completions",
                                    chat("gpt-4o-mini", false),
                                    "Authorization",
                                    "Bearer " + key,
                                    "x-request-id",
                                    "log-virtual")
                            .statusCode())
                    .isEqualTo(200);
            JsonNode line = requestLines(gw, "log-virtual").get(0);
            assertThat(line.get("key_alias").asText()).isEqualTo("log-alias");
            assertThat(line.get("team").asText()).isEqualTo("log-team");
            assertThat(line.get("user").asText()).isEqualTo("log-user");
            assertThat(gw.logs()).doesNotContain(key, hash, MASTER_KEY, PROVIDER_KEY);
        }
    }
}
