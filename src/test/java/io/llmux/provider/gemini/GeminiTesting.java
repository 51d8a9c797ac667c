package io.llmux.provider.gemini;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Call;
import io.llmux.provider.ProviderTesting;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** Shared fixtures and builders for the gemini adapter's tests. */
final class GeminiTesting {
    static final String KEY = "AIzaSyTest-5b7d1c9e3f0a2468";
    static final String MODEL = "gemini-2.0-flash";
    static final DeploymentConfig DEPLOYMENT = DeploymentConfig.of("flash", MODEL, 1.0, List.of());
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_735_000_000), ZoneOffset.UTC);
    static final String GENERATE = "/v1beta/models/" + MODEL + ":generateContent";
    static final String STREAM = "/v1beta/models/" + MODEL + ":streamGenerateContent?alt=sse";

    private GeminiTesting() {}

    static ProviderConfig config(URI baseUrl, Duration timeout, Map<String, String> headers) {
        return new ProviderConfig(
                "gem",
                ProviderType.GEMINI,
                KEY,
                null,
                baseUrl,
                null,
                timeout,
                timeout,
                10,
                headers,
                1.0,
                List.of(),
                List.of(DEPLOYMENT),
                null);
    }

    static Call call(Endpoint endpoint, String body, boolean stream, boolean clientWantsUsage) {
        return call(endpoint, body, stream, clientWantsUsage, DEPLOYMENT);
    }

    static Call call(
            Endpoint endpoint, String body, boolean stream, boolean clientWantsUsage, DeploymentConfig deployment) {
        return new Call(endpoint, json(body), deployment, stream, clientWantsUsage, "req-1", null);
    }

    static Call chat(String body) {
        return call(Endpoint.CHAT, body, false, false);
    }

    static ObjectNode json(String text) {
        return ProviderTesting.json(text);
    }

    static JsonNode tree(String text) {
        return ProviderTesting.tree(text.getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode json(byte[] bytes) {
        return ProviderTesting.tree(bytes);
    }

    static byte[] fixture(String name) {
        return ProviderTesting.fixture("gemini", name);
    }

    static ResponseDefinitionBuilder answer(int status, String fixture) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json; charset=UTF-8")
                .withBody(fixture(fixture));
    }

    static ResponseDefinitionBuilder events(String fixture) {
        return aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "text/event-stream")
                .withBody(fixture(fixture));
    }

    /** Pulls a stream to its end; the payloads as JSON. */
    static List<JsonNode> drain(EventStream events) throws GatewayException {
        return ProviderTesting.drainJson(events);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
