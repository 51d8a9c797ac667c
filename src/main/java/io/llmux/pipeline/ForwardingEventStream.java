package io.llmux.pipeline;

import io.llmux.GatewayException;
import io.llmux.wire.Usage;

/** An event stream that passes everything to another one; subclasses add what happens around it (on close). */
public abstract class ForwardingEventStream implements EventStream {
    protected final EventStream events;

    protected ForwardingEventStream(EventStream events) {
        this.events = events;
    }

    @Override
    public byte[] next() throws GatewayException {
        return events.next();
    }

    @Override
    public boolean more() {
        return events.more();
    }

    @Override
    public Usage usage() {
        return events.usage();
    }

    @Override
    public void close() {
        events.close();
    }
}
