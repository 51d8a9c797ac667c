package io.llmux;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/**
 * A test's span exporter that also writes every exported span (name, attributes, events, status: the whole
 * {@link SpanData} text) to the {@link TelemetryCapture} folder, so {@link TelemetryLeakScan} checks spans for
 * secrets as it does log lines and metrics.
 */
final class CapturedSpans implements SpanExporter {
    private final SpanExporter delegate;

    CapturedSpans(SpanExporter delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        StringBuilder text = new StringBuilder();
        for (SpanData span : spans) {
            text.append(span.toString().replace('\n', ' ')).append('\n');
        }
        TelemetryCapture.write("spans", text.toString());
        return delegate.export(spans);
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }
}
