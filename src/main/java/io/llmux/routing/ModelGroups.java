package io.llmux.routing;

import io.llmux.config.Config;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.provider.Provider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The model groups of one config, and the aliases that point at them. Immutable. */
public final class ModelGroups {
    private final Map<String, ModelGroup> groups;
    private final Map<String, String> aliases;

    public ModelGroups(Map<String, ModelGroup> groups, Map<String, String> aliases) {
        this.groups = Map.copyOf(groups);
        this.aliases = Map.copyOf(aliases);
        this.order = List.copyOf(groups.keySet());
    }

    private final List<String> order;

    /** Groups every configured deployment by its {@code name}, keeping the order of first appearance. */
    public static ModelGroups build(Config config, Map<String, Provider> providers) {
        Map<String, List<Deployment>> byName = new LinkedHashMap<>();
        for (ProviderConfig pc : config.providers()) {
            Provider provider = providers.get(pc.name());
            for (DeploymentConfig dc : pc.models()) {
                byName.computeIfAbsent(dc.name(), n -> new ArrayList<>()).add(new Deployment(provider, dc));
            }
        }
        Map<String, ModelGroup> groups = new LinkedHashMap<>();
        byName.forEach((name, deployments) -> groups.put(name, new ModelGroup(name, deployments)));
        return new ModelGroups(groups, config.routing().aliases());
    }

    /** The group a requested model names, directly or through an alias; null when there is none. */
    public ModelGroup resolve(String requested) {
        ModelGroup group = groups.get(requested);
        if (group == null) {
            String target = aliases.get(requested);
            group = target == null ? null : groups.get(target);
        }
        return group;
    }

    /** Group names in config order. */
    public List<String> names() {
        return order;
    }

    public Map<String, String> aliases() {
        return aliases;
    }

    public Collection<ModelGroup> all() {
        return order.stream().map(groups::get).toList();
    }
}
