package io.llmux.cache;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;

/** Reading the few shapes OpenAI chunks and completions are made of, strictly: a surprise is {@link Unreadable}. */
final class Nodes {
    private Nodes() {}

    /** A string field, or null when it is absent or null. */
    static String text(JsonNode parent, String field) throws Unreadable {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new Unreadable("'" + field + "' is not a string");
        }
        return v.textValue();
    }

    /** A non-negative int field; {@code absent} when it is absent or null. */
    static int index(JsonNode parent, String field, int absent) throws Unreadable {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new Unreadable("'" + field + "' is not an index");
        }
        return v.intValue();
    }

    /** Null, an empty string, array or object: a field that says nothing. */
    static boolean isEmpty(JsonNode v) {
        return v == null
                || v.isNull()
                || (v.isTextual() && v.textValue().isEmpty())
                || (v.isContainerNode() && v.isEmpty());
    }

    /**
     * Fails when {@code object} has a non-empty field besides {@code known}. A part of the answer this package does
     * not carry (audio, annotations, reasoning text, the legacy function_call) must not be dropped silently: a cached
     * answer would then differ from the one the provider gave.
     */
    static void onlyKnown(JsonNode object, Set<String> known, String what) throws Unreadable {
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (!known.contains(field.getKey()) && !isEmpty(field.getValue())) {
                throw new Unreadable(what + " has '" + field.getKey() + "', which is not kept");
            }
        }
    }
}
