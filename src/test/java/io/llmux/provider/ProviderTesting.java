package io.llmux.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.pipeline.EventStream;
import io.llmux.wire.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What every adapter's tests need: JSON from text, fixtures by provider, SSE payloads, a stream pulled to its end. */
public final class ProviderTesting {
    private ProviderTesting() {}

    public static ObjectNode json(String text) {
        return (ObjectNode) tree(text.getBytes(StandardCharsets.UTF_8));
    }

    public static JsonNode tree(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file of {@code src/test/resources/fixtures/<provider>/}. */
    public static byte[] fixture(String provider, String name) {
        try (InputStream in = ProviderTesting.class.getResourceAsStream("/fixtures/" + provider + "/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + provider + "/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String fixtureText(String provider, String name) {
        return new String(fixture(provider, name), StandardCharsets.UTF_8);
    }

    /** The {@code data:} payloads of an SSE text, as written, without {@code [DONE]}. */
    public static List<String> payloads(String sse) {
        List<String> out = new ArrayList<>();
        for (String line : sse.lines().toList()) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(line.substring("data: ".length()));
            }
        }
        return out;
    }

    /** Pulls a stream to its end; the payloads as text. */
    public static List<String> drain(EventStream events) throws GatewayException {
        List<String> out = new ArrayList<>();
        byte[] payload;
        while ((payload = events.next()) != null) {
            out.add(new String(payload, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Pulls a stream to its end; the payloads as JSON trees. */
    public static List<JsonNode> drainJson(EventStream events) throws GatewayException {
        List<JsonNode> out = new ArrayList<>();
        for (String payload : drain(events)) {
            out.add(tree(payload.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }
}
