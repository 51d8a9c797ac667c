package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §3 {@code POST /v1/completions}: legacy text completions pass through to openai and azure, whole and streamed,
 * and a stream's tokens are accounted from its usage chunk whether or not the client asked for it.
 */
class LegacyCompletionsIT {
    private static final String CLIENT_KEY = "mk-legacy-it-master-81d3f0";
    private static final String OPENAI_PATH = "/v1/completions";
    private static final String AZURE_PATH = "/openai/deployments/dep-instruct/completions?api-version=2024-10-21";

    private static WireMockServer wm;
    private static TestGateway gw;

    /** One provider under test: its model group, the upstream path, model and fixtures. */
    private record Upstream(String group, String path, String model, String whole, String stream) {}

    private static final Upstream OPENAI = new Upstream(
            "gpt-3.5-turbo-instruct",
            OPENAI_PATH,
            "gpt-3.5-turbo-instruct",
            Fixtures.openai("completion.json"),
            Fixtures.openai("completion-stream.sse"));
    private static final Upstream AZURE = new Upstream(
            "azure-instruct",
            AZURE_PATH,
            "dep-instruct",
            AzureIT.azure("completion.json"),
            AzureIT.azure("completion-stream.sse"));

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        for (Upstream up : List.of(OPENAI, AZURE)) {
            wm.stubFor(post(urlEqualTo(up.path()))
                    .atPriority(1)
                    .withHeader("Accept", containing("text/event-stream"))
                    .willReturn(aResponse()
                            .withStatus(200)
                            .withHeader("Content-Type", "text/event-stream; charset=utf-8")
                            .withBody(up.stream())));
            wm.stubFor(post(urlEqualTo(up.path()))
                    .atPriority(5)
                    .willReturn(aResponse()
                            .withStatus(200)
                            .withHeader("Content-Type", "application/json")
                            .withBody(up.whole())));
        }
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                providers:
                  - name: oai
                    type: openai
                    api_key: sk-legacy-openai-key-4b7e
                    base_url: http://127.0.0.1:%d/v1
                    models: [gpt-3.5-turbo-instruct]
                  - name: az
                    type: azure
                    api_key: legacy-azure-key-0c9d3e
                    base_url: http://127.0.0.1:%d
                    models: [{name: azure-instruct, model: dep-instruct}]
                logging:
                  format: json
                """.formatted(CLIENT_KEY, wm.port(), wm.port()));
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

    private static HttpResponse<String> send(String body, String requestId) throws Exception {
        return gw.post("/v1/completions", body, "Authorization", "Bearer " + CLIENT_KEY, "x-request-id", requestId);
    }

    private static String completion(String group, String streamOptions) {
        return "{\"model\":\"" + group + "\",\"prompt\":\"Say this is a test\",\"max_tokens\":7"
                + (streamOptions == null ? "" : ",\"stream\":true" + streamOptions) + "}";
    }

    private static LoggedRequest onlyUpstreamRequest(String path) {
        List<LoggedRequest> received = wm.findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(received).hasSize(1);
        return received.get(0);
    }

    /** The request log line of {@code requestId}, once written (it is recorded after the answer went out). */
    private static JsonNode requestLine(String requestId) {
        Fixtures.await(
                () -> gw.logs().contains("\"request_id\":\"" + requestId + "\""),
                Duration.ofSeconds(5),
                "the log line of " + requestId);
        List<JsonNode> lines = gw.logs()
                .lines()
                .filter(l -> l.startsWith("{"))
                .map(Fixtures::json)
                .filter(l -> l.path("msg").asText().equals("request"))
                .filter(l -> l.path("request_id").asText().equals(requestId))
                .toList();
        assertThat(lines).hasSize(1);
        return lines.get(0);
    }

    private static void aWholeCompletionPassesThrough(Upstream up) throws Exception {
        String body = completion(up.group(), null);
        HttpResponse<String> r = send(body, "whole-" + up.model());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(up.whole());
        ObjectNode expected = (ObjectNode) Fixtures.json(body);
        expected.put("model", up.model());
        assertThat(Fixtures.json(onlyUpstreamRequest(up.path()).getBodyAsString()))
                .isEqualTo(expected);
        JsonNode line = requestLine("whole-" + up.model());
        assertThat(line.get("prompt_tokens").asLong()).isEqualTo(5);
        assertThat(line.get("completion_tokens").asLong()).isEqualTo(7);
    }

    private static void aStreamedCompletionPassesThroughAndIsAccounted(Upstream up) throws Exception {
        HttpResponse<String> r = send(completion(up.group(), ""), "stream-" + up.model());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        List<String> upstream = Fixtures.dataPayloads(up.stream());
        List<String> withoutUsage = new ArrayList<>(upstream);
        withoutUsage.removeIf(d -> d.contains("\"choices\":[]") && d.contains("\"usage\":{"));
        assertThat(withoutUsage).hasSize(upstream.size() - 1);
        assertThat(Fixtures.dataPayloads(r.body())).containsExactlyElementsOf(withoutUsage);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        assertThat(Fixtures.json(onlyUpstreamRequest(up.path()).getBodyAsString())
                        .at("/stream_options/include_usage")
                        .asBoolean())
                .as("the gateway asks for the usage chunk")
                .isTrue();

        JsonNode line = requestLine("stream-" + up.model());
        assertThat(line.get("stream").asBoolean()).isTrue();
        assertThat(line.get("prompt_tokens").asLong())
                .as("usage accounted from the stream, though the client did not ask for it")
                .isEqualTo(5);
        assertThat(line.get("completion_tokens").asLong()).isEqualTo(7);
    }

    @Test
    void anOpenAiTextCompletionPassesThrough() throws Exception {
        aWholeCompletionPassesThrough(OPENAI);
    }

    @Test
    void anAzureTextCompletionPassesThrough() throws Exception {
        aWholeCompletionPassesThrough(AZURE);
    }

    @Test
    void anOpenAiStreamedTextCompletionPassesThroughAndItsUsageIsAccounted() throws Exception {
        aStreamedCompletionPassesThroughAndIsAccounted(OPENAI);
    }

    @Test
    void anAzureStreamedTextCompletionPassesThroughAndItsUsageIsAccounted() throws Exception {
        aStreamedCompletionPassesThroughAndIsAccounted(AZURE);
    }

    @Test
    void theUsageChunkIsForwardedWhenTheClientAskedForIt() throws Exception {
        for (Upstream up : List.of(OPENAI, AZURE)) {
            HttpResponse<String> r =
                    send(completion(up.group(), ",\"stream_options\":{\"include_usage\":true}"), "u-" + up.model());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(Fixtures.dataPayloads(r.body())).containsExactlyElementsOf(Fixtures.dataPayloads(up.stream()));
        }
    }
}
