package io.llmux.pipeline;

import io.llmux.GatewayException;

/** The rest of the pipeline after the current stage. */
public interface Chain {
    Reply proceed(Exchange ex) throws GatewayException;
}
