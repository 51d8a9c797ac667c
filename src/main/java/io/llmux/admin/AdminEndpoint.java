package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;

/** One management route: a checked request in, the JSON answer (status 200) out; errors are SPEC §4 exceptions. */
@FunctionalInterface
public interface AdminEndpoint {
    JsonNode handle(AdminRequest request) throws GatewayException;
}
