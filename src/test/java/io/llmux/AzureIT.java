package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §5 {@code azure} through the whole gateway: {@code {base_url}/openai/deployments/{model}/…?api-version=…} with
 * {@code api-key}, Azure's answers passed through (the prompt-filter chunk of a stream included), and Azure's
 * content-filter refusal and missing deployment turned into errors a person can act on.
 */
class AzureIT {
    private static final String PROVIDER_KEY = "b1c2d3e4f5a6978812345678abcdef90";
    private static final String CLIENT_KEY = "mk-azure-it-master-5c2e9a";
    private static final String CHAT = "/openai/deployments/dep-chat/chat/completions?api-version=2024-10-21";
    private static final String EMBED = "/openai/deployments/dep-embed/embeddings?api-version=2024-10-21";
    private static final String FILTERED = "/openai/deployments/dep-filtered/chat/completions?api-version=2024-10-21";
    private static final String MISSING = "/openai/deployments/dep-gone/chat/completions?api-version=2024-10-21";

    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        wm.stubFor(post(urlEqualTo(CHAT))
                .atPriority(1)
                .withHeader("Accept", containing("text/event-stream"))
                .willReturn(body(200, "text/event-stream; charset=utf-8", "chat-stream.sse")));
        wm.stubFor(post(urlEqualTo(CHAT)).atPriority(5).willReturn(json(200, "chat.json")));
        wm.stubFor(post(urlEqualTo(EMBED)).willReturn(json(200, "embeddings.json")));
        wm.stubFor(post(urlEqualTo(FILTERED)).willReturn(json(400, "error-content-filter.json")));
        wm.stubFor(post(urlEqualTo(MISSING)).willReturn(json(404, "error-deployment-not-found.json")));
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                providers:
                  - name: az
                    type: azure
                    api_key: %s
                    base_url: http://127.0.0.1:%d
                    api_version: 2024-10-21
                    models:
                      - {name: azure-gpt, model: dep-chat}
                      - {name: azure-embed, model: dep-embed}
                      - {name: azure-filtered, model: dep-filtered}
                      - {name: azure-gone, model: dep-gone}
                """.formatted(CLIENT_KEY, PROVIDER_KEY, wm.port()));
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

    static String azure(String name) {
        String path = "/fixtures/azure/" + name;
        try (InputStream in = AzureIT.class.getResourceAsStream(path)) {
            assertThat(in).as("fixture %s", path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ResponseDefinitionBuilder body(int status, String type, String fixture) {
        return aResponse().withStatus(status).withHeader("Content-Type", type).withBody(azure(fixture));
    }

    private static ResponseDefinitionBuilder json(int status, String fixture) {
        return body(status, "application/json", fixture);
    }

    private static HttpResponse<String> send(String path, String body) throws Exception {
        return gw.post(path, body, "Authorization", "Bearer " + CLIENT_KEY);
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    private static LoggedRequest onlyUpstreamRequest(String pathAndQuery) {
        List<LoggedRequest> received = wm.findAll(postRequestedFor(urlEqualTo(pathAndQuery)));
        assertThat(received).hasSize(1);
        return received.get(0);
    }

    @Test
    void aChatAnswerComesBackByteForByteFromTheDeploymentPath() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", chat("azure-gpt", false));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(azure("chat.json"));
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("az/dep-chat");
        LoggedRequest up = onlyUpstreamRequest(CHAT);
        assertThat(up.getHeader("api-key")).isEqualTo(PROVIDER_KEY);
        assertThat(up.containsHeader("Authorization")).isFalse();
        ObjectNode expected = (ObjectNode) Fixtures.json(chat("azure-gpt", false));
        expected.put("model", "dep-chat");
        assertThat(Fixtures.json(up.getBodyAsString())).isEqualTo(expected);
    }

    @Test
    void aStreamForwardsThePromptFilterChunkFirstAndEndsWithDone() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", chat("azure-gpt", true));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> upstream = Fixtures.dataPayloads(azure("chat-stream.sse"));
        List<String> withoutUsage = new ArrayList<>(upstream);
        withoutUsage.removeIf(d -> d.contains("\"choices\":[]") && d.contains("\"usage\":{"));
        assertThat(withoutUsage).hasSize(upstream.size() - 1);
        List<String> got = Fixtures.dataPayloads(r.body());
        assertThat(got).containsExactlyElementsOf(withoutUsage);
        assertThat(got.get(0)).contains("\"choices\":[]", "\"prompt_filter_results\"");
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        assertThat(Fixtures.json(onlyUpstreamRequest(CHAT).getBodyAsString())
                        .at("/stream_options/include_usage")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void embeddingsPassThrough() throws Exception {
        HttpResponse<String> r = send("/v1/embeddings", "{\"model\":\"azure-embed\",\"input\":\"hello\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(azure("embeddings.json"));
        assertThat(onlyUpstreamRequest(EMBED).getHeader("api-key")).isEqualTo(PROVIDER_KEY);
    }

    @Test
    void aContentFilterRefusalIsA400NamingTheFilteredCategoriesAndIsNotRetried() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", chat("azure-filtered", false));

        JsonNode error = Fixtures.error(r, 400, "invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo("content_filter");
        assertThat(error.get("param").asText()).isEqualTo("prompt");
        assertThat(error.get("message").asText())
                .startsWith("The response was filtered due to the prompt triggering Azure OpenAI's content")
                .endsWith("(filtered: hate (high), violence (medium))");
        onlyUpstreamRequest(FILTERED);
    }

    @Test
    void aMissingDeploymentIsA404SayingTheConfigNamesTheWrongDeployment() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions", chat("azure-gone", false));

        JsonNode error = Fixtures.error(r, 404, "not_found_error");
        assertThat(error.get("code").asText()).isEqualTo("DeploymentNotFound");
        assertThat(error.get("message").asText())
                .startsWith("Azure has no deployment named \"dep-gone\" at http://127.0.0.1:" + wm.port());
        assertThat(r.body()).doesNotContain(PROVIDER_KEY);
    }

    @Test
    void anAzureProviderWhoseBaseUrlVariableIsUnsetIsDisabledNotFatal() throws Exception {
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                providers:
                  - name: az
                    type: azure
                    api_key: %s
                    base_url: ${AZURE_IT_ENDPOINT_NOT_SET}
                    models: [{name: azure-gpt, model: dep-chat}]
                  - name: demo
                    type: mock
                    models: [mock-gpt]
                """.formatted(CLIENT_KEY, PROVIDER_KEY);
        try (TestGateway off = TestGateway.start(yaml, Map.of())) {
            HttpResponse<String> r =
                    off.post("/v1/chat/completions", chat("azure-gpt", false), "Authorization", "Bearer " + CLIENT_KEY);
            JsonNode error = Fixtures.error(r, 503, "api_error");
            assertThat(error.get("message").asText()).contains("AZURE_IT_ENDPOINT_NOT_SET is not set");
        }
        assertThat(wm.findAll(postRequestedFor(urlPathMatching("/openai/.*")))).isEmpty();
    }
}
