package io.llmux.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model groups a list of providers serves: group name → its deployments across providers, in first-seen order.
 * Routing builds its own live index; this one checks references and prints {@code --check-config}.
 */
final class Groups {
    private Groups() {}

    /** One deployment of a group, with the provider that serves it. */
    record Member(ProviderConfig provider, DeploymentConfig deployment) {}

    static Map<String, List<Member>> of(List<ProviderConfig> providers) {
        Map<String, List<Member>> groups = new LinkedHashMap<>();
        for (ProviderConfig provider : providers) {
            for (DeploymentConfig d : provider.models()) {
                groups.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(new Member(provider, d));
            }
        }
        return groups;
    }
}
