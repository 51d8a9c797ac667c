package io.llmux.config;

import java.time.Duration;

/**
 * Options of the built-in {@code mock} provider.
 *
 * @param latency wait before the answer (before the first chunk of a stream)
 * @param streamChunks content chunks a streamed answer is cut into
 * @param response fixed answer text, or null for the deterministic per-request answer
 */
public record MockOptions(Duration latency, int streamChunks, String response) {
    public static final MockOptions DEFAULT = new MockOptions(Duration.ZERO, 8, null);
}
