package io.llmux;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/**
 * The SDK's in-memory exporter, plus a wait for spans to arrive: the gateway exports in batches on the SDK's own
 * thread, so a test waits on the export rather than on the clock.
 */
final class AwaitedSpans implements SpanExporter {
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> batch) {
        CompletableResultCode result = spans.export(batch);
        notifyAll();
        return result;
    }

    /** The exported spans that match, once there are {@code count} of them. */
    synchronized List<SpanData> await(int count, Predicate<SpanData> which, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<SpanData> found =
                    spans.getFinishedSpanItems().stream().filter(which).toList();
            long left = deadline - System.nanoTime();
            if (found.size() >= count || left <= 0) {
                return found;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    synchronized void reset() {
        spans.reset();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
