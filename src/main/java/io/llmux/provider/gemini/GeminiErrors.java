package io.llmux.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.ErrorFields;
import io.llmux.provider.http.ErrorParser;
import io.llmux.wire.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Gemini's error body, {@code {"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT","details":[…]}}}
 * (or the same object inside a one-element array, as the non-SSE stream sends it), and corrects the two things the
 * shared status classification cannot know about Gemini:
 *
 * <ul>
 *   <li>a wrong key is a 400 whose {@code google.rpc.ErrorInfo} says {@code API_KEY_INVALID}: the gateway's own
 *       credential, so {@link Failure#AUTH} (502 to the client, deployment cooled down), never the client's 400;
 *   <li>a 429 says how long to wait in {@code google.rpc.RetryInfo.retryDelay} ({@code "18s"}), not in a
 *       {@code Retry-After} header.
 * </ul>
 *
 * One instance per call: {@link #refine} reads what the last {@link #parse} of that call found.
 */
final class GeminiErrors implements ErrorParser {
    static final String API_KEY_INVALID = "API_KEY_INVALID";
    private static final int MAX_MESSAGE = 1000;
    private static final Pattern SECONDS = Pattern.compile("(\\d+(?:\\.\\d+)?)s");

    private volatile Duration retryDelay;

    @Override
    public ErrorFields parse(byte[] body) {
        JsonNode error = errorObject(body);
        if (error == null) {
            return ErrorFields.of(message(new String(body, StandardCharsets.UTF_8)), null, null, null);
        }
        String status = error.path("status").asText("");
        int code = error.path("code").asInt(0);
        String message = message(error.path("message").asText(""));
        String reason = null;
        for (JsonNode detail : error.path("details")) {
            String type = detail.path("@type").asText("");
            if (type.endsWith("google.rpc.ErrorInfo") && detail.hasNonNull("reason")) {
                reason = detail.get("reason").asText();
            } else if (type.endsWith("google.rpc.RetryInfo")) {
                retryDelay = delay(detail.path("retryDelay").asText(""));
            }
        }
        String lower = message.toLowerCase(Locale.ROOT);
        boolean contextLength = lower.contains("input token count") && lower.contains("exceeds the maximum");
        boolean rateLimited = status.equals("RESOURCE_EXHAUSTED") || code == 429;
        boolean authentication = API_KEY_INVALID.equals(reason)
                || status.equals("UNAUTHENTICATED")
                || status.equals("PERMISSION_DENIED");
        // Gemini has no OpenAI error type; a request it calls invalid is the client's invalid_request_error
        String type = status.equals("INVALID_ARGUMENT")
                        || status.equals("FAILED_PRECONDITION")
                        || status.equals("NOT_FOUND")
                        || status.equals("OUT_OF_RANGE")
                ? "invalid_request_error"
                : null;
        return new ErrorFields(message, type, null, reason, contextLength, rateLimited, authentication);
    }

    /**
     * The failure as the router should see it. {@code UpstreamErrors} classifies by status first, so a 400 that is
     * really a refused key arrives here as {@link Failure#CALLER}.
     */
    ProviderFailure refine(ProviderFailure f) {
        if (f.kind() == Failure.CALLER && API_KEY_INVALID.equals(f.errorCode())) {
            return new ProviderFailure(
                    Failure.AUTH, f.upstreamStatus(), f.getMessage(), null, f.errorCode(), null, f.retryAfter());
        }
        Duration delay = retryDelay;
        if (f.kind() == Failure.RATE_LIMITED && f.retryAfter() == null && delay != null) {
            return new ProviderFailure(
                    Failure.RATE_LIMITED,
                    f.upstreamStatus(),
                    f.getMessage(),
                    f.errorType(),
                    f.errorCode(),
                    f.param(),
                    delay);
        }
        return f;
    }

    /** The {@code error} object of a body, or null when the body is not Gemini's error shape. */
    static JsonNode errorObject(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            if (root != null && root.isArray() && root.size() > 0) {
                root = root.get(0);
            }
            if (root != null && root.path("error").isObject()) {
                return root.get("error");
            }
        } catch (IOException e) {
            // not JSON (a proxy's HTML page, a body cut at the read limit): the text is the message
        }
        return null;
    }

    /** {@code "18s"} or {@code "0.5s"} (protobuf's Duration in JSON). */
    private static Duration delay(String text) {
        Matcher m = SECONDS.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(m.group(1)) * 1000));
    }

    /** Gemini's messages end in newlines and may list one violation per line; proxies send whole pages. */
    private static String message(String raw) {
        String text = raw.strip().replaceAll("\\s+", " ");
        return text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + "…" : text;
    }
}
