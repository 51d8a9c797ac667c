package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import java.util.Map;

/**
 * OpenAI chat fields the Messages API has no counterpart for. The body sent upstream is built from the fields this
 * adapter translates, so nothing else is ever forwarded (Anthropic refuses extra inputs); this list decides which of
 * the rest are dropped quietly and which refuse the request.
 *
 * <p>Dropped: hints whose absence leaves the answer one the client asked for ({@code presence_penalty},
 * {@code frequency_penalty}, {@code seed}, {@code store}, {@code metadata}, {@code service_tier},
 * {@code prompt_cache_key}, {@code reasoning_effort}, {@code verbosity}, {@code prediction}, {@code n: 1},
 * {@code logprobs: false}, an empty {@code logit_bias}, {@code modalities: ["text"]}) and any unknown field.
 * Refused (400 naming the field): fields that ask for something Anthropic cannot give, so dropping them would
 * silently return a different answer — see {@link #REFUSED}.
 */
final class OpenAiOnlyFields {
    /** Field → why it cannot be served; each is refused only when it asks for something (see {@link #asks}). */
    private static final Map<String, String> REFUSED = Map.of(
            "n", "anthropic models return one choice per request; send n separate requests",
            "logprobs", "anthropic models do not return log probabilities",
            "top_logprobs", "anthropic models do not return log probabilities",
            "logit_bias", "anthropic models do not accept token biases",
            "audio", "anthropic models do not produce audio",
            "modalities", "anthropic models answer in text only",
            "web_search_options", "web search is not available through this gateway for anthropic models",
            "functions", "the deprecated 'functions' field is not supported for anthropic models; use 'tools'",
            "function_call",
                    "the deprecated 'function_call' field is not supported for anthropic models; use 'tool_choice'");

    private OpenAiOnlyFields() {}

    /** Refuses the request when it uses one of the {@link #REFUSED} fields for real. */
    static void check(ObjectNode body) throws ProviderFailure {
        for (Map.Entry<String, String> e : REFUSED.entrySet()) {
            JsonNode v = body.get(e.getKey());
            if (v != null && asks(e.getKey(), v)) {
                throw BadRequest.of(e.getKey(), "'" + e.getKey() + "' is not supported: " + e.getValue() + ".");
            }
        }
    }

    /** Whether a value asks for something, rather than being the default a client library sends. */
    private static boolean asks(String field, JsonNode v) {
        if (v.isNull() || (v.isBoolean() && !v.asBoolean()) || (v.isContainerNode() && v.isEmpty())) {
            return false;
        }
        return switch (field) {
            case "n" -> !(v.isNumber() && v.asDouble() == 1);
            case "top_logprobs" -> !(v.isNumber() && v.asDouble() == 0);
            case "modalities" ->
                !(v.isArray() && v.size() == 1 && "text".equals(v.get(0).asText()));
            default -> true;
        };
    }
}
