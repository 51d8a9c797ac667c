package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import io.llmux.wire.Json;

/**
 * OpenAI {@code tools}, {@code tool_choice} and {@code parallel_tool_calls} in Anthropic's terms: a function's
 * {@code parameters} become the tool's {@code input_schema}; {@code required} is Anthropic's {@code any};
 * {@code parallel_tool_calls: false} is {@code disable_parallel_tool_use} on the tool choice.
 */
final class AnthropicTools {
    private AnthropicTools() {}

    /** The Anthropic tools, or null when the request has none. */
    static ArrayNode tools(JsonNode tools) throws ProviderFailure {
        if (tools == null || tools.isNull() || (tools.isArray() && tools.isEmpty())) {
            return null;
        }
        if (!tools.isArray()) {
            throw BadRequest.of("tools", "'tools' must be a list of function tools");
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            String at = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            JsonNode function = tool.path("function");
            if (!tool.path("type").asText("").equals("function")) {
                throw BadRequest.of(
                        at + ".type",
                        "only function tools can be sent to anthropic models (got '"
                                + tool.path("type").asText("") + "')");
            }
            if (!function.path("name").isTextual()) {
                throw BadRequest.of(at + ".function.name", "'" + at + ".function.name' is required");
            }
            ObjectNode t = out.addObject().put("name", function.get("name").asText());
            if (function.path("description").isTextual()) {
                t.put("description", function.get("description").asText());
            }
            JsonNode parameters = function.get("parameters");
            t.set("input_schema", parameters != null && parameters.isObject() ? parameters : emptySchema());
            // strict has no Anthropic counterpart and is dropped; a cache breakpoint on a tool is passed through
            if (tool.hasNonNull("cache_control")) {
                t.set("cache_control", tool.get("cache_control"));
            }
        }
        return out;
    }

    /**
     * The Anthropic tool choice, or null to leave the provider's default ({@code auto}).
     *
     * @param parallel the client's {@code parallel_tool_calls}
     */
    static ObjectNode choice(JsonNode choice, JsonNode parallel) throws ProviderFailure {
        ObjectNode out = Json.MAPPER.createObjectNode();
        if (choice == null || choice.isNull() || choice.asText().equals("auto")) {
            out.put("type", "auto");
        } else if (choice.asText().equals("required")) {
            out.put("type", "any");
        } else if (choice.asText().equals("none")) {
            return out.put("type", "none");
        } else if (choice.isObject()
                && choice.path("type").asText().equals("function")
                && choice.path("function").path("name").isTextual()) {
            out.put("type", "tool")
                    .put("name", choice.get("function").get("name").asText());
        } else {
            throw BadRequest.of(
                    "tool_choice",
                    "'tool_choice' must be auto, required, none or {\"type\":\"function\",\"function\":{\"name\":…}}"
                            + " for anthropic models");
        }
        if (parallel != null && parallel.isBoolean() && !parallel.asBoolean()) {
            out.put("disable_parallel_tool_use", true);
        } else if (choice == null || choice.isNull()) {
            return null; // the provider's default, said once
        }
        return out;
    }

    /** A function without parameters still needs a schema upstream. */
    private static ObjectNode emptySchema() {
        ObjectNode schema = Json.MAPPER.createObjectNode().put("type", "object");
        schema.putObject("properties");
        return schema;
    }
}
