package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.wire.Usage;

/**
 * Anthropic's token counts in OpenAI's terms. Anthropic's {@code input_tokens} leaves out the tokens read from and
 * written to the prompt cache; OpenAI's {@code prompt_tokens} counts every prompt token, so the three are added, and
 * the cache reads are the cached tokens. A stream reports in parts ({@code message_start}, then cumulative
 * {@code message_delta}s), so the counts are kept and overwritten field by field as they come.
 */
final class AnthropicUsage {
    private long input;
    private long cacheRead;
    private long cacheCreation;
    private long output;

    /** Takes every count {@code usage} has; absent ones keep their earlier value. */
    AnthropicUsage add(JsonNode usage) {
        if (usage != null && usage.isObject()) {
            input = count(usage, "input_tokens", input);
            cacheRead = count(usage, "cache_read_input_tokens", cacheRead);
            cacheCreation = count(usage, "cache_creation_input_tokens", cacheCreation);
            output = count(usage, "output_tokens", output);
        }
        return this;
    }

    Usage toUsage() {
        return new Usage(input + cacheRead + cacheCreation, output, cacheRead);
    }

    static Usage of(JsonNode usage) {
        return new AnthropicUsage().add(usage).toUsage();
    }

    private static long count(JsonNode usage, String field, long previous) {
        JsonNode v = usage.get(field);
        return v != null && v.isNumber() ? v.asLong() : previous;
    }
}
