package io.llmux.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.wire.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The fields of an upstream error answer. OpenAI sends {@code {"error":{"message","type","param","code"}}};
 * compatible servers also send {@code {"error":"…"}}, {@code {"message":"…"}}, {@code {"detail":…}}, plain text or
 * an HTML page from a proxy, and every one of them yields at least a message.
 *
 * @param message the provider's message, never null (empty when it said nothing)
 */
record OpenAiErrorBody(String message, String type, String param, String code) {
    /** A message longer than this is an HTML page or a dump, not something a person reads in an error. */
    private static final int MAX_MESSAGE = 1000;

    static OpenAiErrorBody parse(byte[] body) {
        if (body.length == 0) {
            return new OpenAiErrorBody("", null, null, null);
        }
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            if (root != null && root.isObject()) {
                JsonNode error = root.get("error");
                if (error != null && error.isObject()) {
                    return new OpenAiErrorBody(
                            message(text(error, "message")),
                            text(error, "type"),
                            text(error, "param"),
                            text(error, "code"));
                }
                String message = error != null && !error.isNull() ? text(root, "error") : null;
                message = message != null ? message : text(root, "message");
                message = message != null ? message : text(root, "detail");
                if (message != null) {
                    return new OpenAiErrorBody(message(message), text(root, "type"), null, text(root, "code"));
                }
            }
        } catch (IOException e) {
            // not JSON (or cut off at the read limit): the text itself is the message
        }
        return new OpenAiErrorBody(message(new String(body, StandardCharsets.UTF_8)), null, null, null);
    }

    /** The {@link io.llmux.provider.http.ErrorParser} of OpenAI-compatible providers. */
    static io.llmux.provider.http.ErrorFields fields(byte[] body) {
        OpenAiErrorBody e = parse(body);
        return new io.llmux.provider.http.ErrorFields(
                e.message, e.type, e.param, e.code, e.contextLengthExceeded(), e.rateLimited(), e.authentication());
    }

    /** The request did not fit the model's context window; vLLM and others say so only in the message. */
    boolean contextLengthExceeded() {
        return "context_length_exceeded".equals(code)
                || message.toLowerCase(Locale.ROOT).contains("maximum context length");
    }

    boolean rateLimited() {
        return "rate_limit_exceeded".equals(code) || "rate_limit_error".equals(type);
    }

    boolean authentication() {
        return "invalid_api_key".equals(code) || "authentication_error".equals(type);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isTextual() ? value.asText() : value.toString();
    }

    /** Collapses whitespace runs (HTML pages, pretty-printed dumps) and caps the length. */
    private static String message(String raw) {
        if (raw == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(raw.length(), MAX_MESSAGE + 1));
        boolean space = false;
        int i = 0;
        for (; i < raw.length() && out.length() < MAX_MESSAGE; i++) {
            char c = raw.charAt(i);
            if (Character.isWhitespace(c)) {
                space = out.length() > 0;
            } else {
                if (space) {
                    out.append(' ');
                    space = false;
                }
                out.append(c);
            }
        }
        if (i < raw.length() && !raw.substring(i).isBlank()) {
            out.append('…');
        }
        return out.toString();
    }
}
