package io.llmux.wire;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.pipeline.Endpoint;
import io.llmux.wire.RequestShape.CacheControl;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Parses and checks data-plane request bodies at the edge, so that every later stage can trust the fields it
 * reads. Only fields the gateway interprets or whose type a provider would reject are checked; everything else
 * passes through untouched. The gateway's own extensions are read here and removed from the body.
 */
public final class Requests {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    private Requests() {}

    /** Parses a body that must be one JSON object. */
    public static ObjectNode parseObject(byte[] body) throws GatewayException {
        if (body.length == 0) {
            throw GatewayException.invalidRequest(
                    null, "The request body is empty; send a JSON object such as {\"model\": …, \"messages\": […]}.");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw GatewayException.invalidRequest(
                    null, "The request body is not valid JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw GatewayException.invalidRequest(null, "The request body could not be read as JSON.");
        }
        if (!(node instanceof ObjectNode object)) {
            throw GatewayException.invalidRequest(
                    null, "The request body must be a JSON object, not " + kind(node) + ".");
        }
        return object;
    }

    /**
     * Checks a request for {@code endpoint} and takes the gateway's extensions out of it.
     *
     * @param headers header lookup by lower-case name
     */
    public static RequestShape check(Endpoint endpoint, ObjectNode body, Function<String, String> headers)
            throws GatewayException {
        String model = requiredString(body, "model");
        switch (endpoint) {
            case CHAT -> checkChat(body);
            case COMPLETIONS -> checkCompletion(body);
            case EMBEDDINGS -> checkEmbedding(body);
        }
        boolean stream = endpoint != Endpoint.EMBEDDINGS && optionalBoolean(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw typeError("stream_options", "an object", options);
            }
            JsonNode include = options.get("include_usage");
            if (include != null && !include.isNull() && !include.isBoolean()) {
                throw typeError("stream_options.include_usage", "a boolean", include);
            }
            includeUsage = include != null && include.asBoolean();
        }
        List<String> tags = takeTags(body, headers.apply("x-llmux-tags"));
        CacheControl cache = takeCacheControl(body, headers.apply("cache-control"));
        return new RequestShape(model, stream, includeUsage, tags, cache);
    }

