package io.llmux.telemetry.tracing;

/**
 * The client's W3C trace context as it may be passed on untouched (tracing off): only a well-formed
 * {@code traceparent}, and its {@code tracestate} only with it and within the spec's 512 characters. Anything else
 * is dropped rather than handed to a provider, as the W3C spec asks of a participant that cannot parse it.
 */
public final class W3cTraceContext {
    private static final int TRACEPARENT_LENGTH = 55; // 00-<32 hex>-<16 hex>-<2 hex>
    private static final int MAX_TRACESTATE = 512;

    private W3cTraceContext() {}

    /** The header when it is a version-00 traceparent with a non-zero trace id and span id; else null. */
    public static String traceparent(String header) {
        if (header == null || header.length() != TRACEPARENT_LENGTH) {
            return null;
        }
        if (!header.startsWith("00-") || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return null;
        }
        boolean traceIdZero = true;
        boolean spanIdZero = true;
        for (int i = 3; i < TRACEPARENT_LENGTH; i++) {
            if (i == 35 || i == 52) {
                continue;
            }
            char c = header.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
            if (c != '0' && i < 35) {
                traceIdZero = false;
            } else if (c != '0' && i < 52) {
                spanIdZero = false;
            }
        }
        return traceIdZero || spanIdZero ? null : header;
    }

    /** The tracestate to pass on with a valid traceparent: null when there is none or it is over 512 characters. */
    public static String tracestate(String traceparent, String header) {
        return traceparent == null || header == null || header.isEmpty() || header.length() > MAX_TRACESTATE
                ? null
                : header;
    }
}
