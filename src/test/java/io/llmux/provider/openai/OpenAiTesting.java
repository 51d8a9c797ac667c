package io.llmux.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Call;
import io.llmux.wire.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
        try {
            return (ObjectNode) Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] fixture(String name) {
        try (InputStream in = OpenAiTesting.class.getResourceAsStream("/fixtures/openai/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String fixtureText(String name) {
        return new String(fixture(name), StandardCharsets.UTF_8);
    }

    /** The {@code data:} payloads of an SSE fixture, as written, without {@code [DONE]}. */
    static List<String> payloads(String sse) {
        List<String> out = new ArrayList<>();
        for (String line : sse.lines().toList()) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(line.substring("data: ".length()));
            }
        }
        return out;
    }

    /** Pulls a stream to its end; the payloads as text. */
    static List<String> drain(EventStream events) throws GatewayException {
        List<String> out = new ArrayList<>();
        byte[] payload;
        while ((payload = events.next()) != null) {
            out.add(new String(payload, StandardCharsets.UTF_8));
        }
        return out;
    }
}
