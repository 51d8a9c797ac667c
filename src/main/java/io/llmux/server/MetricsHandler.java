package io.llmux.server;

import io.llmux.telemetry.GatewayMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** {@code GET /metrics} (SPEC §10): every metric in the Prometheus text format, version 0.0.4. */
final class MetricsHandler {
    private final GatewayMetrics metrics;

    MetricsHandler(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    void scrape(Request r) throws IOException {
        // written whole first: the length goes out with the headers, and a failing collector cannot leave half a page
        ByteArrayOutputStream body = new ByteArrayOutputStream(32 * 1024);
        metrics.scrape(body);
        r.exchange().getResponseHeaders().set("Content-Type", metrics.contentType());
        r.markResponseStarted();
        boolean head = r.methodUpper().equals("HEAD");
        r.exchange().sendResponseHeaders(200, head ? -1 : body.size());
        if (!head) {
            try (OutputStream out = r.exchange().getResponseBody()) {
                body.writeTo(out);
            }
        }
    }
}
