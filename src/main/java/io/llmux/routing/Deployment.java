package io.llmux.routing;

import io.llmux.config.DeploymentConfig;
import io.llmux.provider.Provider;

/** One model of one provider: the unit the router picks. */
public record Deployment(Provider provider, DeploymentConfig model) {

    /** {@code provider/model}, as clients see it in {@code x-llmux-deployment}. */
    public String id() {
        return provider.config().name() + "/" + model.model();
    }

    /** False when its provider cannot answer (a missing credential, no adapter in this version). */
    public boolean usable() {
        return provider.disabledReason() == null;
    }
}
