package io.llmux.provider.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Call;
import io.llmux.provider.ProviderTesting;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Shared fixtures and builders for the azure adapter's tests. */
final class AzureTesting {
    static final String KEY = "3f9a6c1e8b2d4f70a5c9e1b3d7f2a4c6";
    static final DeploymentConfig DEPLOYMENT = DeploymentConfig.of("azure-gpt", "dep-chat", 1.0, List.of());
    static final String CHAT_PATH = "/openai/deployments/dep-chat/chat/completions?api-version=2024-10-21";
    static final String CHAT_BODY = "{\"model\":\"azure-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final String STREAM_BODY =
            "{\"model\":\"azure-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}";

    private AzureTesting() {}

    static ProviderConfig config(URI baseUrl, String apiVersion, List<DeploymentConfig> models) {
        return new ProviderConfig(
                "az",
                ProviderType.AZURE,
                KEY,
                null,
                baseUrl,
                apiVersion,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                10,
                Map.of(),
                1.0,
                List.of(),
                models,
                null);
    }

    static Call call(Endpoint endpoint, String body, boolean stream, boolean clientWantsUsage) {
        return new Call(endpoint, json(body), DEPLOYMENT, stream, clientWantsUsage, "req-1", null);
    }

    static Call chat() {
        return call(Endpoint.CHAT, CHAT_BODY, false, false);
    }

    static Call stream(boolean clientWantsUsage) {
        return call(Endpoint.CHAT, STREAM_BODY, true, clientWantsUsage);
    }

    static ObjectNode json(String text) {
        return ProviderTesting.json(text);
    }

    static byte[] fixture(String name) {
        return ProviderTesting.fixture("azure", name);
    }

    static String fixtureText(String name) {
        return ProviderTesting.fixtureText("azure", name);
    }

    /** The {@code data:} payloads of an SSE fixture, as written, without {@code [DONE]}. */
    static List<String> payloads(String sse) {
        return ProviderTesting.payloads(sse);
    }

    /** Pulls a stream to its end; the payloads as text. */
    static List<String> drain(EventStream events) throws GatewayException {
        return ProviderTesting.drain(events);
    }
}
