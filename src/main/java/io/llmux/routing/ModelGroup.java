package io.llmux.routing;

import java.util.List;

/** Every deployment, across providers, that answers for one model name. */
public record ModelGroup(String name, List<Deployment> deployments) {
    public ModelGroup {
        deployments = List.copyOf(deployments);
    }

    /** Deployments whose provider has its credentials, in config order. */
    public List<Deployment> usable() {
        return deployments.stream().filter(Deployment::usable).toList();
    }
}
