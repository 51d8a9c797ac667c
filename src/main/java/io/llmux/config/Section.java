package io.llmux.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping read by key. The keys a reader asks for are the keys valid here: whatever else the mapping holds
 * is reported as unknown, with the nearest valid key suggested ({@code providers[1].modls: unknown key (did you mean
 * models?)}). Duplicate keys are problems; the first one is used.
 */
final class Section {
    private final Walker walker;
    private final String path;
    private final Node node;
    private final boolean present;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Set<String> valid = new LinkedHashSet<>();
    private final Set<String> legacy = new LinkedHashSet<>();
    private boolean freeForm;

    Section(Walker walker, String path, Node node, boolean present) {
        this.walker = walker;
        this.path = path;
        this.node = node;
        this.present = present;
        if (node instanceof MappingNode mapping) {
            index(mapping);
        } else if (node != null && !node.getTag().equals(Tag.NULL)) {
            walker.findings().problem(path, node, "must be a mapping of keys, not " + Walker.kind(node));
        }
    }

    /** True when the file has this section, even empty: {@code rate_limit:} alone turns rate limits on. */
    boolean present() {
        return present;
    }

    String path() {
        return path;
    }

    int line() {
        return Findings.line(node);
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The value node of {@code key}, or null; asking makes the key valid here. */
    Node node(String key) {
        valid.add(key);
        NodeTuple entry = entries.get(key);
        return entry == null ? null : entry.getValueNode();
    }

    boolean has(String key) {
        Node value = node(key);
        return value != null && !value.getTag().equals(Tag.NULL);
    }

    Section section(String key) {
        return walker.section(pathOf(key), node(key), entries.containsKey(key));
    }

    String string(String key, String fallback) {
        String value = walker.string(pathOf(key), node(key));
        return value == null || value.isEmpty() ? fallback : value;
    }

    int integer(String key, int fallback, int min, int max) {
        Integer value = walker.integer(pathOf(key), node(key), min, max);
        return value == null ? fallback : value;
    }

    Long whole(String key, long min) {
        return walker.whole(pathOf(key), node(key), min, Long.MAX_VALUE);
    }

    long whole(String key, long fallback, long min) {
        Long value = whole(key, min);
        return value == null ? fallback : value;
    }

    double decimal(String key, double fallback, double min, double max) {
        Double value = walker.decimal(pathOf(key), node(key), min, max);
        return value == null ? fallback : value;
    }

    Double decimal(String key, double min) {
        return walker.decimal(pathOf(key), node(key), min, Double.MAX_VALUE);
    }

    boolean bool(String key, boolean fallback) {
        Boolean value = walker.bool(pathOf(key), node(key));
        return value == null ? fallback : value;
    }

    Duration duration(String key, Duration fallback) {
        Duration value = walker.duration(pathOf(key), node(key));
        return value == null ? fallback : value;
    }

    /** A duration that must be more than zero: a zero timeout would fail every call. */
    Duration positiveDuration(String key, Duration fallback) {
        Node value = node(key);
        Duration d = walker.duration(pathOf(key), value);
        if (d != null && d.isZero()) {
            walker.findings().problem(pathOf(key), value, "must be more than 0");
            return fallback;
        }
        return d == null ? fallback : d;
    }

    long size(String key, long fallback) {
        Node value = node(key);
        Long bytes = walker.size(pathOf(key), value);
        if (bytes != null && bytes <= 0) {
            walker.findings().problem(pathOf(key), value, "must be more than 0");
            return fallback;
        }
        return bytes == null ? fallback : bytes;
    }

    <E> E choice(String key, E fallback, String noun, Map<String, E> names) {
        E value = walker.choice(pathOf(key), node(key), noun, names);
        return value == null ? fallback : value;
    }

    /** The items of a list at {@code key}, each with its path ({@code models[2]}); empty when absent. */
    List<Item> list(String key) {
        Node value = node(key);
        if (value == null || value.getTag().equals(Tag.NULL)) {
            return List.of();
        }
        if (!(value instanceof SequenceNode sequence)) {
            walker.findings().problem(pathOf(key), value, "must be a list, not " + Walker.kind(value));
            return List.of();
        }
        List<Item> items = new ArrayList<>();
        List<Node> nodes = sequence.getValue();
        for (int i = 0; i < nodes.size(); i++) {
            items.add(new Item(pathOf(key) + "[" + i + "]", nodes.get(i)));
        }
        return items;
    }

    /** A list of non-empty strings ({@code tags}). */
    List<String> strings(String key, List<String> fallback) {
        if (!has(key)) {
            return fallback;
        }
        List<String> values = new ArrayList<>();
        for (Item item : list(key)) {
            String value = walker.string(item.path(), item.node());
            if (value == null || value.isBlank()) {
                walker.findings().problem(item.path(), item.node(), "must not be empty");
            } else {
                values.add(value.strip());
            }
        }
        return values;
    }

    /** A value under a key of this mapping, one item of a list, with its path. */
    record Item(String path, Node node) {}

    /** A key and value of a mapping whose keys are data. */
    record Entry(String key, String path, Node keyNode, Node value) {}

    /** Every entry, for mappings whose keys are data (headers, fallbacks, aliases) rather than options. */
    List<Entry> entries() {
        freeForm = true;
        List<Entry> list = new ArrayList<>();
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            NodeTuple tuple = e.getValue();
            list.add(new Entry(e.getKey(), pathOf(e.getKey()), tuple.getKeyNode(), tuple.getValueNode()));
        }
        return list;
    }

    /**
     * Accepts a key of the original Go LLMux with one deprecation warning saying what became of it; true when the
     * file has it, and the caller reads it like any other key.
     */
    boolean deprecated(String key, String outcome) {
        Node value = node(key);
        legacy.add(key);
        if (value != null) {
            walker.findings().warn(pathOf(key) + ": deprecated key of the original LLMux; " + outcome);
        }
        return value != null;
    }

    /** A section of the original Go LLMux whose keys are each deprecated on their own ({@code cache.memory}). */
    Section legacySection(String key) {
        legacy.add(key);
        return section(key);
    }

    /** A key that is valid in the schema but not in this instance ({@code latency} on a non-mock provider). */
    void reject(String key, String why) {
        Node value = node(key);
        if (value != null) {
            walker.findings().problem(pathOf(key), value, why);
        }
    }

    void missing(String key, String why) {
        walker.findings().problem(pathOf(key), line(), why);
    }

    void reportUnknownKeys() {
        if (freeForm) {
            return;
        }
        // deprecated keys are accepted but never suggested
        Set<String> current = new LinkedHashSet<>(valid);
        current.removeAll(legacy);
        entries.forEach((key, tuple) -> {
            if (!valid.contains(key)) {
                String near = Suggest.closest(key, current);
                String hint = near != null
                        ? " (did you mean " + near + "?)"
                        : current.isEmpty() ? "" : " (valid here: " + String.join(", ", current) + ")";
                walker.findings().problem(pathOf(key), tuple.getKeyNode(), "unknown key" + hint);
            }
        });
    }

    private void index(MappingNode mapping) {
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalar) || keyNode.getTag().equals(Tag.NULL)) {
                walker.findings().problem(path, keyNode, "keys must be names, not " + Walker.kind(keyNode));
                continue;
            }
            String key = scalar.getValue();
            NodeTuple first = entries.putIfAbsent(key, tuple);
            if (first != null) {
                walker.findings()
                        .problem(
                                pathOf(key),
                                keyNode,
                                "duplicate key (first at line " + Findings.line(first.getKeyNode()) + ")");
            }
        }
    }
}
