package io.llmux.provider;

import io.llmux.config.ProviderConfig;

/**
 * A configured provider this version cannot talk to (its adapter comes in a later release). It is loaded so the
 * config stays valid and the start-up log can say so, and it answers nothing.
 */
public final class UnavailableProvider implements Provider {
    private final ProviderConfig config;
    private final String reason;

    public UnavailableProvider(ProviderConfig config, String reason) {
        this.config = config;
        this.reason = reason;
    }

    @Override
    public ProviderConfig config() {
        return config;
    }

    @Override
    public String disabledReason() {
        return reason;
    }

    @Override
    public Answer call(Call call) throws ProviderFailure {
        throw ProviderFailure.of(Failure.TRANSIENT, reason);
    }

    @Override
    public void close() {}
}
