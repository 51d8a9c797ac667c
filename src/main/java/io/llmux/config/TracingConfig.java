package io.llmux.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * {@code tracing:} — OpenTelemetry export over OTLP.
 *
 * @param insecure for an endpoint written without a scheme: plain {@code http} when true, else {@code https}
 */
public record TracingConfig(
        boolean enabled, String endpoint, Protocol protocol, String serviceName, double sampleRate, boolean insecure) {

    /** The endpoint when {@code protocol: http/protobuf} is set without one: a local collector's OTLP/HTTP port. */
    public static final String HTTP_ENDPOINT = "localhost:4318";

    public enum Protocol {
        GRPC,
        HTTP_PROTOBUF
    }

    public static TracingConfig defaults() {
        return new TracingConfig(false, "localhost:4317", Protocol.GRPC, "llmux", 1.0, true);
    }

    /**
     * Where OTLP/HTTP spans are posted: the endpoint with {@code http://} or {@code https://} added when it has no
     * scheme, port 4318 when it names none, and {@code /v1/traces} when it has no path (the way
     * {@code OTEL_EXPORTER_OTLP_ENDPOINT} is read). Null when the endpoint is not such an address.
     */
    public URI tracesUrl() {
        String text = endpoint.contains("://") ? endpoint : (insecure ? "http://" : "https://") + endpoint;
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                return null;
            }
            String path = uri.getRawPath() == null
                            || uri.getRawPath().isEmpty()
                            || uri.getRawPath().equals("/")
                    ? "/v1/traces"
                    : uri.getRawPath();
            int port = uri.getPort() < 0 ? 4318 : uri.getPort();
            return new URI(scheme, null, uri.getHost(), port, null, null, null).resolve(path);
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
