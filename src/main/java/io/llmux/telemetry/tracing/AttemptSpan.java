package io.llmux.telemetry.tracing;

import io.llmux.pipeline.EventStream;
import io.llmux.provider.Failure;
import io.llmux.wire.Usage;

/** The CLIENT span of one upstream attempt. {@link #NONE} when tracing is off. */
public interface AttemptSpan {

    AttemptSpan NONE = new AttemptSpan() {
        @Override
        public String traceparent() {
            return null;
        }

        @Override
        public String tracestate() {
            return null;
        }

        @Override
        public void failed(Failure kind, int upstreamStatus) {}

        @Override
        public void crashed(RuntimeException e) {}

        @Override
        public void answered(byte[] body, Usage usage) {}

        @Override
        public EventStream streamed(EventStream events) {
            return events;
        }
    };

    /** The {@code traceparent} the upstream request carries: this span as the parent; null when not traced. */
    String traceparent();

    /** The {@code tracestate} that goes with it, or null when there is none. */
    String tracestate();

    /**
     * Ends the span as failed.
     *
     * @param upstreamStatus the provider's HTTP status, 0 when none came
     */
    void failed(Failure kind, int upstreamStatus);

    /** Ends the span of an attempt the adapter itself failed on (a bug): only the exception's class is recorded. */
    void crashed(RuntimeException e);

    /** Ends the span with a whole answer. */
    void answered(byte[] body, Usage usage);

    /** The stream, ending the span when it is closed (the upstream answer lasts as long as the stream). */
    EventStream streamed(EventStream events);
}
