package io.llmux.server;

import io.llmux.GatewayException;
import java.io.IOException;

/** Answers one route. A thrown {@link GatewayException} becomes the SPEC §4 error answer. */
@FunctionalInterface
public interface Handler {
    void handle(Request request) throws GatewayException, IOException;
}
