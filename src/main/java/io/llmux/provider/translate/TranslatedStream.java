package io.llmux.provider.translate;

import io.llmux.GatewayException;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.UpstreamSse;
import io.llmux.provider.sse.SseReader;
import io.llmux.wire.Usage;
import java.util.ArrayDeque;

/**
 * An upstream event stream in another provider's dialect, turned into OpenAI chunks as it arrives. One upstream
 * event may yield no chunk (a ping), one, or several; the subclass says which, and this class keeps the order, reads
 * ahead to the first chunk so a failure before the client's first byte can still be retried, and turns failures
 * after it into the stream's error event.
 */
public abstract class TranslatedStream implements EventStream {
    private final UpstreamSse upstream;
    private final ArrayDeque<byte[]> ready = new ArrayDeque<>();
    private volatile Usage usage = Usage.NONE;
    private boolean complete;

    protected TranslatedStream(UpstreamSse upstream) {
        this.upstream = upstream;
    }

    /**
     * Translates one upstream event, passing each chunk it yields to {@code emit} in order.
     *
     * @return true when this event ends the provider's answer (nothing after it is read)
     * @throws ProviderFailure for an error event, or an event the adapter cannot read
     */
    protected abstract boolean translate(SseReader.Event event, Emitter emit) throws ProviderFailure;

    /**
     * Called when the upstream body ends before {@link #translate} said the answer was complete. Gemini's streams
     * simply stop after the last chunk, so it finishes here; Anthropic's end with {@code message_stop}, so an earlier
     * end is a broken stream.
     *
     * @return true when that end is a clean end (after emitting any last chunks), false for a broken stream
     */
    protected abstract boolean endOfBody(Emitter emit) throws ProviderFailure;

    /** Where translated chunks go. */
    @FunctionalInterface
    public interface Emitter {
        void chunk(byte[] payload);
    }

    /** Reads ahead to the first chunk; a failure here is still the router's to retry. */
    public final void start() throws ProviderFailure {
        try {
            fill();
        } catch (ProviderFailure f) {
            close();
            throw f;
        }
    }

    @Override
    public final byte[] next() throws GatewayException {
        if (ready.isEmpty() && !complete) {
            try {
                fill();
            } catch (ProviderFailure f) {
                throw upstream.errors().midStream(f);
            }
        }
        return ready.poll();
    }

    @Override
    public final boolean more() {
        return !ready.isEmpty() || (!complete && upstream.eventBuffered());
    }

    @Override
    public final Usage usage() {
        return usage;
    }

    /** Records the answer's tokens as the provider reported them so far. */
    protected final void usage(Usage value) {
        this.usage = value;
    }

    protected final UpstreamSse upstream() {
        return upstream;
    }

    @Override
    public final void close() {
        upstream.close(complete);
    }

    /** Reads upstream events until at least one chunk is ready or the answer is complete. */
    private void fill() throws ProviderFailure {
        while (ready.isEmpty() && !complete) {
            SseReader.Event event = upstream.next();
            if (event == null) {
                if (!endOfBody(ready::add)) {
                    throw upstream.errors().endedEarly();
                }
                complete = true;
            } else if (!event.complete()) {
                throw upstream.errors().endedEarly();
            } else if (translate(event, ready::add)) {
                complete = true;
            }
        }
    }
}
