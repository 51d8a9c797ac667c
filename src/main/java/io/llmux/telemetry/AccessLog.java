package io.llmux.telemetry;

import io.llmux.spend.Usd;
import io.llmux.wire.Usage;

/**
 * One line per data-plane request (SPEC §10): who, what, where it went, how it ended, how long it took. The entry is
 * captured as plain values and formatted on the log thread; it never holds a key or a prompt.
 */
public final class AccessLog {
    private final LogSink sink;

    public AccessLog(LogSink sink) {
        this.sink = sink;
    }

    /** The facts of one finished request. Latencies in nanoseconds; cost in USD (0 when nothing was paid for). */
    public record Entry(
            long epochMillis,
            String requestId,
            String method,
            String path,
            String caller,
            String model,
            String deployment,
            int status,
            boolean stream,
            int attempts,
            long latencyNanos,
            long upstreamNanos,
            Usage usage,
            double costUsd,
            boolean cacheHit,
            String errorCode) {}

    public void record(Entry e) {
        sink.offer(f -> {
            f.begin(e.epochMillis(), e.status() >= 500 ? "error" : e.status() >= 400 ? "warn" : "info", "request")
                    .field("request_id", e.requestId())
                    .field("method", e.method())
                    .field("path", e.path())
                    .field("key", e.caller().isEmpty() ? null : e.caller())
                    .field("model", e.model())
                    .field("deployment", e.deployment().isEmpty() ? null : e.deployment())
                    .field("status", e.status())
                    .field("stream", e.stream())
                    .field("attempts", e.attempts())
                    .millis("latency_ms", e.latencyNanos())
                    .millis("upstream_ms", e.upstreamNanos())
                    .field("prompt_tokens", e.usage().promptTokens())
                    .field("completion_tokens", e.usage().completionTokens())
                    .field("cached_tokens", e.usage().cachedTokens())
                    .number("cost_usd", Usd.plain(e.costUsd()))
                    .field("cache_hit", e.cacheHit())
                    .field("error", e.errorCode());
        });
    }
}
