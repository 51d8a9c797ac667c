package io.llmux.provider.gemini;

import java.util.concurrent.ThreadLocalRandom;

/**
 * What every piece of one translated answer repeats: its id, creation time and model, and whether it is written as a
 * legacy {@code text_completion}.
 *
 * <p>Gemini gives function calls no ids, yet an OpenAI client must answer each call by id. A call's id is made from
 * the answer's id and the call's position in it ({@code call_<answer>_<n>}): unique, the same however often the
 * answer is read, and under OpenAI's 40 characters, so a conversation can go on at another provider. The client sends
 * the id back with the assistant message that carries the call, which is where the function name is found again.
 *
 * @param model the deployment's model, used when Gemini does not say which version answered
 */
record GeminiReply(String id, long created, String model, boolean legacy) {
    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int RANDOM_CHARS = 24;

    static GeminiReply start(long created, String model, boolean legacy) {
        StringBuilder id = new StringBuilder(legacy ? "cmpl-" : "chatcmpl-");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < RANDOM_CHARS; i++) {
            id.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return new GeminiReply(id.toString(), created, model, legacy);
    }

    /** The id of the answer's function call at {@code position} (0-based, counted across the whole answer). */
    String toolCallId(int position) {
        return "call_" + id.substring(id.indexOf('-') + 1) + "_" + position;
    }

    /** The model that answered: {@code modelVersion} when Gemini says it, else the deployment's. */
    String model(String modelVersion) {
        return modelVersion == null || modelVersion.isEmpty() ? model : modelVersion;
    }
}
