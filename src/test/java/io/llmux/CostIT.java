package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §5 Cost and §3 response headers: each answer's cost from the built-in price table (or the deployment's
 * config prices), in {@code x-llmux-response-cost} for whole answers and as {@code cost_usd} on the request log line
 * for every answer; a model without a price answers normally at cost 0.
 */
class CostIT {
    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
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
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: up
                    type: openai
                    api_key: sk-cost-test
                    base_url: http://127.0.0.1:%d/v1
                    models:
                      - {name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18}
                      - {name: mystery, model: mystery-model-x}
                      - {name: house, model: house-model, input_cost_per_million: 1, output_cost_per_million: 2}
                """.formatted(wm.port()));
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

    private static HttpResponse<String> chat(String model, boolean stream, String requestId) throws Exception {
        return gw.post(
                "/v1/chat/completions",
                "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-request-id",
                requestId);
    }

    /** The one request line of {@code requestId}, once written (it is recorded after the answer). */
    private static JsonNode requestLine(String requestId) {
        Fixtures.await(
                () -> gw.logs().contains("\"request_id\":\"" + requestId + "\""),
                Duration.ofSeconds(5),
                "the log line of " + requestId);
        List<JsonNode> lines = gw.logs()
                .lines()
                .map(Fixtures::json)
                .filter(l -> l.path("msg").asText().equals("request"))
                .filter(l -> l.path("request_id").asText().equals(requestId))
                .toList();
        assertThat(lines).hasSize(1);
        return lines.get(0);
    }

    @Test
    void wholeAnswerCarriesItsCostInXLlmuxResponseCost() throws Exception {
        HttpResponse<String> r = chat("gpt-4o-mini", false, "cost-whole");

        assertThat(r.statusCode()).isEqualTo(200);
        // chat.json: 1262 prompt tokens of which 1152 cached, 8 completion; gpt-4o-mini 0.15 / 0.075 / 0.60 per 1M
        // (110 × 0.15 + 1152 × 0.075 + 8 × 0.60) / 1e6
        assertThat(r.headers().firstValue("x-llmux-response-cost")).hasValue("0.0001077");
        JsonNode line = requestLine("cost-whole");
        assertThat(line.get("cost_usd").isNumber())
                .as("cost_usd is a JSON number")
                .isTrue();
        assertThat(line.get("cost_usd").decimalValue()).isEqualByComparingTo("0.0001077");
    }

    @Test
    void streamedAnswerLogsItsCostOnceTheStreamEnded() throws Exception {
        HttpResponse<String> r = chat("gpt-4o-mini", true, "cost-stream");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Fixtures.dataPayloads(r.body())).last().isEqualTo("[DONE]");
        // the headers left before the usage arrived: a stream's cost is in the log only
        assertThat(r.headers().firstValue("x-llmux-response-cost")).isEmpty();
        // chat-stream-usage.sse: 1262 prompt (1152 cached), 3 completion
        JsonNode line = requestLine("cost-stream");
        assertThat(line.get("stream").asBoolean()).isTrue();
        assertThat(line.get("cost_usd").decimalValue()).isEqualByComparingTo("0.0001047");
    }

    @Test
    void aModelWithoutAPriceAnswersNormallyAtCostZeroAndWarnsOnce() throws Exception {
        HttpResponse<String> first = chat("mystery", false, "cost-unknown-1");
        HttpResponse<String> second = chat("mystery", true, "cost-unknown-2");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(Fixtures.json(first.body()).path("choices").isArray()).isTrue();
        assertThat(first.headers().firstValue("x-llmux-response-cost")).hasValue("0");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(requestLine("cost-unknown-1").get("cost_usd").asDouble()).isZero();
        assertThat(requestLine("cost-unknown-2").get("cost_usd").asDouble()).isZero();
        assertThat(gw.logs().lines().filter(l -> l.contains("no price for model mystery-model-x")))
                .as("one warning for the model, however many requests")
                .hasSize(1)
                .allSatisfy(l -> assertThat(l).contains("input_cost_per_million/output_cost_per_million"));
    }

    @Test
    void deploymentPricesFromConfigOverrideTheTable() throws Exception {
        HttpResponse<String> r = chat("house", false, "cost-house");

        assertThat(r.statusCode()).isEqualTo(200);
        // no cached price configured and none listed: cached tokens cost the input price
        // (1262 × 1 + 8 × 2) / 1e6
        assertThat(r.headers().firstValue("x-llmux-response-cost")).hasValue("0.001278");
        assertThat(requestLine("cost-house").get("cost_usd").decimalValue()).isEqualByComparingTo("0.001278");
    }
}
