package io.llmux.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@code GenerateContentRequest} from an OpenAI chat request: {@code contents} and {@code systemInstruction}
 * from the messages ({@link GeminiContents}), {@code tools} and {@code toolConfig} ({@link GeminiTools}), and
 * {@code generationConfig} from the sampling fields ({@code max_completion_tokens} winning over {@code max_tokens},
 * {@code reasoning_effort} as a thinking budget, the non-OpenAI {@code top_k} as {@code topK}). The client's tree is
 * only read; numbers are copied as nodes, so a {@code 0.70} goes up as {@code 0.70}.
 *
 * <p>OpenAI fields Gemini has no counterpart for:
 *
 * <ul>
 *   <li>dropped, because they do not change the answer: {@code user}, {@code metadata}, {@code store},
 *       {@code service_tier}, {@code prediction}, {@code prompt_cache_key}, {@code safety_identifier},
 *       {@code parallel_tool_calls} (Gemini decides itself how many calls to make), {@code stream_options} (usage
 *       is always read from the stream), {@code modalities: ["text"]}, {@code logprobs: false},
 *       {@code logit_bias: {}}; other fields that are not OpenAI's are ignored too;
 *   <li>refused with a 400 naming the field, because the answer would silently differ: {@code logprobs: true},
 *       {@code top_logprobs}, a non-empty {@code logit_bias}, {@code audio}, {@code modalities} asking for more than
 *       text, {@code web_search_options}, {@code verbosity}, the deprecated {@code functions} / {@code function_call}
 *       (use {@code tools} / {@code tool_choice}), and {@code n > 1} on a stream (one stream carries one choice).
 * </ul>
 */
final class GeminiRequest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Sampling fields that carry over as they are: OpenAI's name, then Gemini's. */
    private static final List<Map.Entry<String, String>> SAME_VALUE = List.of(
            Map.entry("temperature", "temperature"),
            Map.entry("top_p", "topP"),
            Map.entry("top_k", "topK"),
            Map.entry("seed", "seed"),
            Map.entry("presence_penalty", "presencePenalty"),
            Map.entry("frequency_penalty", "frequencyPenalty"));

    /** {@code reasoning_effort} as thinking budgets, the values Google's own OpenAI compatibility layer uses. */
    private static final Map<String, Integer> THINKING_BUDGET =
            Map.of("none", 0, "minimal", 0, "low", 1024, "medium", 8192, "high", 24576);

    private GeminiRequest() {}

    /** The Gemini body for {@code chat}, an OpenAI chat request (or a legacy prompt already made one). */
    static ObjectNode build(ObjectNode chat, boolean stream) throws ProviderFailure {
        refuseUntranslatable(chat, stream);
        ObjectNode body = NODES.objectNode();
        GeminiContents contents = GeminiContents.of(chat.path("messages"));
        body.set("contents", contents.turns());
        if (!contents.system().isEmpty()) {
            body.putObject("systemInstruction").set("parts", contents.system());
        }
        GeminiTools.apply(chat, body);
        ObjectNode config = generationConfig(chat);
        if (!config.isEmpty()) {
            body.set("generationConfig", config);
        }
        return body;
    }

    private static ObjectNode generationConfig(ObjectNode chat) throws ProviderFailure {
        ObjectNode config = NODES.objectNode();
        for (Map.Entry<String, String> field : SAME_VALUE) {
            JsonNode value = chat.get(field.getKey());
            if (present(value)) {
                config.set(field.getValue(), value);
            }
        }
        JsonNode max =
                present(chat.get("max_completion_tokens")) ? chat.get("max_completion_tokens") : chat.get("max_tokens");
        if (present(max)) {
            config.set("maxOutputTokens", max);
        }
        JsonNode n = chat.get("n");
        if (present(n)) {
            config.set("candidateCount", n);
        }
        stopSequences(chat.get("stop"), config);
        responseFormat(chat.get("response_format"), config);
        JsonNode effort = chat.get("reasoning_effort");
        if (present(effort)) {
            Integer budget = THINKING_BUDGET.get(effort.asText());
            if (!effort.isTextual() || budget == null) {
                throw invalid(
                        "reasoning_effort",
                        "Invalid value for 'reasoning_effort': " + effort
                                + "; use none, minimal, low, medium or high.");
            }
            config.putObject("thinkingConfig").put("thinkingBudget", budget);
        }
        return config;
    }

    private static void stopSequences(JsonNode stop, ObjectNode config) throws ProviderFailure {
        if (!present(stop)) {
            return;
        }
        ArrayNode sequences = NODES.arrayNode();
        if (stop.isTextual()) {
            sequences.add(stop);
        } else if (stop.isArray()) {
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw invalid("stop", "'stop' must be a string or an array of strings.");
                }
                sequences.add(s);
            }
        } else {
            throw invalid("stop", "'stop' must be a string or an array of strings.");
        }
        if (!sequences.isEmpty()) {
            config.set("stopSequences", sequences);
        }
    }

    /** {@code json_object} → JSON output; {@code json_schema} → JSON output shaped by the converted schema. */
    private static void responseFormat(JsonNode format, ObjectNode config) throws ProviderFailure {
        if (!present(format)) {
            return;
        }
        String type = format.path("type").asText("");
        switch (type) {
            case "text" -> {}
            case "json_object" -> config.put("responseMimeType", "application/json");
            case "json_schema" -> {
                config.put("responseMimeType", "application/json");
                JsonNode schema = format.path("json_schema").get("schema");
                if (present(schema)) {
                    config.set("responseSchema", GeminiSchema.convert(schema, "response_format.json_schema.schema"));
                }
            }
            default ->
                throw invalid(
                        "response_format.type",
                        "Invalid value for 'response_format.type': '" + type
                                + "'; use text, json_object or json_schema.");
        }
    }

    private static void refuseUntranslatable(ObjectNode chat, boolean stream) throws ProviderFailure {
        if (chat.path("logprobs").asBoolean(false)) {
            throw unsupported("logprobs", "log probabilities");
        }
        if (present(chat.get("top_logprobs"))) {
            throw unsupported("top_logprobs", "log probabilities");
        }
        JsonNode bias = chat.get("logit_bias");
        if (present(bias) && !(bias.isObject() && bias.isEmpty())) {
            throw unsupported("logit_bias", "token biases");
        }
        for (String field : new String[] {"audio", "web_search_options", "verbosity", "functions", "function_call"}) {
            if (present(chat.get(field))) {
                throw unsupported(
                        field,
                        field.startsWith("function")
                                ? "the deprecated functions API (send 'tools' and 'tool_choice' instead)"
                                : "'" + field + "'");
            }
        }
        JsonNode modalities = chat.get("modalities");
        if (present(modalities)) {
            for (JsonNode m : modalities) {
                if (!"text".equals(m.asText())) {
                    throw unsupported("modalities", "output modalities other than text");
                }
            }
        }
        if (stream && chat.path("n").asInt(1) != 1) {
            throw invalid(
                    "n",
                    "'n' greater than 1 is not supported with 'stream: true' on gemini models; ask for one choice or"
                            + " turn streaming off.");
        }
    }

    static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    private static ProviderFailure unsupported(String param, String what) {
        return invalid(param, "gemini models do not support " + what + "; remove '" + param + "' from the request.");
    }

    /** A request this adapter cannot translate: the client's 400, naming the field. */
    static ProviderFailure invalid(String param, String message) {
        return new ProviderFailure(Failure.CALLER, 400, message, "invalid_request_error", null, param, null);
    }
}
