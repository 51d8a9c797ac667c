package io.llmux.provider.openai;

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

/** Shared fixtures and builders for the openai adapter's tests. */
final class OpenAiTesting {
    static final String KEY = "sk-test-4f9c2e7a1b3d5f60";
    static final DeploymentConfig DEPLOYMENT = DeploymentConfig.of("fast", "gpt-4o-mini", 1.0, List.of());
    static final String CHAT_BODY = "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final String STREAM_BODY =
            "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}";

    private OpenAiTesting() {}

    static ProviderConfig config(
            URI baseUrl, String key, Duration timeout, Duration streamTimeout, Map<String, String> headers) {
        return new ProviderConfig(
                "openai",
                ProviderType.OPENAI,
                key,
                null,
                baseUrl,
                null,
                timeout,
                streamTimeout,
                10,
                headers,
                1.0,
                List.of(),
                List.of(DEPLOYMENT),
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
        return ProviderTesting.fixture("openai", name);
    }

    static String fixtureText(String name) {
        return ProviderTesting.fixtureText("openai", name);
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
