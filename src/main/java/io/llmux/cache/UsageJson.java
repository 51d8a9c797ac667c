package io.llmux.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;

/** OpenAI's usage object, as the cache keeps it: the counts accounting needs, cached tokens only when there are any. */
final class UsageJson {
    private UsageJson() {}

    static Usage read(JsonNode usage) {
        return new Usage(
                usage.path("prompt_tokens").asLong(0),
                usage.path("completion_tokens").asLong(0),
                usage.path("prompt_tokens_details").path("cached_tokens").asLong(0));
    }

    /** {@code prompt_tokens} includes the cached ones, as OpenAI counts them, so the total is the plain sum. */
    static ObjectNode write(Usage usage) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("prompt_tokens", usage.promptTokens());
        out.put("completion_tokens", usage.completionTokens());
        out.put("total_tokens", usage.totalTokens());
        if (usage.cachedTokens() != 0) {
            out.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedTokens());
        }
        return out;
    }
}
