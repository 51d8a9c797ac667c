package io.llmux.provider.gemini;

import static io.llmux.provider.gemini.GeminiRequest.invalid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A JSON Schema (as OpenAI takes it for tool parameters and {@code json_schema} answers) in Gemini's schema subset,
 * an OpenAPI 3.0 dialect: {@code type} in capitals, one type per schema with {@code nullable} for {@code null},
 * {@code anyOf} but no {@code oneOf} or {@code allOf}, no references.
 *
 * <ul>
 *   <li>{@code ["string", "null"]} and {@code anyOf: [X, {type: null}]} become X with {@code nullable: true};
 *       several types become {@code anyOf}; {@code oneOf} is read as {@code anyOf}; {@code allOf} is merged;
 *   <li>local {@code $ref}s ({@code #/$defs/…}, {@code #/definitions/…}) are inlined; a schema that refers to itself
 *       cannot be inlined and is refused with a 400 naming the field;
 *   <li>{@code const} becomes a one-value {@code enum}; {@code enum} is kept for strings only (Gemini's enums are
 *       strings), {@code format} only where Gemini knows it; {@code required} keeps only properties that exist;
 *   <li>every other keyword ({@code additionalProperties}, {@code $schema}, {@code $id}, {@code strict},
 *       {@code examples}, {@code multipleOf}, {@code not}, {@code patternProperties}, …) is dropped: the model is
 *       then less constrained, never refused.
 * </ul>
 */
final class GeminiSchema {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 48;
    private static final List<String> COPIED = List.of(
            "title",
            "description",
            "minItems",
            "maxItems",
            "minimum",
            "maximum",
            "minLength",
            "maxLength",
            "pattern",
            "minProperties",
            "maxProperties",
            "propertyOrdering",
            "example",
            "default");
    private static final Map<String, Set<String>> FORMATS = Map.of(
            "STRING", Set.of("enum", "date-time"),
            "INTEGER", Set.of("int32", "int64"),
            "NUMBER", Set.of("float", "double"));

    private final JsonNode root;
    private final String param;

    private GeminiSchema(JsonNode root, String param) {
        this.root = root;
        this.param = param;
    }

    /** @param param the request field holding the schema, named in a refusal */
    static ObjectNode convert(JsonNode schema, String param) throws ProviderFailure {
        if (!schema.isObject()) {
            throw invalid(param, "'" + param + "' must be a JSON Schema object.");
        }
        return new GeminiSchema(schema, param).node(schema, 0);
    }

    private ObjectNode node(JsonNode schema, int depth) throws ProviderFailure {
        if (depth > MAX_DEPTH) {
            throw invalid(
                    param,
                    "'" + param + "' is nested too deeply or refers to itself; gemini models take no recursive"
                            + " schemas.");
        }
        ObjectNode out = NODES.objectNode();
        if (!schema.isObject()) {
            return out; // `true`: anything goes
        }
        JsonNode s = schema;
        if (s.hasNonNull("$ref")) {
            ObjectNode target = node(resolve(s.get("$ref").asText()), depth + 1);
            if (s.hasNonNull("description")) {
                target.set("description", s.get("description"));
            }
            return target;
        }
        boolean nullable = s.path("nullable").asBoolean(false);
        List<String> types = new ArrayList<>();
        for (JsonNode t :
                s.path("type").isArray() ? s.get("type") : NODES.arrayNode().add(s.path("type"))) {
            if (t.isTextual()) {
                types.add(t.asText().toUpperCase(Locale.ROOT));
            }
        }
        if (types.size() > 1 && types.remove("NULL")) {
            nullable = true;
        }
        if (types.size() > 1) {
            ArrayNode anyOf = out.putArray("anyOf");
            for (String type : types) {
                anyOf.addObject().put("type", type);
            }
        } else if (types.size() == 1) {
            out.put("type", types.get(0));
        } else if (s.has("properties")) {
            out.put("type", "OBJECT");
        } else if (s.has("items")) {
            out.put("type", "ARRAY");
        } else if (s.has("enum") || s.path("const").isTextual()) {
            out.put("type", "STRING");
        }
        for (String keyword : COPIED) {
            if (s.hasNonNull(keyword)) {
                out.set(keyword, s.get(keyword));
            }
        }
        String type = out.path("type").asText("");
        if (s.path("format").isTextual()
                && FORMATS.getOrDefault(type, Set.of()).contains(s.get("format").asText())) {
            out.set("format", s.get("format"));
        }
        enumValues(s, out, type);
        properties(s, out, depth);
        if (s.path("items").isObject()) {
            out.set("items", node(s.get("items"), depth + 1));
        }
        nullable |= alternatives(s, out, depth);
        for (JsonNode part : s.path("allOf")) {
            merge(out, node(part, depth + 1));
        }
        if (nullable) {
            out.put("nullable", true);
        }
        return out;
    }

    private static void enumValues(JsonNode s, ObjectNode out, String type) {
        if (!type.equals("STRING")) {
            return;
        }
        if (s.path("const").isTextual()) {
            out.putArray("enum").add(s.get("const"));
            return;
        }
        JsonNode values = s.path("enum");
        if (!values.isArray() || values.isEmpty()) {
            return;
        }
        for (JsonNode v : values) {
            if (!v.isTextual()) {
                return; // Gemini's enum values are strings; a mixed enum is dropped, not rewritten
            }
        }
        out.set("enum", values);
    }

    private void properties(JsonNode s, ObjectNode out, int depth) throws ProviderFailure {
        JsonNode properties = s.path("properties");
        if (!properties.isObject()) {
            return;
        }
        ObjectNode converted = out.putObject("properties");
        for (Map.Entry<String, JsonNode> p : properties.properties()) {
            converted.set(p.getKey(), node(p.getValue(), depth + 1));
        }
        ArrayNode required = NODES.arrayNode();
        for (JsonNode name : s.path("required")) {
            if (name.isTextual() && converted.has(name.asText())) {
                required.add(name);
            }
        }
        if (!required.isEmpty()) {
            out.set("required", required);
        }
    }

    /** {@code anyOf} / {@code oneOf}; returns true when one alternative is {@code null}. */
    private boolean alternatives(JsonNode s, ObjectNode out, int depth) throws ProviderFailure {
        JsonNode options = s.path("anyOf").isArray() ? s.get("anyOf") : s.path("oneOf");
        if (!options.isArray() || options.isEmpty()) {
            return false;
        }
        boolean nullable = false;
        List<ObjectNode> converted = new ArrayList<>();
        for (JsonNode option : options) {
            ObjectNode c = node(option, depth + 1);
            if ("NULL".equals(c.path("type").asText()) && c.size() == 1) {
                nullable = true;
            } else {
                converted.add(c);
            }
        }
        if (converted.size() == 1) {
            merge(out, converted.get(0));
        } else if (!converted.isEmpty()) {
            out.putArray("anyOf").addAll(converted);
        }
        return nullable;
    }

    /** Adds {@code from}'s keywords to {@code into}: properties and required are joined, the rest kept if unset. */
    private static void merge(ObjectNode into, ObjectNode from) {
        for (Map.Entry<String, JsonNode> f : from.properties()) {
            JsonNode mine = into.get(f.getKey());
            if (mine == null) {
                into.set(f.getKey(), f.getValue());
            } else if (f.getKey().equals("properties") && mine.isObject()) {
                ((ObjectNode) mine).setAll((ObjectNode) f.getValue());
            } else if (f.getKey().equals("required") && mine.isArray()) {
                for (JsonNode name : f.getValue()) {
                    if (!contains(mine, name)) {
                        ((ArrayNode) mine).add(name);
                    }
                }
            }
        }
    }

    private static boolean contains(JsonNode array, JsonNode value) {
        for (JsonNode v : array) {
            if (v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** A local reference, {@code #/$defs/Name} or any JSON pointer into the root schema. */
    private JsonNode resolve(String ref) throws ProviderFailure {
        if (!ref.startsWith("#")) {
            throw invalid(param, "'" + param + "' refers to an outside schema (" + ref + "); inline it.");
        }
        JsonNode target = root.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw invalid(param, "'" + param + "' refers to " + ref + ", which it does not define.");
        }
        return target;
    }
}
