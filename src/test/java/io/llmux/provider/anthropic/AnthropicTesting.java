package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Call;
import io.llmux.provider.HttpClients;
import io.llmux.provider.ProviderTesting;
import io.llmux.provider.Watchdog;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** Shared fixtures and builders for the anthropic adapter's tests. */
final class AnthropicTesting {
    static final String KEY = "sk-ant-api03-test-9c2e7a1b3d5f60aa";
    static final String MODEL = "claude-3-5-sonnet-20241022";
    static final DeploymentConfig DEPLOYMENT = DeploymentConfig.of("claude", MODEL, 1.0, List.of());
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_730_000_000L), ZoneOffset.UTC);
    static final String CHAT_BODY = "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final String STREAM_BODY =
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}";

    private AnthropicTesting() {}

    static ProviderConfig config(URI baseUrl, Duration streamTimeout, Map<String, String> headers) {
        return new ProviderConfig(
                "ant",
                ProviderType.ANTHROPIC,
                KEY,
                null,
                baseUrl,
                null,
                Duration.ofSeconds(5),
                streamTimeout,
                10,
                headers,
                1.0,
                List.of(),
                List.of(DEPLOYMENT),
                null);
    }

    static AnthropicProvider provider(ProviderConfig config, Watchdog watchdog) {
        return new AnthropicProvider(config, HttpClients.forProvider(config), watchdog, 1 << 20, CLOCK);
    }

    static Call call(Endpoint endpoint, String body, boolean stream, boolean clientWantsUsage) {
        return new Call(endpoint, json(body), DEPLOYMENT, stream, clientWantsUsage, "req-1", null);
    }

    static Call chat(String body) {
        return call(Endpoint.CHAT, body, false, false);
    }

    static ObjectNode json(String text) {
        return ProviderTesting.json(text);
    }

    static JsonNode json(byte[] bytes) {
        return ProviderTesting.tree(bytes);
    }

    static byte[] fixture(String name) {
        return ProviderTesting.fixture("anthropic", name);
    }

    static String fixtureText(String name) {
        return ProviderTesting.fixtureText("anthropic", name);
    }

    /** Pulls a stream to its end; the payloads as JSON. */
    static List<JsonNode> drain(EventStream events) throws GatewayException {
        return ProviderTesting.drainJson(events);
    }
}
