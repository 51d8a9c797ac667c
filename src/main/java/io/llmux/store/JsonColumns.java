package io.llmux.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * The TEXT columns that hold JSON (models, tags, metadata, the per-model maps). A NULL or empty column reads as an
 * empty list or map; anything unparsable is a {@link StoreException}: someone edited the row by hand.
 */
final class JsonColumns {
    /** Plain settings: these values are ours, never a client body passed through, so no exact-number handling. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
    private static final TypeReference<Map<String, Long>> LONGS = new TypeReference<>() {};
    private static final TypeReference<Map<String, Double>> DOUBLES = new TypeReference<>() {};

    private JsonColumns() {}

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StoreException(StoreException.Kind.FAILED, "cannot write a JSON column: " + e.getMessage(), e);
        }
    }

    static List<String> strings(String json) {
        return read(json, STRINGS, List.of());
    }

    static Map<String, Object> object(String json) {
        return read(json, OBJECT, Map.of());
    }

    static Map<String, Long> longs(String json) {
        return read(json, LONGS, Map.of());
    }

    static Map<String, Double> doubles(String json) {
        return read(json, DOUBLES, Map.of());
    }

    private static <T> T read(String json, TypeReference<T> type, T empty) {
        if (json == null || json.isBlank()) {
            return empty;
        }
        try {
            T value = MAPPER.readValue(json, type);
            return value == null ? empty : value;
        } catch (JsonProcessingException e) {
            throw new StoreException(
                    StoreException.Kind.FAILED, "a JSON column holds invalid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
