package io.llmux.provider.openai;

import io.llmux.GatewayException;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.UpstreamSse;
import io.llmux.provider.sse.SseReader;
import io.llmux.wire.Usage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An OpenAI {@code chat.completion.chunk} stream, passed through: each {@code data:} payload is returned as the bytes
 * the provider sent (tool-call {@code index}, {@code finish_reason: null} and unknown fields untouched). Only
 * {@code [DONE]}, the usage chunk and {@code {"error":…}} events are acted on, and only a chunk that names a non-null
 * {@code usage} is ever parsed.
 */
final class OpenAiStream implements EventStream {
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR_KEY = "\"error\"".getBytes(StandardCharsets.US_ASCII);

    private final UpstreamSse upstream;
    private final boolean forwardUsage;
    private byte[] first;
    private volatile Usage usage = Usage.NONE;
    private volatile boolean done;

    /** @param forwardUsage whether the client asked for the usage chunk; it is read for accounting either way */
    OpenAiStream(UpstreamSse upstream, boolean forwardUsage) {
        this.upstream = upstream;
        this.forwardUsage = forwardUsage;
    }

    /** Reads up to the first event, so that every failure before the client gets a byte can still be retried. */
    void start() throws ProviderFailure {
        try {
            first = read();
        } catch (ProviderFailure f) {
            close();
            throw f;
        }
    }

    @Override
    public byte[] next() throws GatewayException {
        byte[] payload = first;
        if (payload != null) {
            first = null;
            return payload;
        }
        if (done) {
            return null;
        }
        try {
            return read();
        } catch (ProviderFailure f) {
            throw upstream.errors().midStream(f);
        }
    }

    @Override
    public boolean more() {
        return first != null || (!done && upstream.eventBuffered());
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public void close() {
        upstream.close(done);
    }

    private byte[] read() throws ProviderFailure {
        for (; ; ) {
            SseReader.Event event = upstream.next();
            if (event == null) {
                throw upstream.errors().endedEarly();
            }
            byte[] data = event.data();
            if (Arrays.equals(data, DONE)) { // even without the blank line after it
                done = true;
                return null;
            }
            if (!event.complete()) {
                throw upstream.errors().endedEarly();
            }
            if (data.length == 0) {
                continue; // an empty event is not a chunk
            }
            if (isError(event.name(), data)) {
                throw upstream.errors().ofEvent(data);
            }
            if (OpenAiUsage.mentionsUsage(data)) {
                OpenAiUsage.Chunk chunk = OpenAiUsage.ofChunk(data);
                if (chunk != null) {
                    usage = chunk.usage();
                    if (chunk.usageOnly() && !forwardUsage) {
                        continue;
                    }
                }
            }
            return data;
        }
    }

    /**
     * {@code event: error}, or a payload whose first key is {@code "error"}; chunks start with {@code "id"}, so the
     * check stops at a few bytes.
     */
    static boolean isError(String name, byte[] data) {
        if ("error".equals(name)) {
            return true;
        }
        int i = 0;
        while (i < data.length && data[i] <= ' ') {
            i++;
        }
        if (i >= data.length || data[i] != '{') {
            return false;
        }
        i++;
        while (i < data.length && data[i] <= ' ') {
            i++;
        }
        return Arrays.equals(data, i, Math.min(i + ERROR_KEY.length, data.length), ERROR_KEY, 0, ERROR_KEY.length);
    }
}
