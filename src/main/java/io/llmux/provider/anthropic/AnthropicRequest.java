package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import io.llmux.wire.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI chat request as a Messages API body. The body is built new from the fields translated here, so the
 * client's tree is never changed (a retry reuses it) and no field Anthropic does not know goes up (it refuses extra
 * inputs); {@link OpenAiOnlyFields} says which of the others refuse the request.
 *
 * @param body the Anthropic request
 * @param jsonTool the name of the forced tool that carries a {@code json_schema} answer, or null
 */
record AnthropicRequest(ObjectNode body, String jsonTool) {

    static AnthropicRequest of(ObjectNode in, String model, boolean stream) throws ProviderFailure {
        OpenAiOnlyFields.check(in);
        AnthropicMessages.Result messages = AnthropicMessages.translate(in.get("messages"));
        ArrayNode tools = AnthropicTools.tools(in.get("tools"));
        ResponseFormat format = ResponseFormat.of(in.get("response_format"), tools != null);

        ObjectNode out = Json.MAPPER.createObjectNode().put("model", model);
        ArrayNode system = messages.system();
        if (format.instruction() != null) {
            system.addObject().put("type", "text").put("text", format.instruction());
        }
        if (!system.isEmpty()) {
            out.set("system", system(system));
        }
        out.set("messages", messages.messages());
        out.set("max_tokens", MaxTokens.of(in, model));
        List<String> stops = stopSequences(in.get("stop"));
        if (!stops.isEmpty()) {
            stops.forEach(out.putArray("stop_sequences")::add);
        }
        copyNumber(in, out, "temperature", BigDecimal.ONE);
        copyNumber(in, out, "top_p", BigDecimal.ONE);
        if (in.hasNonNull("top_k")) {
            if (!in.get("top_k").isIntegralNumber()) {
                throw BadRequest.of("top_k", "'top_k' must be a whole number");
            }
            out.set("top_k", in.get("top_k"));
        }
        if (format.tool() != null) {
            out.putArray("tools").add(format.tool());
            out.putObject("tool_choice").put("type", "tool").put("name", format.jsonTool());
        } else if (tools != null) {
            out.set("tools", tools);
            ObjectNode choice = AnthropicTools.choice(in.get("tool_choice"), in.get("parallel_tool_calls"));
            if (choice != null) {
                out.set("tool_choice", choice);
            }
        }
        String user = user(in);
        if (user != null) {
            out.putObject("metadata").put("user_id", user);
        }
        if (stream) {
            out.put("stream", true);
        }
        return new AnthropicRequest(out, format.jsonTool());
    }

    /** One string when no block carries a cache breakpoint (the turns joined as the API joins them), else blocks. */
    private static JsonNode system(ArrayNode blocks) {
        List<String> texts = new ArrayList<>();
        for (JsonNode block : blocks) {
            if (block.has("cache_control")) {
                return blocks;
            }
            texts.add(block.get("text").asText());
        }
        return Json.MAPPER.getNodeFactory().textNode(String.join("\n", texts));
    }

    /** OpenAI's {@code stop} is a string or a list of up to four strings; Anthropic wants a list. */
    private static List<String> stopSequences(JsonNode stop) throws ProviderFailure {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isTextual()) {
            out.add(stop.asText());
            return out;
        }
        if (stop.isArray()) {
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw BadRequest.of("stop", "'stop' must be a string or a list of strings");
                }
                out.add(s.asText());
            }
            return out;
        }
        throw BadRequest.of("stop", "'stop' must be a string or a list of strings");
    }

    /**
     * Copies a sampling number as the client wrote it, after checking Anthropic's range: OpenAI allows temperatures
     * up to 2, Anthropic up to 1, and a clear 400 beats a round trip for the provider's.
     */
    private static void copyNumber(ObjectNode in, ObjectNode out, String field, BigDecimal max) throws ProviderFailure {
        JsonNode v = in.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber() || v.decimalValue().signum() < 0 || v.decimalValue().compareTo(max) > 0) {
            throw BadRequest.of(
                    field,
                    "'" + field + "' must be a number from 0 to " + max + " for anthropic models (got " + v + ")");
        }
        out.set(field, v);
    }

    /** OpenAI's end-user id ({@code user}, or its successor {@code safety_identifier}) is Anthropic's user_id. */
    private static String user(ObjectNode in) throws ProviderFailure {
        for (String field : new String[] {"user", "safety_identifier"}) {
            JsonNode v = in.get(field);
            if (v != null && !v.isNull()) {
                if (!v.isTextual()) {
                    throw BadRequest.of(field, "'" + field + "' must be a string");
                }
                if (!v.asText().isEmpty()) {
                    return v.asText();
                }
            }
        }
        return null;
    }
}
