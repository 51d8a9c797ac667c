package io.llmux.routing;

import io.llmux.pipeline.EventStream;
import io.llmux.pipeline.ForwardingEventStream;
import io.llmux.routing.state.RoutingState;
import io.llmux.wire.Usage;
import java.time.Duration;

/**
 * A streamed answer whose deployment stays counted in flight until the stream ends, and whose tokens correct the
 * minute's estimate then. Its latency for routing is the time to the first event, known when the stream opened.
 */
final class TrackedStream extends ForwardingEventStream {
    private final RoutingState.Lease lease;
    private final Duration timeToFirstToken;
    private boolean finished;

    TrackedStream(EventStream events, RoutingState.Lease lease, Duration timeToFirstToken) {
        super(events);
        this.lease = lease;
        this.timeToFirstToken = timeToFirstToken;
    }

    @Override
    public void close() {
        try {
            events.close();
        } finally {
            if (!finished) {
                finished = true;
                Usage u = events.usage();
                lease.finish(timeToFirstToken, u.equals(Usage.NONE) ? -1 : u.totalTokens());
            }
        }
    }
}
