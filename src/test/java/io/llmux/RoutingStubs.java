package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * One WireMock upstream playing every deployment of the routing ITs: what a deployment does is the ending of its
 * upstream model name ({@code a-500} fails with a 500, {@code a-ok} answers), so a config line says what each
 * deployment does and WireMock's journal says which deployment was called.
 */
final class RoutingStubs {
    static final String CHAT_PATH = "/v1/chat/completions";
    /** Longer than the 300 ms provider timeouts of the routing configs. */
    static final int SLOW_MILLIS = 1_000;
    /** Slower than {@code -ok}, well within every timeout: for lowest-latency. */
    static final int LAG_MILLIS = 150;
    /** The {@code Retry-After} of {@code -429long}: outlasts any test, so only a hand clear ends it. */
    static final int LONG_RETRY_AFTER_SECONDS = 30;

    private RoutingStubs() {}

    static void install(WireMockServer wm) {
        wm.stubFor(model(".*-ok")
                .atPriority(1)
                .withHeader("Accept", containing("text/event-stream"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/event-stream")
                        .withBody(Fixtures.openai("chat-stream.sse"))));
        wm.stubFor(model(".*-ok").atPriority(2).willReturn(json(200, "chat.json")));
        wm.stubFor(model(".*-lag").willReturn(json(200, "chat.json").withFixedDelay(LAG_MILLIS)));
        wm.stubFor(model(".*-slow").willReturn(json(200, "chat.json").withFixedDelay(SLOW_MILLIS)));
        wm.stubFor(model(".*-reset").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        wm.stubFor(model(".*-500").willReturn(json(500, "error-500.json")));
        wm.stubFor(model(".*-400").willReturn(json(400, "error-400.json")));
        wm.stubFor(model(".*-401").willReturn(json(401, "error-401.json")));
        wm.stubFor(model(".*-403").willReturn(json(403, "error-403.json")));
        wm.stubFor(model(".*-ctx").willReturn(json(400, "error-context-length.json")));
        wm.stubFor(model(".*-429").willReturn(json(429, "error-429.json").withHeader("Retry-After", "1")));
        wm.stubFor(model(".*-429long")
                .willReturn(json(429, "error-429.json")
                        .withHeader("Retry-After", Integer.toString(LONG_RETRY_AFTER_SECONDS))));
    }

    static MappingBuilder model(String pattern) {
        return post(urlEqualTo(CHAT_PATH)).withRequestBody(matchingJsonPath("$.model", matching(pattern)));
    }

    static ResponseDefinitionBuilder json(int status, String fixture) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withBody(Fixtures.openai(fixture));
    }

    static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    static String streamChat(String model) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    /** How many requests one deployment (by its upstream model) received. */
    static int calls(WireMockServer wm, String upstreamModel) {
        return wm.findAll(postRequestedFor(urlEqualTo(CHAT_PATH))
                        .withRequestBody(matchingJsonPath("$.model", equalTo(upstreamModel))))
                .size();
    }

    /** The upstream models called, oldest first. */
    static List<String> modelsCalled(WireMockServer wm) {
        return wm.findAll(postRequestedFor(urlEqualTo(CHAT_PATH))).stream()
                .map(r -> Fixtures.json(r.getBodyAsString()).path("model").asText())
                .toList();
    }

    /** One deployment's entry in the admin {@code GET /health}. */
    static JsonNode health(TestGateway gw, String deployment) throws Exception {
        HttpResponse<String> r = gw.get("/health");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode root = Fixtures.json(r.body());
        for (String list : new String[] {"healthy_deployments", "unhealthy_deployments"}) {
            for (JsonNode d : root.path(list)) {
                if (d.path("deployment").asText().equals(deployment)) {
                    return d;
                }
            }
        }
        throw new AssertionError("no deployment " + deployment + " in /health: " + r.body());
    }

    /** Cools a deployment by hand for {@code seconds} through the admin API. */
    static HttpResponse<String> coolDown(TestGateway gw, String deployment, long seconds) throws Exception {
        return gw.post("/deployments/cooldown", "{\"deployment\":\"" + deployment + "\",\"seconds\":" + seconds + "}");
    }

    static void assertAnsweredBy(HttpResponse<String> r, String deployment, int attempts) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue(deployment);
        assertThat(r.headers().firstValue("x-llmux-attempts")).hasValue(Integer.toString(attempts));
    }
}
