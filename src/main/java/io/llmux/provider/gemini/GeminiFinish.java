package io.llmux.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.UpstreamErrors;
import java.util.Set;

/**
 * Gemini's {@code finishReason} as OpenAI's {@code finish_reason}, and the answers that are not answers. {@code STOP}
 * is {@code stop}, or {@code tool_calls} when the answer calls functions (Gemini has no reason of its own for that);
 * {@code MAX_TOKENS} is {@code length}; every filter verdict is {@code content_filter}; {@code OTHER}, an unspecified
 * or an unknown reason is {@code stop}. A malformed function call is a failed attempt, never an empty {@code stop}
 * the client would take for an answer: the router may retry it.
 */
final class GeminiFinish {
    private static final Set<String> FILTERED = Set.of(
            "SAFETY",
            "RECITATION",
            "BLOCKLIST",
            "PROHIBITED_CONTENT",
            "SPII",
            "LANGUAGE",
            "IMAGE_SAFETY",
            "IMAGE_PROHIBITED_CONTENT",
            "IMAGE_RECITATION",
            "MODEL_ARMOR");
    private static final Set<String> BROKEN = Set.of("MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL");

    private GeminiFinish() {}

    /**
     * @param candidate a candidate whose {@code finishReason} is set
     * @throws ProviderFailure {@link Failure#TRANSIENT} when Gemini says its own answer is broken
     */
    static String reason(JsonNode candidate, boolean callsTools, UpstreamErrors errors) throws ProviderFailure {
        String reason = candidate.path("finishReason").asText("");
        if (BROKEN.contains(reason)) {
            String detail = candidate.path("finishMessage").asText("");
            throw errors.ofMessage(
                    Failure.TRANSIENT,
                    0,
                    "the model produced an unusable answer (" + reason + (detail.isEmpty() ? "" : ": " + detail) + ")");
        }
        if (reason.equals("MAX_TOKENS")) {
            return "length";
        }
        if (FILTERED.contains(reason)) {
            return "content_filter";
        }
        return callsTools ? "tool_calls" : "stop";
    }

    /**
     * An answer without candidates: a prompt Gemini refused to answer ({@code promptFeedback.blockReason}) is the
     * client's 400 with the reason; anything else is a broken answer.
     */
    static ProviderFailure noCandidate(JsonNode root, UpstreamErrors errors) {
        JsonNode feedback = root.path("promptFeedback");
        String block = feedback.path("blockReason").asText("");
        if (block.isEmpty()) {
            return errors.ofMessage(Failure.TRANSIENT, 0, "answered without a candidate");
        }
        String said = feedback.path("blockReasonMessage").asText("");
        return new ProviderFailure(
                Failure.CALLER,
                400,
                "Gemini blocked the prompt (blockReason: " + block + ")" + (said.isEmpty() ? "" : ": " + said)
                        + "; rephrase the request.",
                "invalid_request_error",
                "content_filter",
                "messages",
                null);
    }
}
