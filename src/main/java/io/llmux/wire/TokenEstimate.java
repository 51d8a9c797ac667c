package io.llmux.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A tokenizer-free estimate of a request's size, good to about ±25 % on English text: about four characters a token,
 * a few tokens of framing per message. Used where a guess before the call is all there is: routing by cost or
 * minute usage (corrected with the provider's count afterwards) and refusing a prompt that cannot fit a deployment's
 * {@code max_input_tokens}.
 */
public final class TokenEstimate {
    /** What an answer is expected to cost when the request sets no limit. */
    static final long DEFAULT_COMPLETION = 256;

    private TokenEstimate() {}

    /** Prompt tokens of a chat, completion or embedding request. */
    public static long prompt(ObjectNode body) {
        long chars = 0;
        long framing = 0;
        JsonNode messages = body.get("messages");
        if (messages != null && messages.isArray()) {
            for (JsonNode m : messages) {
                framing += 4;
                chars += textLength(m.get("content"));
                JsonNode calls = m.get("tool_calls");
                if (calls != null) {
                    chars += calls.toString().length();
                }
            }
        }
        chars += textLength(body.get("prompt"));
        chars += textLength(body.get("input"));
        JsonNode tools = body.get("tools");
        if (tools != null) {
            chars += tools.toString().length();
        }
        return framing + (chars + 3) / 4;
    }

    /** The answer's expected length: the request's own limit, else a typical answer. */
    public static long completion(ObjectNode body) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode v = body.get(field);
            if (v != null && v.canConvertToLong() && v.asLong() > 0) {
                return v.asLong();
            }
        }
        return DEFAULT_COMPLETION;
    }

    private static long textLength(JsonNode content) {
        if (content == null || content.isNull()) {
            return 0;
        }
        if (content.isTextual()) {
            return content.asText().length();
        }
        long n = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                if (part.isTextual()) {
                    n += part.asText().length();
                } else if (part.has("text")) {
                    n += part.get("text").asText().length();
                } else if (part.has("image_url")) {
                    n += 85 * 4; // a low-detail image is about 85 tokens
                }
            }
        }
        return n;
    }
}
