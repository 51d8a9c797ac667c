package io.llmux.telemetry.tracing;

import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Exchange;

/**
 * The SERVER span of one data-plane request. {@link #NONE} when tracing is off: a shared object whose methods do
 * nothing, so the request path pays for no span, no context and no attribute.
 */
public interface RequestSpan {

    RequestSpan NONE = new RequestSpan() {
        @Override
        public void attach(Exchange ex) {}

        @Override
        public AttemptSpan attempt(ProviderConfig provider, DeploymentConfig model, String deployment) {
            return AttemptSpan.NONE;
        }

        @Override
        public void end(Exchange ex, int status, String errorCode) {}
    };

    /** Lets the stages reach this span through {@code ex}, and gives the request log its trace id when sampled. */
    void attach(Exchange ex);

    /**
     * Starts the CLIENT span of one upstream attempt, a child of this one.
     *
     * @param deployment {@code provider/model}, as in {@code x-llmux-deployment}
     */
    AttemptSpan attempt(ProviderConfig provider, DeploymentConfig model, String deployment);

    /**
     * Ends the span with what the request came to; after the last byte was written, so a stream's span covers it.
     *
     * @param ex null when the request failed before it was read
     * @param errorCode the error's {@code code} when the answer was an error, else null
     */
    void end(Exchange ex, int status, String errorCode);
}
