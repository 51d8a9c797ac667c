package io.llmux;

import io.llmux.auth.Authenticator;
import io.llmux.cache.ResponseCache;
import io.llmux.config.Config;
import io.llmux.config.LoadedConfig;
import io.llmux.pipeline.Pipeline;
import io.llmux.provider.Provider;
import io.llmux.routing.ModelGroups;
import io.llmux.routing.state.RoutingState;
import java.util.Map;
import java.util.Optional;

/**
 * Everything built from one config: providers, model groups, the pipeline. A request takes the current snapshot
 * once and uses it to the end, so a reload never changes the rules under a request in flight.
 *
 * @param authenticator empty for an open gateway (no master key, no database)
 * @param routingState cooldowns and routing statistics; one instance for the process, kept across reloads
 * @param cache the response cache when {@code cache.enabled}; kept across reloads that leave {@code cache} and
 *     {@code redis} as they were, so a reload does not empty it
 */
public record Snapshot(
        LoadedConfig loaded,
        Map<String, Provider> providers,
        ModelGroups groups,
        Pipeline pipeline,
        Optional<Authenticator> authenticator,
        RoutingState routingState,
        Optional<ResponseCache> cache) {

    public Snapshot {
        providers = Map.copyOf(providers);
    }

    public Config config() {
        return loaded.config();
    }
}
