package io.llmux.cache;

import io.llmux.GatewayException;
import io.llmux.pipeline.EventStream;
import io.llmux.pipeline.ForwardingEventStream;
import java.util.function.Consumer;

/**
 * Passes a stream through while assembling it into a whole answer, handed to {@code store} once the stream completed
 * normally. A stream that failed, was cut, went past the size limit or was left by its client is not stored.
 */
final class StoringStream extends ForwardingEventStream {
    private final StreamAssembler assembler;
    private final Consumer<byte[]> store;

    StoringStream(EventStream events, long maxBytes, Consumer<byte[]> store) {
        super(events);
        this.assembler = new StreamAssembler(maxBytes);
        this.store = store;
    }

    @Override
    public byte[] next() throws GatewayException {
        byte[] payload = events.next();
        if (payload != null) {
            assembler.accept(payload);
        } else if (assembler.complete()) {
            byte[] whole = assembler.completion(events.usage());
            if (whole != null) {
                store.accept(whole);
            }
        }
        return payload;
    }
}
