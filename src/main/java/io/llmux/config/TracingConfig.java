package io.llmux.config;

/** {@code tracing:} — OpenTelemetry export over OTLP. */
public record TracingConfig(
        boolean enabled, String endpoint, Protocol protocol, String serviceName, double sampleRate, boolean insecure) {

    public enum Protocol {
        GRPC,
        HTTP_PROTOBUF
    }

    public static TracingConfig defaults() {
        return new TracingConfig(false, "localhost:4317", Protocol.GRPC, "llmux", 1.0, true);
    }
}
