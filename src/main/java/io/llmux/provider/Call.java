package io.llmux.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.config.DeploymentConfig;
import io.llmux.pipeline.Endpoint;

/**
 * One attempt's input.
 *
 * @param body the client's request with gateway extensions removed; adapters copy it before changing anything,
 *     because a retry sends the same body to another deployment
 * @param deployment which model of the provider to ask ({@code model} is what goes upstream)
 * @param clientWantsUsage whether the client asked for the stream's usage chunk
 * @param traceparent the W3C trace context to propagate upstream, or null
 * @param tracestate the W3C vendor trace state that goes with it, or null
 */
public record Call(
        Endpoint endpoint,
        ObjectNode body,
        DeploymentConfig deployment,
        boolean stream,
        boolean clientWantsUsage,
        String requestId,
        String traceparent,
        String tracestate) {

    /** A call without vendor trace state. */
    public Call(
            Endpoint endpoint,
            ObjectNode body,
            DeploymentConfig deployment,
            boolean stream,
            boolean clientWantsUsage,
            String requestId,
            String traceparent) {
        this(endpoint, body, deployment, stream, clientWantsUsage, requestId, traceparent, null);
    }
}
