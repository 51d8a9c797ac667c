package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.store.BudgetDurations;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a management request's JSON fields, each checked as it is read: a field of the wrong type or range is a
 * 400 whose {@code param} names it (SPEC §8). Every reader returns a {@link Patch}, so one reader serves creates
 * ({@code .apply(null)}) and updates (absent keeps, null clears). Fields the gateway does not know are ignored, so
 * scripts written for LiteLLM that send more than we use keep working.
 */
public final class Fields {
    private final JsonNode body;

    public Fields(JsonNode body) {
        this.body = body == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : body;
    }

    public boolean has(String name) {
        return body.has(name);
    }

    public Patch<String> string(String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        if (!v.isTextual()) {
            throw bad(name, "must be a string");
        }
        return new Patch.Set<>(v.asText());
    }

    /** A string that must be sent and not be blank. */
    public String requiredString(String name) throws GatewayException {
        String v = string(name).apply(null);
        if (v == null || v.isBlank()) {
            throw bad(name, "is required");
        }
        return v;
    }

    /** A number ≥ 0 (USD amounts). */
    public Patch<Double> amount(String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < 0) {
            throw bad(name, "must be a number of USD, 0 or more");
        }
        return new Patch.Set<>(v.asDouble());
    }

    /** A whole number ≥ 0 (limits). */
    public Patch<Long> count(String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        if (!v.canConvertToExactIntegral() || !v.isNumber() || v.asLong() < 0) {
            throw bad(name, "must be a whole number, 0 or more");
        }
        return new Patch.Set<>(v.asLong());
    }

    public Patch<Boolean> bool(String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        if (!v.isBoolean()) {
            throw bad(name, "must be true or false");
        }
        return new Patch.Set<>(v.asBoolean());
    }

    /** A budget period such as {@code 30d} ({@link BudgetDurations}). */
    public Patch<String> duration(String name) throws GatewayException {
        Patch<String> p = string(name);
        if (p instanceof Patch.Set<String> s) {
            if (!BudgetDurations.valid(s.value())) {
                throw bad(name, "must be a duration like 30s, 10m, 12h, 30d, 2w or 1mo; got \"" + s.value() + "\"");
            }
        }
        return p;
    }

    public Patch<List<String>> strings(String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        if (!v.isArray()) {
            throw bad(name, "must be a list of strings");
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw bad(name, "must be a list of strings");
            }
            out.add(item.asText());
        }
        return new Patch.Set<>(Collections.unmodifiableList(out));
    }

    /** A JSON object kept as it is ({@code metadata}). */
    public Patch<Map<String, Object>> object(String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        if (!v.isObject()) {
            throw bad(name, "must be a JSON object");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            out.put(e.getKey(), io.llmux.wire.Json.MAPPER.convertValue(e.getValue(), Object.class));
        }
        return new Patch.Set<>(Collections.unmodifiableMap(out));
    }

    /** Model name → whole number ≥ 0 ({@code model_rpm_limit}, {@code model_tpm_limit}). */
    public Patch<Map<String, Long>> countsByModel(String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        if (!v.isObject()) {
            throw bad(name, "must be an object of model name to a whole number");
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            JsonNode n = e.getValue();
            if (!n.isNumber() || !n.canConvertToExactIntegral() || n.asLong() < 0) {
                throw bad(name + "." + e.getKey(), "must be a whole number, 0 or more");
            }
            out.put(e.getKey(), n.asLong());
        }
        return new Patch.Set<>(Collections.unmodifiableMap(out));
    }

    /** Model name → USD ≥ 0 ({@code model_max_budget}). */
    public Patch<Map<String, Double>> amountsByModel(String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        if (!v.isObject()) {
            throw bad(name, "must be an object of model name to an amount of USD");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            JsonNode n = e.getValue();
            if (n.isObject() && n.has("max_budget")) {
                n = n.get("max_budget"); // LiteLLM also takes {"gpt-4o": {"max_budget": 10, ...}}
            } else if (n.isObject() && n.has("budget_limit")) {
                n = n.get("budget_limit"); // ... and its newer {"gpt-4o": {"budget_limit": 10, "time_period": "30d"}}
            }
            if (!n.isNumber() || !Double.isFinite(n.asDouble()) || n.asDouble() < 0) {
                throw bad(name + "." + e.getKey(), "must be a number of USD, 0 or more");
            }
            out.put(e.getKey(), n.asDouble());
        }
        return new Patch.Set<>(Collections.unmodifiableMap(out));
    }

    /** One of {@code allowed}. */
    public Patch<String> choice(String name, List<String> allowed) throws GatewayException {
        Patch<String> p = string(name);
        if (p instanceof Patch.Set<String> s && !allowed.contains(s.value())) {
            throw bad(name, "must be one of " + String.join(", ", allowed) + "; got \"" + s.value() + "\"");
        }
        return p;
    }

    /** The 400 for a field: {@code 'name' must ...}. */
    public static GatewayException bad(String name, String problem) {
        return GatewayException.invalidRequest(name, "'" + name + "' " + problem + ".");
    }
}
