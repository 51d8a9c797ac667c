package io.llmux.provider.openai;

import io.llmux.GatewayException;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.provider.sse.SseReader;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * An OpenAI {@code chat.completion.chunk} stream, passed through: each {@code data:} payload is returned as the bytes
 * the provider sent (tool-call {@code index}, {@code finish_reason: null} and unknown fields untouched). Only
 * {@code [DONE]}, the usage chunk and {@code {"error":…}} events are acted on, and only a chunk that names a non-null
 * {@code usage} is ever parsed.
 *
 * <p>The idle guard closes the body when nothing arrives for {@code stream_timeout}; a read then fails or ends, and
 * the guard having fired is what turns that into a timeout.
 */
final class OpenAiStream implements EventStream {
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR_KEY = "\"error\"".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_DRAIN = 64 * 1024;

    private final InputStream body;
    private final Watchdog.Guard guard;
    private final SseReader reader;
    private final boolean forwardUsage;
    private final OpenAiErrors errors;
    private final Duration idle;
    private byte[] first;
    private volatile Usage usage = Usage.NONE;
    private volatile boolean done;
    private volatile boolean closed;

    /**
     * @param guard armed on {@code body}: touched by every read, it closes the body when the stream idles
     * @param forwardUsage whether the client asked for the usage chunk; it is read for accounting either way
     */
    OpenAiStream(
            InputStream body,
            Watchdog.Guard guard,
            long maxLineBytes,
            boolean forwardUsage,
            OpenAiErrors errors,
            Duration idle) {
        this.body = body;
        this.guard = guard;
        this.reader = new SseReader(body, maxLineBytes, guard::touch);
        this.forwardUsage = forwardUsage;
        this.errors = errors;
        this.idle = idle;
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
            throw errors.midStream(f);
        }
    }

    @Override
    public boolean more() {
        return first != null || (!done && reader.eventBuffered());
    }

    @Override
    public Usage usage() {
        return usage;
    }

    /**
     * Closing a body that is not at its end cancels the upstream request (a client that went away). A finished
     * stream is read to its end first, which is usually already buffered, so its connection can be reused.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (done) {
            drain();
        }
        guard.cancel();
        closeQuietly(body);
    }

    private byte[] read() throws ProviderFailure {
        for (; ; ) {
            SseReader.Event event;
            try {
                event = reader.next();
            } catch (IOException e) {
                throw guard.expired() ? errors.stalled(idle) : errors.broken(e);
            }
            if (event == null) {
                throw guard.expired() ? errors.stalled(idle) : errors.endedEarly();
            }
            byte[] data = event.data();
            if (Arrays.equals(data, DONE)) { // even without the blank line after it
                done = true;
                return null;
            }
            if (!event.complete()) {
                throw guard.expired() ? errors.stalled(idle) : errors.endedEarly();
            }
            if (data.length == 0) {
                continue; // an empty event is not a chunk
            }
            if (isError(event.name(), data)) {
                throw errors.ofEvent(data);
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

    private void drain() {
        byte[] scratch = new byte[512];
        try {
            int total = 0;
            int n;
            while (total < MAX_DRAIN && (n = body.read(scratch)) >= 0) {
                total += n;
            }
        } catch (IOException e) {
            // the connection is closed below either way
        }
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }
}
