package io.llmux.provider.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import java.util.Set;

/**
 * Serves a legacy {@code /v1/completions} request with a chat-only provider (SPEC §3): the prompt becomes one user
 * message, the sampling fields carry over, and the answer is written back as a {@code text_completion}. Options only
 * a completion model has ({@code echo}, {@code logprobs}, {@code best_of}, {@code suffix}) and several prompts in one
 * request cannot be translated; they get a 400 saying so rather than a silently different answer.
 */
public final class LegacyPrompt {
    private static final Set<String> CARRIED =
            Set.of("model", "max_tokens", "temperature", "top_p", "stop", "stream", "stream_options", "user", "seed");
    private static final Set<String> UNTRANSLATABLE = Set.of("echo", "logprobs", "best_of", "suffix", "n");

    private LegacyPrompt() {}

    /** The chat request that asks the same as {@code completion}. */
    public static ObjectNode asChat(ObjectNode completion, String provider) throws ProviderFailure {
        for (String field : UNTRANSLATABLE) {
            JsonNode v = completion.get(field);
            if (v != null
                    && !v.isNull()
                    && !(field.equals("n") && v.asInt() == 1)
                    && !(v.isBoolean() && !v.asBoolean())) {
                throw caller(
                        field,
                        "'" + field + "' is not supported for legacy completions on " + provider
                                + " models (they are served through the chat API)");
            }
        }
        JsonNode prompt = completion.get("prompt");
        String text;
        if (prompt.isTextual()) {
            text = prompt.asText();
        } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            text = prompt.get(0).asText();
        } else {
            throw caller(
                    "prompt",
                    "only a single text prompt is supported for legacy completions on " + provider
                            + " models (they are served through the chat API)");
        }
        ObjectNode chat = completion.objectNode();
        for (String field : CARRIED) {
            if (completion.has(field)) {
                chat.set(field, completion.get(field));
            }
        }
        chat.putArray("messages").addObject().put("role", "user").put("content", text);
        return chat;
    }

    private static ProviderFailure caller(String param, String message) {
        return new ProviderFailure(Failure.CALLER, 400, message, "invalid_request_error", null, param, null);
    }
}
