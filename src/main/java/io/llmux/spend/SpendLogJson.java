package io.llmux.spend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.store.SpendLogRow;
import java.io.IOException;
import java.time.Instant;

/** One spend row as one line of the spill file. Field by field, so the file format is ours and stays stable. */
final class SpendLogJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SpendLogJson() {}

    static String line(SpendLogRow r) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("request_id", r.requestId());
        n.put("api_key", r.apiKey());
        n.put("key_alias", r.keyAlias());
        n.put("user_id", r.userId());
        n.put("team_id", r.teamId());
        n.put("organization_id", r.organizationId());
        n.put("model", r.model());
        n.put("model_group", r.modelGroup());
        n.put("deployment", r.deployment());
        n.put("provider", r.provider());
        n.put("prompt_tokens", r.promptTokens());
        n.put("completion_tokens", r.completionTokens());
        n.put("spend", r.spend());
        n.put("cache_hit", r.cacheHit());
        n.put("status", r.status());
        n.put("start_time", r.startTime().toEpochMilli());
        n.put("end_time", r.endTime().toEpochMilli());
        return n.toString();
    }

    static SpendLogRow parse(String line) throws IOException {
        JsonNode n = MAPPER.readTree(line);
        if (n == null || !n.isObject() || !n.path("request_id").isTextual()) {
            throw new IOException("not a spend row");
        }
        return new SpendLogRow(
                n.get("request_id").asText(),
                text(n, "api_key"),
                text(n, "key_alias"),
                text(n, "user_id"),
                text(n, "team_id"),
                text(n, "organization_id"),
                text(n, "model"),
                text(n, "model_group"),
                text(n, "deployment"),
                text(n, "provider"),
                n.path("prompt_tokens").asLong(),
                n.path("completion_tokens").asLong(),
                n.path("spend").asDouble(),
                n.path("cache_hit").asBoolean(),
                n.path("status").asInt(),
                Instant.ofEpochMilli(n.path("start_time").asLong()),
                Instant.ofEpochMilli(n.path("end_time").asLong()));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
