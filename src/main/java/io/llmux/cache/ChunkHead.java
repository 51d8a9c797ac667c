package io.llmux.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * What every chunk of an answer repeats and its whole form keeps: id, created, model, and the service tier and
 * system fingerprint when the provider sent them. Values are kept as the provider wrote them (the nodes themselves).
 */
record ChunkHead(JsonNode id, JsonNode created, JsonNode model, JsonNode serviceTier, JsonNode systemFingerprint) {
    static final ChunkHead NONE = new ChunkHead(null, null, null, null, null);

    static ChunkHead of(JsonNode json) {
        return NONE.fill(json);
    }

    /**
     * This head with the fields it still lacks taken from {@code json}. Empty values never count: Azure's first chunk
     * (its prompt filter results) has {@code "id":"","created":0,"model":""}, the real ones come after it.
     */
    ChunkHead fill(JsonNode json) {
        return new ChunkHead(
                id != null ? id : value(json, "id"),
                created != null ? created : value(json, "created"),
                model != null ? model : value(json, "model"),
                serviceTier != null ? serviceTier : value(json, "service_tier"),
                systemFingerprint != null ? systemFingerprint : value(json, "system_fingerprint"));
    }

    /** Writes the head into {@code out}, in OpenAI's order; absent required fields as OpenAI's empty values. */
    void write(ObjectNode out, String object) {
        out.set("id", id != null ? id : TextNode.valueOf(""));
        out.put("object", object);
        out.set("created", created != null ? created : LongNode.valueOf(0));
        out.set("model", model != null ? model : TextNode.valueOf(""));
        if (serviceTier != null) {
            out.set("service_tier", serviceTier);
        }
        if (systemFingerprint != null) {
            out.set("system_fingerprint", systemFingerprint);
        }
    }

    private static JsonNode value(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || !v.isValueNode() || Nodes.isEmpty(v) || (v.isNumber() && v.asLong() == 0)) {
            return null;
        }
        return v;
    }
}
