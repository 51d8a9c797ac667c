package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §1 hot reload through admin {@code POST /config/reload}: a good file is swapped in whole, a bad one is refused
 * with its problems and the running config stays, and requests in flight finish on the config they started with.
 */
class ReloadIT {
    private static final String MASTER_KEY = "mk-reload-master-31a7c";
    private static final String AUTH = "Bearer " + MASTER_KEY;

    private static WireMockServer wm;

    @BeforeAll
    static void start() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
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

    private static String config(String name, String baseUrl, String models) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 2s
                auth:
                  master_key: %s
                providers:
                  - name: %s
                    type: openai
                    api_key: sk-reload-provider-key
                    base_url: %s
                    models: %s
                  - name: nokey
                    type: openai
                    api_key: ${NOT_SET_VAR}
                    models: [needs-key]
                """.formatted(MASTER_KEY, name, baseUrl, models);
    }

    private static String wmBase() {
        return "http://127.0.0.1:" + wm.port() + "/v1";
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static HttpResponse<String> ask(TestGateway gw, String model) throws Exception {
        return gw.post("/v1/chat/completions", chat(model, false), "Authorization", AUTH);
    }

    private static HttpResponse<String> reload(TestGateway gw, String... headers) throws Exception {
        return gw.post("/config/reload", "", headers);
    }

    private static void rewrite(TestGateway gw, String yaml) throws Exception {
        Files.writeString(gw.dir().resolve("config.yaml"), yaml);
    }

    @Test
    void afterAReloadTheNewModelGroupAnswersAndTheRemovedOneIs404() throws Exception {
        try (TestGateway gw = TestGateway.start(config("up", wmBase(), "[alpha]"))) {
            assertThat(ask(gw, "alpha").statusCode()).isEqualTo(200);
            rewrite(gw, config("up", wmBase(), "[beta]"));

            Fixtures.error(reload(gw), 401, "authentication_error");
            assertThat(ask(gw, "alpha").statusCode())
                    .as("a refused reload changes nothing")
                    .isEqualTo(200);

            HttpResponse<String> r = reload(gw, "Authorization", AUTH);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(Fixtures.json(r.body()).get("status").asText()).isEqualTo("reloaded");

            HttpResponse<String> beta = ask(gw, "beta");
            assertThat(beta.statusCode()).as(beta.body()).isEqualTo(200);
            assertThat(beta.headers().firstValue("x-llmux-deployment")).hasValue("up/beta");
            JsonNode e = Fixtures.error(ask(gw, "alpha"), 404, "not_found_error");
            assertThat(e.get("code").asText()).isEqualTo("model_not_found");
            assertThat(Fixtures.json(gw.get("/v1/models", "Authorization", AUTH).body())
                            .get("data")
                            .findValuesAsText("id"))
                    .contains("beta")
                    .doesNotContain("alpha");
        }
    }

    @Test
    void aBadFileIsRefusedWith400NamingTheProblemAndItsPathAndTheRunningConfigKeepsAnswering() throws Exception {
        try (TestGateway gw = TestGateway.start(config("up", wmBase(), "[alpha]"))) {
            rewrite(gw, config("up", wmBase(), "[beta]").replace("    models: [beta]", "    modls: [beta]"));
            HttpResponse<String> r = reload(gw, "Authorization", AUTH);
            JsonNode e = Fixtures.error(r, 400, "invalid_request_error");
            assertThat(e.get("message").asText())
                    .contains("providers[0].modls")
                    .contains("unknown key")
                    .contains("did you mean models?")
                    .contains("running config stays");

            assertThat(ask(gw, "alpha").statusCode()).isEqualTo(200);
            assertThat(ask(gw, "beta").statusCode()).isEqualTo(404);
            assertThat(gw.logs()).contains("config reload rejected").contains("providers[0].modls");
        }
    }

    @Test
    void aRequestInFlightDuringAReloadFinishesOnTheConfigItStartedWith() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedUpstream old = new ScriptedUpstream(ev -> {
                    received.countDown();
                    assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                    ev.content("from-old-config");
                    ev.done();
                });
                TestGateway gw = TestGateway.start(config("old", old.baseUrl(), "[alpha]"))) {
            HttpRequest req = HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json")
                    .header("Authorization", AUTH)
                    .POST(HttpRequest.BodyPublishers.ofString(chat("alpha", true)))
                    .build();
            CompletableFuture<HttpResponse<String>> inFlight =
                    gw.client().sendAsync(req, HttpResponse.BodyHandlers.ofString());
            assertThat(received.await(10, TimeUnit.SECONDS))
                    .as("the upstream has the request")
                    .isTrue();

            // the group and its provider are gone from the new config
            rewrite(gw, config("new", wmBase(), "[beta]"));
            HttpResponse<String> reloaded = reload(gw, "Authorization", AUTH);
            assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
            assertThat(ask(gw, "alpha").statusCode()).isEqualTo(404);
            assertThat(ask(gw, "beta").statusCode()).isEqualTo(200);

            release.countDown();
            HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("old/alpha");
            List<String> events = Fixtures.dataPayloads(r.body());
            assertThat(events).hasSize(2);
            assertThat(events.get(0)).contains("from-old-config");
            assertThat(events.get(1)).isEqualTo("[DONE]");
        }
    }

    @Test
    void healthListsEveryDeploymentAndADisabledOneWithItsReason() throws Exception {
        try (TestGateway gw = TestGateway.start(config("up", wmBase(), "[alpha, gamma]"))) {
            Fixtures.error(gw.get("/health"), 401, "authentication_error");
            HttpResponse<String> r = gw.get("/health", "Authorization", AUTH);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode health = Fixtures.json(r.body());
            assertThat(health.get("healthy_deployments").findValuesAsText("deployment"))
                    .containsExactly("up/alpha", "up/gamma");
            JsonNode unhealthy = health.get("unhealthy_deployments");
            assertThat(unhealthy).hasSize(1);
            assertThat(unhealthy.get(0).get("deployment").asText()).isEqualTo("nokey/needs-key");
            assertThat(unhealthy.get(0).get("model_group").asText()).isEqualTo("needs-key");
            assertThat(unhealthy.get(0).get("state").asText()).isEqualTo("missing credential");
            assertThat(unhealthy.get(0).get("error").asText()).contains("NOT_SET_VAR");

            rewrite(gw, config("up", wmBase(), "[beta]"));
            assertThat(reload(gw, "Authorization", AUTH).statusCode()).isEqualTo(200);
            JsonNode after =
                    Fixtures.json(gw.get("/health", "Authorization", AUTH).body());
            assertThat(after.get("healthy_deployments").findValuesAsText("deployment"))
                    .containsExactly("up/beta");
        }
    }

    @Test
    void reloadTakesTheMasterKeyInXApiKeyAndUnchangedGroupsKeepAnswering() throws Exception {
        try (TestGateway gw = TestGateway.start(config("up", wmBase(), "[alpha]"))) {
            rewrite(gw, config("up", wmBase(), "[alpha, beta]"));
            assertThat(reload(gw, "x-api-key", MASTER_KEY).statusCode()).isEqualTo(200);
            assertThat(ask(gw, "alpha").statusCode()).isEqualTo(200);
            assertThat(ask(gw, "beta").statusCode()).isEqualTo(200);
        }
    }
}
