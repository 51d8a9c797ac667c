package io.llmux.provider.anthropic;

import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;

/**
 * A request this adapter will not send: a field Anthropic cannot honour, or content it cannot translate. The client
 * gets a 400 naming the field, before any round trip, because the provider would refuse it or answer something else.
 */
final class BadRequest {
    private BadRequest() {}

    static ProviderFailure of(String param, String message) {
        return new ProviderFailure(Failure.CALLER, 400, message, "invalid_request_error", null, param, null);
    }
}
