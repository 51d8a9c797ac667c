package io.llmux.provider.gemini;

import static io.llmux.provider.gemini.GeminiRequest.invalid;
import static io.llmux.provider.gemini.GeminiRequest.present;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import io.llmux.wire.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * OpenAI messages as Gemini turns. Gemini knows two roles, {@code user} and {@code model}, and one system
 * instruction, so:
 *
 * <ul>
 *   <li>{@code system} and {@code developer} messages, wherever they stand, become the parts of
 *       {@code systemInstruction}, in order;
 *   <li>{@code assistant} is {@code model}; its {@code tool_calls} become {@code functionCall} parts;
 *   <li>a {@code tool} message is a {@code functionResponse} part in a {@code user} turn. Gemini matches a response to
 *       its call by function name, and OpenAI by {@code tool_call_id}, so the name is looked up in the earlier
 *       assistant message that made the call (clients repeat it with its {@code tool_calls}, as OpenAI requires);
 *   <li>consecutive turns of one role are merged, as Gemini expects the roles to alternate (parallel tool results
 *       then arrive as one turn, in the order of the calls).
 * </ul>
 *
 * @param system the parts of {@code systemInstruction}, empty when there is none
 * @param turns the {@code contents} array
 */
record GeminiContents(ArrayNode system, ArrayNode turns) {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static GeminiContents of(JsonNode messages) throws ProviderFailure {
        GeminiContents out = new GeminiContents(NODES.arrayNode(), NODES.arrayNode());
        Map<String, String> callNames = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            String role = m.path("role").asText("");
            switch (role) {
                case "system", "developer" -> GeminiParts.text(m.get("content"), at + ".content", out.system);
                case "user" -> out.add("user", GeminiParts.user(m.get("content"), at + ".content"));
                case "assistant" -> out.add("model", assistant(m, at, callNames));
                case "tool" -> out.add("user", toolResult(m, at, callNames));
                default ->
                    throw invalid(
                            at + ".role",
                            "The '" + role + "' role is not supported on gemini models; send tool results as 'tool'"
                                    + " messages.");
            }
        }
        return out;
    }

    /** Appends a turn, or its parts to the previous turn of the same role; a turn without parts is left out. */
    private void add(String role, ArrayNode parts) {
        if (parts.isEmpty()) {
            return;
        }
        ObjectNode last = turns.isEmpty() ? null : (ObjectNode) turns.get(turns.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            ((ArrayNode) last.get("parts")).addAll(parts);
            return;
        }
        ObjectNode turn = turns.addObject();
        turn.put("role", role);
        turn.set("parts", parts);
    }

    private static ArrayNode assistant(JsonNode m, String at, Map<String, String> callNames) throws ProviderFailure {
        ArrayNode parts = NODES.arrayNode();
        GeminiParts.text(m.get("content"), at + ".content", parts);
        JsonNode calls = m.get("tool_calls");
        if (!present(calls)) {
            return parts;
        }
        if (!calls.isArray()) {
            throw invalid(at + ".tool_calls", "'" + at + ".tool_calls' must be an array.");
        }
        for (int j = 0; j < calls.size(); j++) {
            JsonNode call = calls.get(j);
            String callAt = at + ".tool_calls[" + j + "]";
            JsonNode function = call.path("function");
            String name = function.path("name").asText("");
            if (name.isEmpty()) {
                throw invalid(callAt + ".function.name", "Missing required parameter: '" + callAt + ".function.name'.");
            }
            String id = call.path("id").asText("");
            if (!id.isEmpty()) {
                callNames.put(id, name);
            }
            ObjectNode functionCall = parts.addObject().putObject("functionCall");
            functionCall.put("name", name);
            functionCall.set("args", arguments(function.get("arguments"), callAt + ".function.arguments"));
        }
        return parts;
    }

    /** A call's {@code arguments}, a JSON object in a string; Gemini wants the object itself. */
    private static JsonNode arguments(JsonNode arguments, String at) throws ProviderFailure {
        if (!present(arguments) || (arguments.isTextual() && arguments.asText().isBlank())) {
            return NODES.objectNode(); // a call without arguments
        }
        if (arguments.isObject()) {
            return arguments;
        }
        JsonNode parsed = arguments.isTextual() ? parse(arguments.asText()) : null;
        if (parsed == null || !parsed.isObject()) {
            throw invalid(
                    at,
                    "'" + at + "' must be a JSON object encoded as a string, e.g. \"{\\\"city\\\": \\\"Oslo\\\"}\".");
        }
        return parsed;
    }

    private static ArrayNode toolResult(JsonNode m, String at, Map<String, String> callNames) throws ProviderFailure {
        String id = m.path("tool_call_id").asText("");
        if (id.isEmpty()) {
            throw invalid(at + ".tool_call_id", "Missing required parameter: '" + at + ".tool_call_id'.");
        }
        String name = callNames.get(id);
        if (name == null) {
            throw invalid(
                    at + ".tool_call_id",
                    "'" + at + ".tool_call_id' is '" + id + "', but no earlier assistant message has a tool call with"
                            + " that id; gemini needs the function's name, so send the assistant message with its"
                            + " tool_calls before the tool results.");
        }
        ArrayNode texts = NODES.arrayNode();
        GeminiParts.text(m.get("content"), at + ".content", texts);
        StringBuilder text = new StringBuilder();
        for (JsonNode part : texts) {
            text.append(part.path("text").asText());
        }
        JsonNode parsed = parse(text.toString());
        JsonNode response = parsed != null && parsed.isObject()
                ? parsed
                : NODES.objectNode().put("content", text.toString());
        ArrayNode parts = NODES.arrayNode();
        ObjectNode functionResponse = parts.addObject().putObject("functionResponse");
        functionResponse.put("name", name);
        functionResponse.set("response", response);
        return parts;
    }

    /** The JSON value of {@code text}, or null when it is not JSON. */
    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }
}
