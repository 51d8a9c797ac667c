package io.llmux.provider;

import io.llmux.config.ProviderConfig;

/**
 * One configured provider: an account at OpenAI, Anthropic, … or the built-in mock. Adapters translate the
 * OpenAI-shaped request to their provider's wire format and the answer back; the router sees only this interface.
 */
public interface Provider extends AutoCloseable {

    ProviderConfig config();

    /**
     * Makes one upstream attempt. A streamed answer is returned open and past its first event, so that every failure
     * before the client gets a byte is thrown here, where the router may still retry.
     *
     * @throws ProviderFailure when the attempt failed; its {@link Failure} tells the router what to do next
     */
    Answer call(Call call) throws ProviderFailure;

    /**
     * Why this provider cannot answer at all, or null when it can: a missing credential, or a provider type this
     * version has no adapter for. Its deployments are then skipped, and a request only it could serve gets 503
     * with this reason.
     */
    default String disabledReason() {
        return config().disabledReason();
    }

    /** Stops the provider's HTTP client once the calls in flight have ended. */
    @Override
    void close();
}
