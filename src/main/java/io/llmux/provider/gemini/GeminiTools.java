package io.llmux.provider.gemini;

import static io.llmux.provider.gemini.GeminiRequest.invalid;
import static io.llmux.provider.gemini.GeminiRequest.present;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;

/**
 * OpenAI {@code tools} and {@code tool_choice} as Gemini's {@code tools: [{functionDeclarations: […]}]} and
 * {@code toolConfig.functionCallingConfig}: {@code auto} → {@code AUTO}, {@code required} → {@code ANY},
 * {@code none} → {@code NONE}, one named function → {@code ANY} limited to that name. Parameters go through
 * {@link GeminiSchema}; {@code strict} has no Gemini counterpart and is dropped.
 */
final class GeminiTools {
    private GeminiTools() {}

    static void apply(ObjectNode chat, ObjectNode body) throws ProviderFailure {
        JsonNode tools = chat.get("tools");
        if (present(tools) && !tools.isEmpty()) {
            ArrayNode declarations = body.putArray("tools").addObject().putArray("functionDeclarations");
            for (int i = 0; i < tools.size(); i++) {
                declarations.add(declaration(tools.get(i), "tools[" + i + "]"));
            }
        }
        JsonNode choice = chat.get("tool_choice");
        if (present(choice)) {
            body.putObject("toolConfig").set("functionCallingConfig", callingConfig(choice));
        }
    }

    private static ObjectNode declaration(JsonNode tool, String at) throws ProviderFailure {
        String type = tool.path("type").asText("");
        if (!type.equals("function")) {
            throw invalid(
                    at + ".type", "Only tools of type 'function' are supported on gemini models, not '" + type + "'.");
        }
        JsonNode function = tool.path("function");
        String name = function.path("name").asText("");
        if (name.isEmpty()) {
            throw invalid(at + ".function.name", "Missing required parameter: '" + at + ".function.name'.");
        }
        ObjectNode declaration = object().put("name", name);
        if (function.hasNonNull("description")) {
            declaration.set("description", function.get("description"));
        }
        JsonNode parameters = function.get("parameters");
        if (present(parameters)) {
            ObjectNode converted = GeminiSchema.convert(parameters, at + ".function.parameters");
            // Gemini refuses an OBJECT without properties; a function without parameters simply has none
            if (!"OBJECT".equals(converted.path("type").asText())
                    || !converted.path("properties").isEmpty()) {
                declaration.set("parameters", converted);
            }
        }
        return declaration;
    }

    private static ObjectNode callingConfig(JsonNode choice) throws ProviderFailure {
        ObjectNode config = object();
        if (choice.isTextual()) {
            String mode = switch (choice.asText()) {
                case "auto" -> "AUTO";
                case "required" -> "ANY";
                case "none" -> "NONE";
                default ->
                    throw invalid(
                            "tool_choice",
                            "Invalid value for 'tool_choice': '" + choice.asText()
                                    + "'; use auto, required, none or {\"type\": \"function\", \"function\":"
                                    + " {\"name\": …}}.");
            };
            return config.put("mode", mode);
        }
        String name = choice.path("function").path("name").asText("");
        if (!"function".equals(choice.path("type").asText()) || name.isEmpty()) {
            throw invalid(
                    "tool_choice",
                    "'tool_choice' must be auto, required, none or {\"type\": \"function\", \"function\": {\"name\":"
                            + " …}} on gemini models.");
        }
        config.put("mode", "ANY");
        config.putArray("allowedFunctionNames").add(name);
        return config;
    }

    private static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }
}
