package io.llmux.telemetry.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class W3cTraceContextTest {
    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aWellFormedTraceparentPassesAsIs() {
        assertThat(W3cTraceContext.traceparent(VALID)).isSameAs(VALID);
        assertThat(W3cTraceContext.traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
                .as("not sampled is still well formed")
                .isNotNull();
    }

    @Test
    void anythingElseIsDropped() {
        assertThat(W3cTraceContext.traceparent(null)).isNull();
        assertThat(W3cTraceContext.traceparent("garbage")).isNull();
        assertThat(W3cTraceContext.traceparent(VALID + "-extra")).isNull();
        assertThat(W3cTraceContext.traceparent(VALID.toUpperCase(java.util.Locale.ROOT)))
                .as("hex is lower case")
                .isNull();
        assertThat(W3cTraceContext.traceparent("ff" + VALID.substring(2)))
                .as("version ff")
                .isNull();
        assertThat(W3cTraceContext.traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
                .as("zero trace id")
                .isNull();
        assertThat(W3cTraceContext.traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"))
                .as("zero span id")
                .isNull();
        assertThat(W3cTraceContext.traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736x00f067aa0ba902b7-01"))
                .isNull();
        assertThat(W3cTraceContext.traceparent("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"))
                .isNull();
    }

    @Test
    void tracestateGoesOnlyWithAValidTraceparentAndWithinItsLimit() {
        assertThat(W3cTraceContext.tracestate(VALID, "congo=t61rcWkgMzE")).isEqualTo("congo=t61rcWkgMzE");
        assertThat(W3cTraceContext.tracestate(null, "congo=t61rcWkgMzE")).isNull();
        assertThat(W3cTraceContext.tracestate(VALID, "")).isNull();
        assertThat(W3cTraceContext.tracestate(VALID, "a".repeat(513))).isNull();
    }
}
