package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §4/§10: keys and provider secrets never appear in logs or errors, on the paths most likely to leak them: a
 * provider that echoes the key it was sent, a provider that cannot be reached, a client with a wrong key, a database
 * and a Redis with passwords that cannot be reached.
 */
class SecretLeakIT {
    private static WireMockServer wm;

    @BeforeAll
    static void start() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        // OpenAI's words, with the key it was sent in full, as a misbehaving compatible server would put it
        wm.stubFor(post(urlEqualTo("/echo/v1/chat/completions"))
                .willReturn(aResponse()
                        .withStatus(401)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"Incorrect API key provided: " + TestSecrets.OPENAI_KEY
                                + ". You sent Authorization: Bearer " + TestSecrets.OPENAI_KEY
                                + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}")));
        // a request error passed to the client, quoting a key the provider was never given
        wm.stubFor(post(urlEqualTo("/quote/v1/chat/completions"))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"bad value for user: " + TestSecrets.UNKNOWN_KEY
                                + " (x-api-key: " + TestSecrets.AZURE_KEY
                                + ")\",\"type\":\"invalid_request_error\",\"param\":\"user\"}}")));
        wm.stubFor(post(urlEqualTo("/v1/messages"))
                .willReturn(aResponse()
                        .withStatus(401)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
                                + "\"message\":\"invalid x-api-key: " + TestSecrets.ANTHROPIC_KEY + "\"}}")));
    }

    @AfterAll
    static void stop() {
        if (wm != null) {
            wm.stop();
        }
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static void assertNoSecret(String what, String text) {
        for (String secret : TestSecrets.all()) {
            assertThat(text).as(what).doesNotContain(secret);
        }
    }

    @Test
    void providerErrorsThatEchoKeysReachNeitherTheClientNorTheLog() throws Exception {
        int closed = Fixtures.closedPort();
        try (TestGateway gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %1$s
                providers:
                  - name: echo
                    type: openai
                    api_key: %2$s
                    base_url: http://127.0.0.1:%3$d/echo/v1
                    models: [echo-model]
                  - name: quote
                    type: openai
                    api_key: %2$s
                    base_url: http://127.0.0.1:%3$d/quote/v1
                    models: [quote-model]
                  - name: ant
                    type: anthropic
                    api_key: %4$s
                    base_url: http://127.0.0.1:%3$d
                    models: [claude-3-5-sonnet-20241022]
                  - name: gem
                    type: gemini
                    api_key: %5$s
                    base_url: http://127.0.0.1:%6$d
                    timeout: 2s
                    models: [gemini-2.0-flash]
                """.formatted(
                        TestSecrets.MASTER_KEY,
                        TestSecrets.OPENAI_KEY,
                        wm.port(),
                        TestSecrets.ANTHROPIC_KEY,
                        TestSecrets.GEMINI_KEY,
                        closed))) {
            String auth = "Bearer " + TestSecrets.MASTER_KEY;
            List<String> bodies = new ArrayList<>();

            HttpResponse<String> echoed = gw.post("/v1/chat/completions", chat("echo-model"), "Authorization", auth);
            assertThat(echoed.statusCode()).as(echoed.body()).isEqualTo(502);
            assertThat(Fixtures.json(echoed.body()).path("error").path("code").asText())
                    .isEqualTo("provider_auth_error");
            assertThat(echoed.body()).as("the provider's words stay").contains("Incorrect API key provided");
            bodies.add(echoed.body());

            HttpResponse<String> quoted = gw.post("/v1/chat/completions", chat("quote-model"), "Authorization", auth);
            assertThat(quoted.statusCode()).as(quoted.body()).isEqualTo(400);
            assertThat(quoted.body()).contains("bad value for user");
            bodies.add(quoted.body());

            HttpResponse<String> anthropic =
                    gw.post("/v1/chat/completions", chat("claude-3-5-sonnet-20241022"), "Authorization", auth);
            assertThat(anthropic.statusCode()).as(anthropic.body()).isEqualTo(502);
            bodies.add(anthropic.body());

            HttpResponse<String> unreachable =
                    gw.post("/v1/chat/completions", chat("gemini-2.0-flash"), "Authorization", auth);
            assertThat(unreachable.statusCode()).as(unreachable.body()).isIn(502, 503, 504);
            bodies.add(unreachable.body());

            bodies.forEach(b -> assertNoSecret("an error answer: " + b, b));
            String logs = awaitRequestLines(gw, 4);
            assertNoSecret("the log", logs);
        }
    }

    @Test
    void wrongKeysAreNeverEchoedOrLogged() throws Exception {
        try (TestGateway gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                providers:
                  - name: mock
                    type: mock
                    models: [mock-model]
                """.formatted(TestSecrets.MASTER_KEY))) {
            List<HttpResponse<String>> refused = List.of(
                    gw.post(
                            "/v1/chat/completions",
                            chat("mock-model"),
                            "Authorization",
                            "Bearer " + TestSecrets.UNKNOWN_KEY),
                    gw.post("/v1/chat/completions", chat("mock-model"), "x-api-key", TestSecrets.UNKNOWN_KEY),
                    // one character off the master key: a near miss must not print what it was compared with
                    gw.post(
                            "/v1/chat/completions",
                            chat("mock-model"),
                            "Authorization",
                            "Bearer " + TestSecrets.MASTER_KEY + "0"),
                    gw.get("/key/list", "Authorization", "Bearer " + TestSecrets.UNKNOWN_KEY));
            for (HttpResponse<String> r : refused) {
                assertThat(r.statusCode()).as(r.body()).isIn(401, 501);
                assertNoSecret("an error answer: " + r.body(), r.body());
            }
            assertNoSecret("the log", awaitRequestLines(gw, 3));
        }
    }

    @Test
    void unreachableDatabaseAndRedisWithPasswordsKeepTheirPasswordsOutOfTheLogAndReadiness() throws Exception {
        int closed = Fixtures.closedPort();
        try (TestGateway gw = TestGateway.start(
                """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %1$s
                redis:
                  addr: redis://:%2$s@127.0.0.1:%3$d/0
                  timeout: 200ms
                database:
                  type: postgres
                  host: 127.0.0.1
                  port: %3$d
                  user: llmux
                  password: %4$s
                  name: llmux
                providers:
                  - name: mock
                    type: mock
                    models: [mock-model]
                """.formatted(TestSecrets.MASTER_KEY, TestSecrets.REDIS_PASSWORD, closed, TestSecrets.DB_PASSWORD))) {
            HttpResponse<String> ready = gw.get("/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
            assertNoSecret("readiness: " + ready.body(), ready.body());
            HttpResponse<String> keyed = gw.post(
                    "/v1/chat/completions", chat("mock-model"), "Authorization", "Bearer " + TestSecrets.UNKNOWN_KEY);
            assertNoSecret("an error answer: " + keyed.body(), keyed.body());
            HttpResponse<String> manage =
                    gw.post("/key/generate", "{}", "Authorization", "Bearer " + TestSecrets.MASTER_KEY);
            assertThat(manage.statusCode()).as(manage.body()).isGreaterThanOrEqualTo(500);
            assertNoSecret("an error answer: " + manage.body(), manage.body());
            // the database is retried in the background: give its failures time to be logged
            Fixtures.await(
                    () -> gw.logs().contains("database") || gw.logs().contains("postgres"),
                    Duration.ofSeconds(10),
                    "the database failure to be logged");
            assertNoSecret("the log", gw.logs());
        }
    }

    /** The log once {@code n} request lines are in it (each is written after its answer). */
    private static String awaitRequestLines(TestGateway gw, int n) {
        Fixtures.await(
                () -> gw.logs()
                                .lines()
                                .filter(l -> l.contains("\"msg\":\"request\""))
                                .count()
                        >= n,
                Duration.ofSeconds(5),
                n + " request lines");
        return gw.logs();
    }
}
