package io.llmux.config;

import static io.llmux.config.Configs.config;
import static io.llmux.config.Configs.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** {@code tracing:} beyond its keys: where spans are posted, and the protocol this build exports with. */
class TracingConfigTest {

    @Test
    void grpcExportIsRefusedWithTheSettingThatWorks() {
        assertThat(problem("tracing:\n  enabled: true\n  protocol: grpc\n"))
                .startsWith("tracing.protocol: grpc export is not built in; set protocol: http/protobuf")
                .contains("4318")
                .endsWith("(line 3)");
        assertThat(problem("tracing:\n  enabled: true\n"))
                .as("grpc is the default protocol")
                .startsWith("tracing.protocol: grpc export is not built in");
    }

    @Test
    void grpcIsAcceptedWhileTracingIsOff() throws Exception {
        assertThat(config("tracing:\n  enabled: false\n  protocol: grpc\n").tracing())
                .isEqualTo(TracingConfig.defaults());
    }

    @Test
    void httpProtobufWithoutEndpointPostsToTheLocalCollectorsHttpPort() throws Exception {
        TracingConfig tracing =
                config("tracing:\n  enabled: true\n  protocol: http/protobuf\n").tracing();

        assertThat(tracing.endpoint()).isEqualTo("localhost:4318");
        assertThat(tracing.tracesUrl()).isEqualTo(URI.create("http://localhost:4318/v1/traces"));
    }

    @Test
    void tracesUrlAddsSchemePortAndPathOnlyWhereMissing() {
        assertThat(url("otel:4318", true)).isEqualTo("http://otel:4318/v1/traces");
        assertThat(url("otel:4318", false)).isEqualTo("https://otel:4318/v1/traces");
        assertThat(url("otel", true)).isEqualTo("http://otel:4318/v1/traces");
        assertThat(url("https://collector.example.com", true))
                .isEqualTo("https://collector.example.com:4318/v1/traces");
        assertThat(url("http://otel:4318/", true)).isEqualTo("http://otel:4318/v1/traces");
        assertThat(url("http://otel:9999/custom/traces", true)).isEqualTo("http://otel:9999/custom/traces");
        assertThat(new TracingConfig(true, "ftp://otel", TracingConfig.Protocol.HTTP_PROTOBUF, "s", 1, true)
                        .tracesUrl())
                .isNull();
    }

    @Test
    void anEndpointThatIsNoAddressIsAProblem() {
        assertThat(problem("tracing:\n  enabled: true\n  protocol: http/protobuf\n  endpoint: 'ftp://otel'\n"))
                .isEqualTo("tracing.endpoint: \"ftp://otel\" is not an OTLP endpoint (host:port or"
                        + " http(s)://host:port[/path]) (line 4)");
    }

    private static String url(String endpoint, boolean insecure) {
        return new TracingConfig(true, endpoint, TracingConfig.Protocol.HTTP_PROTOBUF, "s", 1, insecure)
                .tracesUrl()
                .toString();
    }
}
