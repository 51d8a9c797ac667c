package io.llmux.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.pipeline.EventStream;
import io.llmux.pipeline.ForwardingEventStream;
import io.llmux.wire.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The prompt and the answer of one request, for the request log when {@code logging.log_payloads} is on (SPEC §10:
 * never otherwise; then no capture exists at all). The request thread only keeps references and stream payloads; the
 * text is read out of them on the log thread, and each part is cut at {@link #MAX_CHARS}.
 */
public final class PayloadCapture {
    /** The most of a prompt or an answer one log line carries. */
    public static final int MAX_CHARS = 16 * 1024;

    /** Stream payloads kept: the answer text they carry is far smaller than their JSON. */
    private static final long MAX_STREAM_BYTES = 16L * MAX_CHARS;

    private JsonNode request;
    private byte[] answer;
    private final List<byte[]> chunks = new ArrayList<>();
    private long chunkBytes;

    /** The client's checked request body (null when the request never got that far). */
    public void request(JsonNode body) {
        this.request = body;
    }

    /** A whole JSON answer as sent. */
    public void answer(byte[] json) {
        this.answer = json;
    }

    /** {@code events}, with every payload it passes kept for the log (up to a bound). */
    public EventStream watch(EventStream events) {
        return new ForwardingEventStream(events) {
            @Override
            public byte[] next() throws GatewayException {
                byte[] payload = events.next();
                if (payload != null && chunkBytes < MAX_STREAM_BYTES) {
                    chunks.add(payload.clone());
                    chunkBytes += payload.length;
                }
                return payload;
            }
        };
    }

    /** The messages (chat), prompt (completions) or input (embeddings) as JSON, cut at {@link #MAX_CHARS}. */
    String requestText() {
        if (request == null) {
            return null;
        }
        for (String field : new String[] {"messages", "prompt", "input"}) {
            JsonNode part = request.get(field);
            if (part != null) {
                return cut(part.isTextual() ? part.asText() : part.toString());
            }
        }
        return null;
    }

    /** The answer's text: message contents (or completion texts) of a whole answer, the deltas of a stream. */
    String answerText() {
        StringBuilder text = new StringBuilder();
        if (answer != null) {
            JsonNode root = parse(answer);
            for (JsonNode choice : root.path("choices")) {
                JsonNode content = choice.path("message").path("content");
                appendText(text, content.isMissingNode() ? choice.path("text") : content);
            }
        }
        for (byte[] chunk : chunks) {
            if (text.length() > MAX_CHARS) {
                break;
            }
            for (JsonNode choice : parse(chunk).path("choices")) {
                JsonNode delta = choice.path("delta").path("content");
                appendText(text, delta.isMissingNode() ? choice.path("text") : delta);
            }
        }
        return answer == null && chunks.isEmpty() ? null : cut(text.toString());
    }

    private static void appendText(StringBuilder text, JsonNode node) {
        if (node.isTextual()) {
            text.append(node.asText());
        } else if (!node.isMissingNode() && !node.isNull()) {
            text.append(node);
        }
    }

    private static JsonNode parse(byte[] json) {
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            return node == null ? Json.MAPPER.missingNode() : node;
        } catch (IOException e) {
            return Json.MAPPER.missingNode();
        }
    }

    static String cut(String s) {
        if (s.length() <= MAX_CHARS) {
            return s;
        }
        return s.substring(0, MAX_CHARS) + "…[truncated " + (s.length() - MAX_CHARS) + " chars]";
    }
}