    private static void checkChat(ObjectNode body) throws GatewayException {
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw GatewayException.invalidRequest("messages", "Missing required parameter: 'messages'.");
        }
        if (!messages.isArray()) {
            throw typeError("messages", "an array of message objects", messages);
        }
        if (messages.isEmpty()) {
            throw GatewayException.invalidRequest("messages", "'messages' must contain at least one message.");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw typeError(at, "a message object", m);
            }
            JsonNode role = m.get("role");
            if (role == null || role.isNull()) {
                throw GatewayException.invalidRequest(at + ".role", "Missing required parameter: '" + at + ".role'.");
            }
            if (!role.isTextual() || !ROLES.contains(role.asText())) {
                throw GatewayException.invalidRequest(
                        at + ".role",
                        "Invalid value for '" + at + ".role': " + role
                                + "; use one of system, developer, user, assistant, tool.");
            }
            JsonNode content = m.get("content");
            if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
                throw typeError(at + ".content", "a string or an array of content parts", content);
            }
        }
        checkCommon(body);
        optionalArray(body, "tools");
        JsonNode toolChoice = body.get("tool_choice");
        if (toolChoice != null && !toolChoice.isNull() && !toolChoice.isTextual() && !toolChoice.isObject()) {
            throw typeError("tool_choice", "a string or an object", toolChoice);
        }
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull() && !format.isObject()) {
            throw typeError("response_format", "an object", format);
        }
        optionalInteger(body, "max_completion_tokens");
    }

    private static void checkCompletion(ObjectNode body) throws GatewayException {
        JsonNode prompt = body.get("prompt");
        if (prompt == null || prompt.isNull()) {
            throw GatewayException.invalidRequest("prompt", "Missing required parameter: 'prompt'.");
        }
        if (!prompt.isTextual() && !prompt.isArray()) {
            throw typeError("prompt", "a string or an array", prompt);
        }
        checkCommon(body);
    }

    private static void checkEmbedding(ObjectNode body) throws GatewayException {
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw GatewayException.invalidRequest("input", "Missing required parameter: 'input'.");
        }
        if (!input.isTextual() && !input.isArray()) {
            throw typeError("input", "a string or an array", input);
        }
        if (input.isArray() && input.isEmpty()) {
            throw GatewayException.invalidRequest("input", "'input' must not be an empty array.");
        }
        JsonNode format = body.get("encoding_format");
        if (format != null
                && !format.isNull()
                && !("float".equals(format.asText()) || "base64".equals(format.asText()))) {
            throw GatewayException.invalidRequest(
                    "encoding_format", "Invalid value for 'encoding_format': use \"float\" or \"base64\".");
        }
        optionalInteger(body, "dimensions");
    }

    private static void checkCommon(ObjectNode body) throws GatewayException {
        optionalBoolean(body, "stream");
        optionalNumber(body, "temperature");
        optionalNumber(body, "top_p");
        optionalNumber(body, "presence_penalty");
        optionalNumber(body, "frequency_penalty");
        optionalInteger(body, "max_tokens");
        optionalInteger(body, "n");
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull()) {
            boolean ok = stop.isTextual();
            if (stop.isArray()) {
                ok = true;
                for (JsonNode s : stop) {
                    ok &= s.isTextual();
                }
            }
            if (!ok) {
                throw typeError("stop", "a string or an array of strings", stop);
            }
        }
    }

    private static List<String> takeTags(ObjectNode body, String header) throws GatewayException {
        List<String> tags = new ArrayList<>();
        JsonNode metadata = body.get("metadata");
        if (metadata instanceof ObjectNode meta && meta.has("tags")) {
            addTags(tags, meta.remove("tags"), "metadata.tags");
            if (meta.isEmpty()) {
                body.remove("metadata");
            }
        }
        if (body.has("tags")) {
            addTags(tags, body.remove("tags"), "tags");
        }
        if (header != null) {
            for (String t : header.split(",", -1)) {
                if (!t.isBlank()) {
                    tags.add(t.strip());
                }
            }
        }
        return tags.isEmpty() ? List.of() : List.copyOf(tags);
    }

    private static void addTags(List<String> into, JsonNode tags, String param) throws GatewayException {
        if (tags == null || tags.isNull()) {
            return;
        }
        if (!(tags instanceof ArrayNode array)) {
            throw typeError(param, "an array of strings", tags);
        }
        for (JsonNode t : array) {
            if (!t.isTextual()) {
                throw typeError(param, "an array of strings", tags);
            }
            into.add(t.asText());
        }
    }

    private static CacheControl takeCacheControl(ObjectNode body, String header) throws GatewayException {
        boolean noCache = false;
        boolean noStore = false;
        long ttl = -1;
        JsonNode cache = body.remove("cache");
        if (cache != null && !cache.isNull()) {
            if (!cache.isObject()) {
                throw typeError("cache", "an object such as {\"no-cache\": true}", cache);
            }
            noCache = flag(cache, "no-cache");
            noStore = flag(cache, "no-store");
            JsonNode t = cache.get("ttl");
            if (t != null && !t.isNull()) {
                if (!t.canConvertToLong() || !t.isIntegralNumber() || t.asLong() < 0) {
                    throw typeError("cache.ttl", "a whole number of seconds", t);
                }
                ttl = t.asLong();
            }
        }
        if (header != null) {
            for (String directive : header.toLowerCase(Locale.ROOT).split(",", -1)) {
                String d = directive.strip();
                if (d.equals("no-cache")) {
                    noCache = true;
                } else if (d.equals("no-store")) {
                    noStore = true;
                } else if (d.startsWith("max-age=")) {
                    try {
                        ttl = Long.parseLong(d.substring(8));
                    } catch (NumberFormatException e) {
                        throw GatewayException.invalidRequest(
                                null, "Cache-Control max-age must be a whole number of seconds.");
                    }
                }
            }
        }
        return noCache || noStore || ttl >= 0 ? new CacheControl(noCache, noStore, ttl) : CacheControl.NONE;
    }

    private static boolean flag(JsonNode cache, String name) throws GatewayException {
        JsonNode v = cache.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw typeError("cache." + name, "a boolean", v);
        }
        return v.asBoolean();
    }

    private static String requiredString(ObjectNode body, String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            throw GatewayException.invalidRequest(name, "Missing required parameter: '" + name + "'.");
        }
        if (!v.isTextual()) {
            throw typeError(name, "a string", v);
        }
        if (v.asText().isBlank()) {
            throw GatewayException.invalidRequest(name, "'" + name + "' must not be empty.");
        }
        return v.asText();
    }

    private static boolean optionalBoolean(ObjectNode body, String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw typeError(name, "a boolean", v);
        }
        return v.asBoolean();
    }

    private static void optionalNumber(ObjectNode body, String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v != null && !v.isNull() && !v.isNumber()) {
            throw typeError(name, "a number", v);
        }
    }

    private static void optionalInteger(ObjectNode body, String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v != null && !v.isNull() && !(v.isIntegralNumber() || (v.isNumber() && isWhole(v)))) {
            throw typeError(name, "an integer", v);
        }
    }

    private static boolean isWhole(JsonNode v) {
        return v.decimalValue().stripTrailingZeros().scale() <= 0;
    }

    private static void optionalArray(ObjectNode body, String name) throws GatewayException {
        JsonNode v = body.get(name);
        if (v != null && !v.isNull() && !v.isArray()) {
            throw typeError(name, "an array", v);
        }
    }

    private static GatewayException typeError(String param, String expected, JsonNode got) {
        return GatewayException.invalidRequest(
                param, "Invalid type for '" + param + "': expected " + expected + ", but got " + kind(got) + ".");
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NULL, MISSING -> "null";
            default -> "a value of another type";
        };
    }
}
