package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import io.llmux.wire.Json;

/**
 * OpenAI's {@code response_format} for the Messages API, which has no JSON mode of its own:
 *
 * <ul>
 *   <li>{@code json_schema} with an object schema, when the client sent no tools: a tool whose {@code input_schema} is
 *       the schema, forced with {@code tool_choice}. The model then has to produce input that fits the schema (the
 *       approach Anthropic documents for consistent JSON), and the tool's input comes back as the message content
 *       with {@code finish_reason: stop}: the client sees the JSON answer it asked for, never the tool.
 *   <li>{@code json_schema} alongside the client's own tools (forcing ours would keep the model from calling
 *       theirs), or with a schema that is not an object (tool inputs must be objects): a system instruction that
 *       carries the schema.
 *   <li>{@code json_object}: a system instruction to answer with one JSON object only.
 *   <li>{@code text}: nothing to do.
 * </ul>
 *
 * @param instruction text appended to the system prompt, or null
 * @param tool the forced tool's definition, or null
 */
record ResponseFormat(String instruction, ObjectNode tool) {
    /** The forced tool's name; only used when the client has no tools, so it cannot clash with one of theirs. */
    static final String JSON_TOOL = "json_answer";

    static final ResponseFormat NONE = new ResponseFormat(null, null);
    static final String JSON_ONLY =
            "Respond with a single JSON object and nothing else: no prose before or after it, no Markdown code fences.";

    static ResponseFormat of(JsonNode format, boolean clientTools) throws ProviderFailure {
        if (format == null || format.isNull()) {
            return NONE;
        }
        String type = format.path("type").asText("");
        return switch (type) {
            case "text" -> NONE;
            case "json_object" -> new ResponseFormat(JSON_ONLY, null);
            case "json_schema" -> jsonSchema(format.path("json_schema"), clientTools);
            default ->
                throw BadRequest.of(
                        "response_format.type",
                        "'response_format.type' must be text, json_object or json_schema (got '" + type + "')");
        };
    }

    private static ResponseFormat jsonSchema(JsonNode spec, boolean clientTools) throws ProviderFailure {
        JsonNode schema = spec.path("schema");
        if (!schema.isObject()) {
            throw BadRequest.of(
                    "response_format.json_schema.schema", "'response_format.json_schema.schema' is required");
        }
        if (clientTools || !schema.path("type").asText("object").equals("object")) {
            return new ResponseFormat(JSON_ONLY + " The object must conform to this JSON schema: " + schema, null);
        }
        ObjectNode tool = Json.MAPPER.createObjectNode().put("name", JSON_TOOL);
        String description = spec.path("description").asText("");
        tool.put(
                "description",
                "Give the answer as this tool's input" + (description.isEmpty() ? "." : ": " + description));
        tool.set("input_schema", schema);
        return new ResponseFormat(null, tool);
    }

    /** The name of the forced tool whose input is the answer, or null when the answer is plain text. */
    String jsonTool() {
        return tool == null ? null : JSON_TOOL;
    }
}
