package io.llmux.cache;

import io.llmux.pipeline.EventStream;
import io.llmux.wire.Usage;
import java.util.List;

/** A cached answer sent as a stream: its chunks are all at hand, so the server writes them in one go. */
final class ReplayedStream implements EventStream {
    private final List<byte[]> chunks;
    private final Usage usage;
    private int next;

    ReplayedStream(List<byte[]> chunks, Usage usage) {
        this.chunks = chunks;
        this.usage = usage;
    }

    @Override
    public byte[] next() {
        return next < chunks.size() ? chunks.get(next++) : null;
    }

    @Override
    public boolean more() {
        return next < chunks.size();
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public void close() {}
}
