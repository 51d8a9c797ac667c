package io.llmux.routing;

import io.llmux.GatewayException;
import io.llmux.provider.ProviderFailure;

/**
 * Turns the last failed attempt into what the client sees (SPEC §4): the provider's own 4xx for a bad request,
 * 502 for a provider that failed or refused the gateway's credentials, 504 for a timeout.
 */
final class FailureReplies {
    private FailureReplies() {}

    static GatewayException toClient(ProviderFailure f, String deployment) {
        String said = f.upstreamStatus() > 0
                ? deployment + " answered " + f.upstreamStatus() + ": " + f.getMessage()
                : deployment + ": " + f.getMessage();
        return switch (f.kind()) {
            // the request itself is wrong: the provider's status and words, in our shape
            case CALLER, CONTEXT_LENGTH ->
                new GatewayException(
                        f.upstreamStatus() >= 400 && f.upstreamStatus() < 500 ? f.upstreamStatus() : 400,
                        f.errorType() != null ? f.errorType() : "invalid_request_error",
                        f.errorCode() != null
                                ? f.errorCode()
                                : f.kind() == io.llmux.provider.Failure.CONTEXT_LENGTH
                                        ? "context_length_exceeded"
                                        : null,
                        f.param(),
                        f.getMessage());
            // the gateway's own credentials: never the client's fault, never a client 401
            case AUTH ->
                GatewayException.upstream(
                        "provider_auth_error",
                        said + " (the gateway's credentials for this provider were refused; check its api_key)");
            case RATE_LIMITED ->
                GatewayException.rateLimited("The provider is rate limiting this model: " + said, f.retryAfter());
            case TIMEOUT -> GatewayException.timeout(said);
            case BUSY -> GatewayException.unavailable(said, f.retryAfter());
            case TRANSIENT -> GatewayException.upstream("provider_error", said);
        };
    }
}
