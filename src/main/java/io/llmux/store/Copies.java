package io.llmux.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Immutable copies for the row records: null reads as empty, and a row never shares a caller's collection. */
final class Copies {
    private Copies() {}

    static List<String> list(List<String> values) {
        return values == null ? List.of() : List.copyOf(values);
    }

    static <V> Map<String, V> map(Map<String, V> values) {
        return values == null ? Map.of() : Map.copyOf(values);
    }

    /** Metadata is whatever JSON the caller sent, nulls included, in its order. */
    static Map<String, Object> metadata(Map<String, Object> values) {
        return values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
