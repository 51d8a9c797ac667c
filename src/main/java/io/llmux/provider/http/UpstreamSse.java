package io.llmux.provider.http;

import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.provider.sse.SseReader;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * An upstream event stream, open: events in order, each failure already a {@link ProviderFailure} (a stall past
 * {@code stream_timeout}, a broken connection, an end before the provider said it was done). Adapters translate the
 * events; this class owns the body, its idle guard and its reader.
 */
public final class UpstreamSse implements AutoCloseable {
    private static final int MAX_DRAIN = 64 * 1024;

    private final InputStream body;
    private final Watchdog.Guard guard;
    private final SseReader reader;
    private final UpstreamErrors errors;
    private final Duration idle;
    private boolean closed;

    UpstreamSse(InputStream body, Watchdog.Guard guard, long maxLineBytes, UpstreamErrors errors, Duration idle) {
        this.body = body;
        this.guard = guard;
        this.reader = new SseReader(body, maxLineBytes, guard::touch);
        this.errors = errors;
        this.idle = idle;
    }

    /**
     * Blocks for the next event.
     *
     * @return the event (one cut off by the end of the body has {@code complete() == false}), or null when the body
     *     ended; whether that was the real end is the adapter's to judge (OpenAI ends with {@code [DONE]}, Gemini
     *     simply stops)
     */
    public SseReader.Event next() throws ProviderFailure {
        SseReader.Event event;
        try {
            event = reader.next();
        } catch (IOException e) {
            throw guard.expired() ? errors.stalled(idle) : errors.broken(e);
        }
        if (guard.expired()) {
            throw errors.stalled(idle);
        }
        return event;
    }

    /** True when another whole event is already read, so the writer may hold its flush. */
    public boolean eventBuffered() {
        return reader.eventBuffered();
    }

    /** The stream's failures, for adapters that find one in an event. */
    public UpstreamErrors errors() {
        return errors;
    }

    /**
     * Releases the upstream. A finished stream is read to its end first (usually already buffered) so its
     * connection can be reused; closing one that is not finished cancels the upstream request (a client that left).
     */
    public void close(boolean finished) {
        if (closed) {
            return;
        }
        closed = true;
        if (finished) {
            drain();
        }
        guard.cancel();
        Upstream.closeQuietly(body);
    }

    @Override
    public void close() {
        close(false);
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
            // the connection is closed after this either way
        }
    }
}
