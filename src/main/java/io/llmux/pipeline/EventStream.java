package io.llmux.pipeline;

import io.llmux.GatewayException;
import io.llmux.wire.Usage;

/**
 * An answer arriving as OpenAI {@code chat.completion.chunk} events. The server pulls events one at a time and
 * writes each to the client as it arrives, so nothing is buffered whole.
 */
public interface EventStream extends AutoCloseable {

    /**
     * Blocks for the next event's {@code data:} payload (JSON bytes, without framing).
     *
     * @return the payload, or null when the answer is complete (the server then sends {@code data: [DONE]})
     * @throws GatewayException when the stream failed after it started: the server sends it as an error event and
     *     closes without {@code [DONE]}
     */
    byte[] next() throws GatewayException;

    /**
     * True when the next event is already at hand, so the server may write it with this one and flush once. Only a
     * hint: false is always safe, and never delays an event.
     */
    default boolean more() {
        return false;
    }

    /** Tokens as reported by the stream so far (complete once {@link #next} returned null). */
    Usage usage();

    /** Releases the upstream; cancels it when the answer is not complete (a client that went away). */
    @Override
    void close();
}
