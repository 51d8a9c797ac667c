package io.llmux.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.wire.Usage;

/**
 * Gemini's {@code usageMetadata} in OpenAI's terms. {@code promptTokenCount} already includes
 * {@code cachedContentTokenCount}, as OpenAI's {@code prompt_tokens} includes {@code cached_tokens}; tokens of
 * tool-use prompts count as prompt, and thinking tokens ({@code thoughtsTokenCount}) as completion, as OpenAI counts
 * reasoning tokens, so the total matches Gemini's {@code totalTokenCount}.
 */
final class GeminiUsage {
    private GeminiUsage() {}

    /** @param metadata a {@code usageMetadata} object, or a missing node ({@link Usage#NONE}) */
    static Usage of(JsonNode metadata) {
        if (!metadata.isObject()) {
            return Usage.NONE;
        }
        long prompt = metadata.path("promptTokenCount").asLong(0)
                + metadata.path("toolUsePromptTokenCount").asLong(0);
        long completion = metadata.path("candidatesTokenCount").asLong(0)
                + metadata.path("thoughtsTokenCount").asLong(0);
        long cached = metadata.path("cachedContentTokenCount").asLong(0);
        return new Usage(prompt, completion, cached);
    }
}
