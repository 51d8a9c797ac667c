package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.http.ErrorFields;
import io.llmux.wire.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads Anthropic's error body, {@code {"type":"error","error":{"type":…,"message":…},"request_id":…}}, the same in an
 * answer and in a stream's {@code error} event; the {@link io.llmux.provider.http.ErrorParser} of this adapter. A body
 * that is not Anthropic's (a proxy's HTML page, plain text) still yields its text as the message.
 */
final class AnthropicErrorBody {
    /** A message longer than this is a page or a dump, not something a person reads in an error. */
    private static final int MAX_MESSAGE = 1000;

    private AnthropicErrorBody() {}

    static ErrorFields fields(byte[] body) {
        String message = null;
        String type = null;
        try {
            JsonNode root = body.length == 0 ? null : Json.MAPPER.readTree(body);
            JsonNode error = root == null ? null : root.get("error");
            if (error != null && error.isObject()) {
                message =
                        error.path("message").isTextual() ? error.get("message").asText() : "";
                type = error.path("type").isTextual() ? error.get("type").asText() : null;
            } else if (root != null && root.path("message").isTextual()) {
                message = root.get("message").asText();
            }
        } catch (IOException e) {
            // not JSON (or cut off at the read limit): the text itself is the message
        }
        if (message == null) {
            message = new String(body, StandardCharsets.UTF_8);
        }
        message = collapse(message);
        boolean contextLength = "invalid_request_error".equals(type) && tooLong(message);
        String code = contextLength ? "context_length_exceeded" : null;
        if ("request_too_large".equals(type) || "billing_error".equals(type)) {
            // not error types of the gateway's contract (SPEC §4): the client sees an invalid request, coded
            code = type;
            type = "invalid_request_error";
        }
        return new ErrorFields(
                message,
                type,
                null,
                code,
                contextLength,
                "rate_limit_error".equals(type),
                "authentication_error".equals(type) || "permission_error".equals(type));
    }

    /**
     * Anthropic says a prompt does not fit in the message only: "prompt is too long: 210000 tokens > 200000 maximum",
     * or "input length and `max_tokens` exceed context limit: …" when the reserved output is what overflows.
     */
    private static boolean tooLong(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("prompt is too long") || m.contains("exceed context limit") || m.contains("context window");
    }

    /** Collapses whitespace runs (HTML pages, pretty-printed dumps) and caps the length. */
    private static String collapse(String raw) {
        String flat = raw.strip().replaceAll("\\s+", " ");
        return flat.length() <= MAX_MESSAGE ? flat : flat.substring(0, MAX_MESSAGE) + "…";
    }
}
