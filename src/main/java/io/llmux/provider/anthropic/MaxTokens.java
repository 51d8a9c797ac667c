package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import java.util.List;
import java.util.Locale;

/**
 * Anthropic requires {@code max_tokens}; OpenAI clients usually leave it out and mean "as long as the model likes".
 * When absent it is defaulted per model family to an output limit every model of that family accepts, so the request
 * is never refused for asking too much.
 */
final class MaxTokens {
    /** Model-name fragments and their default, first match wins; claude-3 (haiku, sonnet, opus) allow 4096 only. */
    private static final List<Default> TABLE = List.of(
            new Default("claude-3-5-", 8192),
            new Default("claude-3-7-", 8192),
            new Default("claude-sonnet-4", 8192),
            new Default("claude-opus-4", 8192),
            new Default("claude-haiku-4", 8192),
            new Default("claude-4", 8192),
            new Default("claude-3-", 4096));
    /** Unknown names (older or newer) get a limit every Claude model has accepted. */
    static final int FALLBACK = 4096;

    private record Default(String fragment, int maxTokens) {}

    private MaxTokens() {}

    /** The client's {@code max_completion_tokens}, else its {@code max_tokens}, else the model's default. */
    static JsonNode of(ObjectNode body, String model) throws ProviderFailure {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull()) {
                if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
                    throw BadRequest.of(field, "'" + field + "' must be a whole number of at least 1 (got " + v + ")");
                }
                return v;
            }
        }
        return body.numberNode(defaultFor(model));
    }

    static int defaultFor(String model) {
        String name = model.toLowerCase(Locale.ROOT);
        for (Default d : TABLE) {
            if (name.contains(d.fragment())) {
                return d.maxTokens();
            }
        }
        return FALLBACK;
    }
}
