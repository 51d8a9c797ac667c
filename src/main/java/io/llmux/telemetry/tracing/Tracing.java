package io.llmux.telemetry.tracing;

import io.llmux.config.TracingConfig;
import io.llmux.pipeline.Endpoint;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The gateway's tracer (SPEC §10): its own {@link SdkTracerProvider}, never the global one, exporting over OTLP/HTTP
 * through the JDK's HTTP client. Spans are queued and exported in batches by the SDK's own thread: a slow or absent
 * collector fills the bounded queue and spans are dropped, while requests go on at their own speed.
 *
 * <p>When {@code tracing.enabled} is false, {@link #start} hands out {@link RequestSpan#NONE} and nothing else exists.
 */
public final class Tracing implements AutoCloseable {
    /** Spans waiting for export; past this they are dropped rather than held. */
    static final int MAX_QUEUE = 2048;

    static final int MAX_BATCH = 512;
    /** How often a batch goes out: spans reach the backend about this long after their request ended. */
    static final Duration EXPORT_DELAY = Duration.ofSeconds(1);
    /** How long one export may take, and how long shutdown waits for the last spans. */
    static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(5);

    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final Tracing OFF = new Tracing(null);

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider == null ? null : provider.get("io.llmux");
    }

    public static Tracing off() {
        return OFF;
    }

    /**
     * Tracing as {@code config} sets it up.
     *
     * @param exporter replaces the OTLP exporter (tests pass an in-memory one)
     */
    public static Tracing of(TracingConfig config, Optional<SpanExporter> exporter) {
        if (!config.enabled()) {
            return OFF;
        }
        return new Tracing(SdkTracerProvider.builder()
                .setResource(
                        Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, config.serviceName()))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRate())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter.orElseGet(() -> otlp(config)))
                        .setMaxQueueSize(MAX_QUEUE)
                        .setMaxExportBatchSize(MAX_BATCH)
                        .setScheduleDelay(EXPORT_DELAY)
                        .setExporterTimeout(EXPORT_TIMEOUT)
                        .setMeterProvider(MeterProvider.noop())
                        .build())
                .build());
    }

    /** OTLP/HTTP with protobuf bodies; the config loader has checked the endpoint and refused gRPC. */
    private static SpanExporter otlp(TracingConfig config) {
        return OtlpHttpSpanExporter.builder()
                .setEndpoint(config.tracesUrl().toString())
                .setTimeout(EXPORT_TIMEOUT)
                .setConnectTimeout(EXPORT_TIMEOUT)
                .setMeterProvider(MeterProvider::noop)
                .build();
    }

    public boolean enabled() {
        return provider != null;
    }

    /**
     * The SERVER span of a request that just arrived, child of the client's {@code traceparent} if it sent one.
     *
     * @param headers request headers by lower-case name
     */
    public RequestSpan start(Endpoint endpoint, String requestId, Function<String, String> headers) {
        if (tracer == null) {
            return RequestSpan.NONE;
        }
        return ServerSpan.start(tracer, endpoint, requestId, headers);
    }

    /** Exports what is queued, waiting at most {@link #EXPORT_TIMEOUT}. */
    void flush() {
        if (provider != null) {
            provider.forceFlush().join(EXPORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Exports the spans still queued and stops, waiting at most {@link #EXPORT_TIMEOUT} for a slow collector. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(EXPORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
