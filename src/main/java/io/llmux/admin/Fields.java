package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.store.BudgetDurations;
import io.llmux.wire.Json;
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
        return read(name, v -> {
            if (!v.isTextual()) {
                throw bad(name, "must be a string");
            }
            return v.asText();
        });
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
        return read(name, v -> usd(name, v));
    }

    /** A whole number ≥ 0 (limits). */
    public Patch<Long> count(String name) throws GatewayException {
        return read(name, v -> whole(name, v));
    }

    public Patch<Boolean> bool(String name) throws GatewayException {
        return read(name, v -> {
            if (!v.isBoolean()) {
                throw bad(name, "must be true or false");
            }
            return v.asBoolean();
        });
    }

    /** A budget period such as {@code 30d} ({@link BudgetDurations}). */
    public Patch<String> duration(String name) throws GatewayException {
        Patch<String> p = string(name);
        if (p instanceof Patch.Set<String> s && !BudgetDurations.valid(s.value())) {
            throw bad(name, "must be a duration like 30s, 10m, 12h, 30d, 2w or 1mo; got \"" + s.value() + "\"");
        }
        return p;
    }

    public Patch<List<String>> strings(String name) throws GatewayException {
        return read(name, v -> {
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
            return Collections.unmodifiableList(out);
        });
    }

    /** A JSON object kept as it is ({@code metadata}). */
    public Patch<Map<String, Object>> object(String name) throws GatewayException {
        return read(
                name,
                v -> byName(name, v, "must be a JSON object", (field, n) -> Json.MAPPER.convertValue(n, Object.class)));
    }

    /** Model name → whole number ≥ 0 ({@code model_rpm_limit}, {@code model_tpm_limit}). */
    public Patch<Map<String, Long>> countsByModel(String name) throws GatewayException {
        return read(name, v -> byName(name, v, "must be an object of model name to a whole number", Fields::whole));
    }

    /** Model name → USD ≥ 0 ({@code model_max_budget}). */
    public Patch<Map<String, Double>> amountsByModel(String name) throws GatewayException {
        return read(
                name,
                v -> byName(name, v, "must be an object of model name to an amount of USD", (field, n) -> {
                    if (n.isObject() && n.has("max_budget")) {
                        n = n.get("max_budget"); // LiteLLM also takes {"gpt-4o": {"max_budget": 10, ...}}
                    } else if (n.isObject() && n.has("budget_limit")) {
                        n = n.get("budget_limit"); // ... and its newer {"gpt-4o": {"budget_limit": 10, "time_period":
                        // "30d"}}
                    }
                    return usd(field, n);
                }));
    }

    /** Converts a field that was sent with a value; throws the 400 for a value of the wrong shape. */
    @FunctionalInterface
    private interface Reader<T> {
        T read(JsonNode value) throws GatewayException;
    }

    /** The one place that tells a field left out (keep) from one sent as null (clear) and one with a value. */
    private <T> Patch<T> read(String name, Reader<T> reader) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null) {
            return Patch.absent();
        }
        if (v.isNull()) {
            return new Patch.Clear<>();
        }
        return new Patch.Set<>(reader.read(v));
    }

    /** Converts one entry of an object field; {@code field} is {@code name.key}, for the 400. */
    @FunctionalInterface
    private interface EntryReader<T> {
        T read(String field, JsonNode value) throws GatewayException;
    }

    private static <T> Map<String, T> byName(String name, JsonNode v, String shape, EntryReader<T> entry)
            throws GatewayException {
        if (!v.isObject()) {
            throw bad(name, shape);
        }
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            out.put(e.getKey(), entry.read(name + "." + e.getKey(), e.getValue()));
        }
        return Collections.unmodifiableMap(out);
    }

    private static double usd(String field, JsonNode n) throws GatewayException {
        if (!n.isNumber() || !Double.isFinite(n.asDouble()) || n.asDouble() < 0) {
            throw bad(field, "must be a number of USD, 0 or more");
        }
        return n.asDouble();
    }

    private static long whole(String field, JsonNode n) throws GatewayException {
        if (!n.isNumber() || !n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() < 0) {
            throw bad(field, "must be a whole number, 0 or more");
        }
        return n.asLong();
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
