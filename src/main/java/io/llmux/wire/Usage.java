package io.llmux.wire;

/** Token counts of one answer, as the provider reported them; {@link #NONE} when it reported nothing. */
public record Usage(long promptTokens, long completionTokens, long cachedTokens) {
    public static final Usage NONE = new Usage(0, 0, 0);

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
