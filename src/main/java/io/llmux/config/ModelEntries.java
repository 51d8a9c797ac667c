package io.llmux.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a provider's {@code models:}, each entry one deployment: the short form {@code - gpt-4o} (group name =
 * upstream model) or a mapping. Weight and tags an entry leaves out are the provider's.
 */
final class ModelEntries {
    private final Walker walker;

    ModelEntries(Walker walker) {
        this.walker = walker;
    }

    List<DeploymentConfig> read(Section provider, double weight, List<String> tags) {
        if (!provider.has("models")) {
            provider.missing("models", "missing (list the models this provider serves, e.g. [gpt-4o])");
            return List.of();
        }
        List<Section.Item> items = provider.list("models");
        if (items.isEmpty() && provider.node("models") instanceof SequenceNode) {
            walker.findings()
                    .problem(provider.pathOf("models"), provider.node("models"), "must list at least one model");
        }
        List<DeploymentConfig> deployments = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Section.Item item : items) {
            DeploymentConfig d = entry(item, weight, tags);
            if (d == null) {
                continue;
            }
            String first = seen.putIfAbsent(d.name() + "\n" + d.model(), item.path());
            if (first != null) {
                walker.findings().problem(item.path(), item.node(), "duplicate of " + first + " (" + d.name() + ")");
            }
            deployments.add(d);
        }
        return deployments;
    }

    private DeploymentConfig entry(Section.Item item, double weight, List<String> tags) {
        if (item.node() instanceof ScalarNode) {
            String name = walker.string(item.path(), item.node());
            if (name == null || name.isBlank()) {
                walker.findings().problem(item.path(), item.node(), "must name a model");
                return null;
            }
            return DeploymentConfig.of(name.strip(), name.strip(), weight, tags);
        }
        if (!(item.node() instanceof MappingNode)) {
            walker.findings().problem(item.path(), item.node(), "must be a model name or a mapping, not a list");
            return null;
        }
        Section m = walker.section(item.path(), item.node(), true);
        String name = m.string("name", null);
        String model = m.string("model", null);
        // every key is read before giving up on the entry, so none is reported as unknown
        DeploymentConfig d = new DeploymentConfig(
                name == null ? model : name.strip(),
                model == null ? name : model.strip(),
                m.decimal("weight", weight, 0, Double.MAX_VALUE),
                m.whole("rpm", 0),
                m.whole("tpm", 0),
                m.strings("tags", tags),
                m.decimal("input_cost_per_million", 0),
                m.decimal("output_cost_per_million", 0),
                m.decimal("cached_input_cost_per_million", 0),
                m.whole("max_input_tokens", 1),
                m.bool("cache", true));
        if (d.name() == null) {
            m.missing("name", "missing (the model group clients ask for)");
            return null;
        }
        return d;
    }
}
