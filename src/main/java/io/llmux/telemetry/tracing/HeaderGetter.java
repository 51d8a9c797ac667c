package io.llmux.telemetry.tracing;

import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.function.Function;

/** Reads the W3C trace headers of a client's request through the server's header lookup. */
final class HeaderGetter implements TextMapGetter<Function<String, String>> {
    static final HeaderGetter INSTANCE = new HeaderGetter();

    private HeaderGetter() {}

    @Override
    public String get(Function<String, String> headers, String key) {
        return headers == null ? null : headers.apply(key);
    }
}
