package io.llmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import io.llmux.GatewayException;
import io.llmux.telemetry.Redactor;
import io.llmux.wire.ErrorBody;
import io.llmux.wire.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/** Writes whole answers: JSON bodies and the SPEC §4 error shape. */
final class Responses {
    static final String JSON = "application/json";

    private Responses() {}

    static void json(Request r, int status, byte[] body, Map<String, String> extraHeaders) throws IOException {
        Headers h = r.exchange().getResponseHeaders();
        extraHeaders.forEach(h::set);
        h.set("Content-Type", JSON);
        r.markResponseStarted();
        // HEAD answers carry the headers of the GET answer and no body (the JDK server insists on length -1)
        boolean head = r.methodUpper().equals("HEAD");
        r.exchange().sendResponseHeaders(status, body.length == 0 || head ? -1 : body.length);
        if (body.length > 0 && !head) {
            try (OutputStream out = r.exchange().getResponseBody()) {
                out.write(body);
            }
        }
    }

    static void json(Request r, int status, byte[] body) throws IOException {
        json(r, status, body, Map.of());
    }

    static void json(Request r, int status, JsonNode node) throws IOException {
        json(r, status, Json.MAPPER.writeValueAsBytes(node), Map.of());
    }

    /** Sends an error unless an answer has already started (then there is nothing left to say on this response). */
    static void error(Request r, GatewayException e, Map<String, String> extraHeaders) throws IOException {
        if (r.responseStarted()) {
            return;
        }
        Headers h = r.exchange().getResponseHeaders();
        if (e.retryAfter() != null) {
            long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
            h.set("Retry-After", Long.toString(seconds));
        }
        json(r, e.status(), errorBody(e), extraHeaders);
    }

    /**
     * The SPEC §4 body of {@code e}, its message scrubbed of anything shaped like a credential: messages may carry a
     * provider's or a library's words, and some of those echo what they were sent.
     */
    static byte[] errorBody(GatewayException e) {
        return ErrorBody.render(Redactor.scrubPatterns(e.getMessage()), e.type(), e.param(), e.code());
    }

    static void error(Request r, GatewayException e) throws IOException {
        error(r, e, Map.of());
    }
}
