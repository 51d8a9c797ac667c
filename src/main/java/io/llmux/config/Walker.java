package io.llmux.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed reads of single YAML nodes at a path: substitution first, then the type, and every failure recorded as a
 * problem at that path while the read returns null, so the caller falls back to a default and carries on. Null also
 * means "not set": an absent key, YAML null, or a value that is empty after substitution ({@code ${DB_PORT:}}).
 */
final class Walker {
    private static final String NAN = " is not a number";
    private static final Pattern DIGITS = Pattern.compile("[-+]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?");

    private final Env env;
    private final Findings findings;
    private final List<Section> sections = new ArrayList<>();

    Walker(Env env, Findings findings) {
        this.env = env;
        this.findings = findings;
    }

    Env env() {
        return env;
    }

    Findings findings() {
        return findings;
    }

    /** A scalar's text after substitution, with the variables it named. */
    record Text(String value, List<String> referenced, List<String> unset) {}

    /** The substituted text of a scalar; null when absent, YAML null, a collection (reported) or a bad reference. */
    Text text(String path, Node node, String expected) {
        if (node == null || node.getTag().equals(Tag.NULL)) {
            return null;
        }
        if (!(node instanceof ScalarNode scalar)) {
            findings.problem(path, node, "must be " + expected + ", not " + kind(node));
            return null;
        }
        Interpolation.Result r = Interpolation.apply(scalar.getValue(), env);
        if (r.error() != null) {
            findings.problem(path, node, r.error());
            return null;
        }
        return new Text(r.value(), r.referenced(), r.unset());
    }

    /** A string field: an unset variable reads as "" and is warned about, never a problem (SPEC §2). */
    String string(String path, Node node) {
        Text text = text(path, node, "a string");
        if (text == null) {
            return null;
        }
        for (String name : text.unset()) {
            findings.warn(path + ": " + name + " is not set; using \"\"");
        }
        return text.value();
    }

    Integer integer(String path, Node node, int min, int max) {
        Long value = whole(path, node, min, max);
        return value == null ? null : value.intValue();
    }

    Long whole(String path, Node node, long min, long max) {
        String s = typed(path, node, "a number");
        if (s == null) {
            return null;
        }
        long value;
        try {
            value = Long.parseLong(s.replace("_", ""));
        } catch (NumberFormatException e) {
            String digits = s.replace("_", "");
            String why = DIGITS.matcher(digits).matches()
                    ? " is out of range"
                    : DECIMAL.matcher(digits).matches() ? " is not a whole number" : NAN;
            findings.problem(path, node, quote(s) + why);
            return null;
        }
        if (value < min || value > max) {
            String range = max >= Integer.MAX_VALUE ? "at least " + min : min + "-" + max;
            findings.problem(path, node, s + " is out of range (" + range + ")");
            return null;
        }
        return value;
    }

    Double decimal(String path, Node node, double min, double max) {
        String s = typed(path, node, "a number");
        if (s == null) {
            return null;
        }
        String digits = s.replace("_", "");
        if (!DECIMAL.matcher(digits).matches()) {
            findings.problem(path, node, quote(s) + NAN);
            return null;
        }
        double value = Double.parseDouble(digits);
        if (value < min || value > max) {
            String range = max >= Integer.MAX_VALUE ? "at least " + plain(min) : plain(min) + "-" + plain(max);
            findings.problem(path, node, s + " is out of range (" + range + ")");
            return null;
        }
        return value;
    }

    Boolean bool(String path, Node node) {
        String s = typed(path, node, "true or false");
        if (s == null) {
            return null;
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> Boolean.TRUE;
            case "false", "no", "off" -> Boolean.FALSE;
            default -> {
                findings.problem(path, node, quote(s) + " is not true or false");
                yield null;
            }
        };
    }

    Duration duration(String path, Node node) {
        String s = typed(path, node, "a duration");
        try {
            return s == null ? null : Durations.parse(s);
        } catch (IllegalArgumentException e) {
            findings.problem(path, node, e.getMessage());
            return null;
        }
    }

    Long size(String path, Node node) {
        String s = typed(path, node, "a size");
        try {
            return s == null ? null : Sizes.parse(s);
        } catch (IllegalArgumentException e) {
            findings.problem(path, node, e.getMessage());
            return null;
        }
    }

    /** One of {@code names} (case-insensitive), e.g. {@code "fastest" is not a strategy (one of ...)}. */
    <E> E choice(String path, Node node, String noun, Map<String, E> names) {
        String s = typed(path, node, "a " + noun);
        if (s == null) {
            return null;
        }
        E value = names.get(s.toLowerCase(Locale.ROOT));
        if (value == null) {
            findings.problem(
                    path, node, quote(s) + " is not a " + noun + " (one of " + String.join(", ", names.keySet()) + ")");
        }
        return value;
    }

    /** A mapping's view at {@code path}; every view is checked for unknown keys by {@link #finish()}. */
    Section section(String path, Node node, boolean present) {
        Section section = new Section(this, path, node, present);
        sections.add(section);
        return section;
    }

    /** Reports the unknown keys of every section read. */
    void finish() {
        sections.forEach(Section::reportUnknownKeys);
    }

    /**
     * The text of a field that needs a type: an unset variable is a problem here, since no number or duration can be
     * made of nothing ({@code server.port: ${PORT} is not set}).
     */
    private String typed(String path, Node node, String expected) {
        Text text = text(path, node, expected);
        if (text == null) {
            return null;
        }
        if (!text.unset().isEmpty()) {
            findings.problem(path, node, "${" + text.unset().get(0) + "} is not set");
            return null;
        }
        String value = text.value().strip();
        return value.isEmpty() ? null : value;
    }

    private static String plain(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** The config names of {@code values}, in declaration order, for {@link #choice}. */
    static <E> Map<String, E> names(E[] values, Function<E, String> name) {
        Map<String, E> names = new LinkedHashMap<>();
        for (E value : values) {
            names.put(name.apply(value), value);
        }
        return Collections.unmodifiableMap(names);
    }

    static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return node.getTag().equals(Tag.NULL) ? "empty" : "a value";
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }
}
