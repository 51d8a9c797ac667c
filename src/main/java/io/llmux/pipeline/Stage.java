package io.llmux.pipeline;

import io.llmux.GatewayException;

/**
 * One step of the request path (auth, rate limit, cache, router). A stage answers, throws, or calls
 * {@link Chain#proceed} exactly once.
 */
public interface Stage {
    Reply handle(Exchange ex, Chain next) throws GatewayException;

    /** Short name for logs and for the chain's misuse errors. */
    String name();
}
