package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.wire.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's first steps on `make run`'s own config file, with no API key set: the mock answers the curl calls of
 * the original README, plain and streamed.
 */
class ReadmeCurlIT {
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        // exactly config/config.yaml; only the port is moved so tests never collide with a running gateway
        gw = TestGateway.startFile(
                Path.of("config/config.yaml").toAbsolutePath(),
                Path.of("target").toAbsolutePath(),
                Map.of("LLMUX_PORT", "0", "LLMUX_HOST", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void readmeChatCurlAnswersWithoutAnApiKey() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", """
                {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}], "stream": false}""", "Authorization", "Bearer ");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/content").asText()).isNotBlank();
        assertThat(r.headers().firstValue("x-llmux-deployment")).hasValue("mock/gpt-4o");
        assertThat(r.headers().firstValue("x-request-id")).isPresent();
        assertThat(r.headers().firstValue("Server-Timing").orElseThrow())
                .contains("gateway;dur=")
                .contains("upstream;dur=");
    }

    @Test
    void readmeChatCurlStreams() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", """
                {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}], "stream": true}""");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        assertThat(r.body()).startsWith("data: {").endsWith("data: [DONE]\n\n");
        assertThat(r.body().split("\n\n")).hasSizeGreaterThan(5);
    }

    @Test
    void modelsAndHealthAnswer() throws Exception {
        HttpResponse<String> models = gw.get("/v1/models");
        assertThat(models.statusCode()).isEqualTo(200);
        JsonNode list = Json.MAPPER.readTree(models.body());
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsText("id")).contains("gpt-4o", "claude-3-5-sonnet-20241022", "gpt4");
        assertThat(gw.get("/health/live").statusCode()).isEqualTo(200);
        assertThat(gw.get("/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void disabledProvidersAreNamedAtStart() {
        assertThat(gw.logs()).contains("OPENAI_API_KEY").contains("open to anyone");
    }
}
