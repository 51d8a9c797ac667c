package io.llmux.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads {@code routing:} (SPEC §6) and checks that fallbacks and aliases name model groups some provider serves: a
 * typo there would only show when the fallback was needed, so it fails the load instead.
 */
final class RoutingSection {
    private static final Map<String, RoutingStrategy> STRATEGIES =
            Walker.names(RoutingStrategy.values(), RoutingStrategy::configName);

    private final Walker walker;
    private final Findings findings;

    RoutingSection(Walker walker) {
        this.walker = walker;
        this.findings = walker.findings();
    }

    RoutingConfig read(Section root, List<ProviderConfig> providers) {
        Section r = root.section("routing");
        RoutingConfig d = RoutingConfig.defaults();
        Set<String> groups = Groups.of(providers).keySet();
        Duration backoff = r.duration("retry_backoff", d.retryBackoff());
        Duration maxBackoff = r.duration("retry_max_backoff", d.retryMaxBackoff());
        if (maxBackoff.compareTo(backoff) < 0) {
            findings.problem(
                    r.pathOf("retry_max_backoff"),
                    r.node("retry_max_backoff"),
                    "must be at least routing.retry_backoff (" + Durations.format(backoff) + ")");
        }
        return new RoutingConfig(
                r.choice("strategy", d.strategy(), "strategy", STRATEGIES),
                r.bool("fallback_enabled", d.fallbackEnabled()),
                r.integer("retry_count", d.retryCount(), 0, Integer.MAX_VALUE),
                backoff,
                maxBackoff,
                r.integer("allowed_fails", d.allowedFails(), 0, Integer.MAX_VALUE),
                r.duration("cooldown_period", d.cooldownPeriod()),
                r.decimal("lowest_latency_buffer", d.lowestLatencyBuffer(), 0, Double.MAX_VALUE),
                fallbacks(r.section("fallbacks"), groups),
                fallbacks(r.section("context_window_fallbacks"), groups),
                aliases(r.section("aliases"), groups),
                defaultProvider(r, providers));
    }

    /** {@code group: [group, ...]}: both sides must be served groups, and a group never falls back to itself. */
    private Map<String, List<String>> fallbacks(Section section, Set<String> groups) {
        Map<String, List<String>> fallbacks = new LinkedHashMap<>();
        for (Section.Entry e : section.entries()) {
            checkGroup(e.path(), e.keyNode(), e.key(), groups);
            List<String> targets = new ArrayList<>();
            for (Section.Item item : listOf(e)) {
                String target = walker.string(item.path(), item.node());
                if (target == null || target.isBlank()) {
                    findings.problem(item.path(), item.node(), "must name a model group");
                } else if (target.strip().equals(e.key())) {
                    findings.problem(item.path(), item.node(), "a model group cannot fall back to itself");
                } else if (checkGroup(item.path(), item.node(), target.strip(), groups)) {
                    targets.add(target.strip());
                }
            }
            fallbacks.put(e.key(), targets);
        }
        return fallbacks;
    }

    private List<Section.Item> listOf(Section.Entry e) {
        if (e.value() instanceof SequenceNode seq) {
            List<Section.Item> items = new ArrayList<>();
            for (int i = 0; i < seq.getValue().size(); i++) {
                items.add(new Section.Item(
                        e.path() + "[" + i + "]", seq.getValue().get(i)));
            }
            return items;
        }
        if (e.value() != null && !e.value().getTag().equals(Tag.NULL)) {
            findings.problem(e.path(), e.value(), "must be a list of model groups, not " + Walker.kind(e.value()));
        }
        return List.of();
    }

    /** {@code alias: group}: the group must be served, and an alias may not hide a group of the same name. */
    private Map<String, String> aliases(Section section, Set<String> groups) {
        Map<String, String> aliases = new LinkedHashMap<>();
        for (Section.Entry e : section.entries()) {
            if (groups.contains(e.key())) {
                findings.problem(
                        e.path(),
                        e.keyNode(),
                        "alias shadows the model group " + e.key() + " that a provider serves; choose another alias");
            }
            String target = walker.string(e.path(), e.value());
            if (target == null || target.isBlank()) {
                findings.problem(e.path(), e.value() == null ? e.keyNode() : e.value(), "must name a model group");
            } else if (checkGroup(e.path(), e.value(), target.strip(), groups)) {
                aliases.put(e.key(), target.strip());
            }
        }
        return aliases;
    }

    private boolean checkGroup(String path, Node at, String group, Set<String> groups) {
        if (groups.contains(group)) {
            return true;
        }
        String near = Suggest.closest(group, groups);
        String hint = near != null
                ? " (did you mean " + near + "?)"
                : groups.isEmpty() ? "" : " (served: " + String.join(", ", groups) + ")";
        findings.problem(path, at, "no provider serves the model group " + Walker.quote(group) + hint);
        return false;
    }

    private String defaultProvider(Section r, List<ProviderConfig> providers) {
        r.deprecated("default_provider", "kept: that provider's deployments are preferred within a model group");
        String name = r.string("default_provider", null);
        if (name == null) {
            return null;
        }
        List<String> names = providers.stream().map(ProviderConfig::name).collect(Collectors.toList());
        if (!names.contains(name.strip())) {
            findings.problem(
                    r.pathOf("default_provider"),
                    r.node("default_provider"),
                    Walker.quote(name) + " is not a configured provider (" + String.join(", ", names) + ")");
            return null;
        }
        return name.strip();
    }
}
