package io.llmux.server;

import com.sun.net.httpserver.Headers;
import io.llmux.GatewayException;
import io.llmux.pipeline.EventStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Forwards an event stream to the client as Server-Sent Events, flushing whenever no further event is already at
 * hand, so each chunk leaves the gateway when it arrives (and chunks that arrived together leave together). Ends with {@code data: [DONE]}, or, when the stream fails after it started, with one error event.
 */
final class SseWriter {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** How a stream ended, for the request log. */
    record Outcome(int status, String errorCode) {}

    private SseWriter() {}

    /** @param beforeDone runs when the stream ended normally, before {@code [DONE]} goes out */
    static Outcome write(Request r, EventStream events, Map<String, String> extraHeaders, Runnable beforeDone) {
        try (events) {
            Headers h = r.exchange().getResponseHeaders();
            extraHeaders.forEach(h::set);
            h.set("Content-Type", "text/event-stream; charset=utf-8");
            h.set("Cache-Control", "no-cache");
            // reverse proxies such as nginx buffer responses unless told not to, which would hold every chunk
            h.set("X-Accel-Buffering", "no");
            r.markResponseStarted();
            r.exchange().sendResponseHeaders(200, 0);
            OutputStream out = r.exchange().getResponseBody();
            try {
                byte[] payload;
                while ((payload = events.next()) != null) {
                    out.write(DATA);
                    out.write(payload);
                    out.write(END);
                    if (!events.more()) {
                        out.flush();
                    }
                }
                beforeDone.run();
                out.write(DONE);
                out.flush();
                out.close();
                return new Outcome(200, null);
            } catch (GatewayException e) {
                out.write(DATA);
                out.write(Responses.errorBody(e));
                out.write(END);
                out.flush();
                out.close();
                return new Outcome(e.status(), e.code());
            }
        } catch (IOException clientGone) {
            // closing the stream (try-with-resources) cancels the upstream request
            return new Outcome(499, "client_closed_request");
        }
    }
}
