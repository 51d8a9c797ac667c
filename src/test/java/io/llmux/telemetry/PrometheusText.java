package io.llmux.telemetry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format, version 0.0.4, for tests: every line must be well formed
 * or it throws, naming the line. Beyond syntax it checks what a scraper relies on: {@code # HELP} and {@code # TYPE}
 * at most once per family and before its samples, a family's lines together, sample names that fit the family's
 * type, no series twice, non-negative counters, and histograms whose buckets are cumulative, ordered by {@code le},
 * end with {@code +Inf} equal to {@code _count}, and come with a {@code _sum}.
 */
public final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT =
            Pattern.compile("[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?|Inf|NaN)");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample line: its name, its labels in the order written, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;
    private final Map<String, String> types;
    private final Map<String, String> help;

    private PrometheusText(List<Sample> samples, Map<String, String> types, Map<String, String> help) {
        this.samples = List.copyOf(samples);
        this.types = Map.copyOf(types);
        this.help = Map.copyOf(help);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The declared type of each family, by family name. */
    public Map<String, String> types() {
        return types;
    }

    /** The help text of each family that has one, unescaped. */
    public Map<String, String> help() {
        return help;
    }

    /**
     * The value of the one sample with this name whose labels include the given pairs; 0 when there is none (a
     * counter that never moved has no series). Throws when more than one matches.
     */
    public double value(String name, String... labelPairs) {
        List<Sample> found = find(name, labelPairs);
        if (found.size() > 1) {
            throw new AssertionError("more than one series of " + name + " matches " + List.of(labelPairs));
        }
        return found.isEmpty() ? 0 : found.get(0).value();
    }

    /** The sum over every sample with this name whose labels include the given pairs. */
    public double sum(String name, String... labelPairs) {
        return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
    }

    /** Every sample with this name whose labels include the given pairs. */
    public List<Sample> find(String name, String... labelPairs) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (!s.name().equals(name)) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i + 1 < labelPairs.length; i += 2) {
                all &= labelPairs[i + 1].equals(s.labels().get(labelPairs[i]));
            }
            if (all) {
                out.add(s);
            }
        }
        return out;
    }

    /** Parses and checks a whole exposition. */
    public static PrometheusText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        Map<String, String> help = new HashMap<>();
        Set<String> closed = new HashSet<>(); // families whose lines are over: seeing them again is an error
        Set<String> series = new HashSet<>();
        Map<String, Set<String>> sampled = new HashMap<>();
        String family = null;
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length - 1; n++) {
            String line = lines[n];
            String where = "line " + (n + 1) + " '" + line + "': ";
            if (line.isEmpty()) {
                throw new IllegalArgumentException(where + "empty line");
            }
            String current;
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                boolean meta = parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"));
                if (!meta) {
                    continue; // a plain comment
                }
                current = parts[2];
                requireName(where, current);
                if (!current.equals(family)) {
                    enter(where, current, family, closed);
                }
                if (sampled.containsKey(current)) {
                    throw new IllegalArgumentException(where + parts[1] + " after samples of " + current);
                }
                if (parts[1].equals("HELP")) {
                    if (help.put(current, unescapeHelp(where, parts.length == 4 ? parts[3] : "")) != null) {
                        throw new IllegalArgumentException(where + "a second HELP for " + current);
                    }
                } else {
                    if (parts.length != 4 || !TYPES.contains(parts[3])) {
                        throw new IllegalArgumentException(where + "unknown type");
                    }
                    if (types.put(current, parts[3]) != null) {
                        throw new IllegalArgumentException(where + "a second TYPE for " + current);
                    }
                }
            } else {
                Sample s = sample(where, line);
                current = familyOf(s.name(), types);
                if (!current.equals(family)) {
                    enter(where, current, family, closed);
                }
                checkName(where, s, current, types.getOrDefault(current, "untyped"));
                String id = s.name() + new TreeMap<>(s.labels());
                if (!series.add(id)) {
                    throw new IllegalArgumentException(where + "the series appears twice");
                }
                sampled.computeIfAbsent(current, f -> new HashSet<>()).add(s.name());
                samples.add(s);
            }
            family = current;
        }
        PrometheusText parsed = new PrometheusText(samples, types, help);
        types.forEach((name, type) -> {
            if (type.equals("histogram")) {
                parsed.checkHistogram(name);
            }
        });
        return parsed;
    }

    private static void enter(String where, String next, String previous, Set<String> closed) {
        if (closed.contains(next)) {
            throw new IllegalArgumentException(where + "the lines of " + next + " are not together");
        }
        if (previous != null) {
            closed.add(previous);
        }
    }

    /** The family a sample belongs to: a histogram's or summary's suffixes are its own. */
    private static String familyOf(String name, Map<String, String> types) {
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                String type = types.get(base);
                if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                    return base;
                }
            }
        }
        return name;
    }

    private static void checkName(String where, Sample s, String family, String type) {
        switch (type) {
            case "histogram" -> {
                if (s.name().equals(family + "_bucket") != s.labels().containsKey("le")) {
                    throw new IllegalArgumentException(where + "le belongs on _bucket samples, and only there");
                }
                if (s.name().equals(family)) {
                    throw new IllegalArgumentException(where + "a histogram has only _bucket, _sum and _count");
                }
                requireCount(where, s);
            }
            case "summary" -> {
                if (s.name().equals(family) != s.labels().containsKey("quantile")) {
                    throw new IllegalArgumentException(where + "quantile belongs on the summary's own samples");
                }
                if (!s.name().equals(family)) {
                    requireCount(where, s);
                }
            }
            case "counter" -> {
                if (!s.name().equals(family)) {
                    throw new IllegalArgumentException(where + "a counter's sample carries the family's name");
                }
                requireCount(where, s);
            }
            default -> {
                if (!s.name().equals(family)) {
                    throw new IllegalArgumentException(where + "the sample does not match its family " + family);
                }
            }
        }
    }

    private static void requireCount(String where, Sample s) {
        boolean sum = s.name().endsWith("_sum");
        if (Double.isNaN(s.value()) || (!sum && s.value() < 0)) {
            throw new IllegalArgumentException(where + "a count cannot be negative or NaN");
        }
    }

    private void checkHistogram(String name) {
        Map<String, List<Sample>> buckets = new LinkedHashMap<>();
        for (Sample s : find(name + "_bucket")) {
            Map<String, String> rest = new TreeMap<>(s.labels());
            rest.remove("le");
            buckets.computeIfAbsent(rest.toString(), k -> new ArrayList<>()).add(s);
        }
        for (Sample count : find(name + "_count")) {
            String key = new TreeMap<>(count.labels()).toString();
            List<Sample> bs = buckets.remove(key);
            String what = name + key;
            if (bs == null) {
                throw new IllegalArgumentException(what + ": _count without buckets");
            }
            double previousLe = Double.NEGATIVE_INFINITY;
            double previousCount = 0;
            for (Sample b : bs) {
                double le = parseFloat(what + ": le ", b.labels().get("le"));
                if (!(le > previousLe)) {
                    throw new IllegalArgumentException(
                            what + ": le " + b.labels().get("le") + " out of order");
                }
                if (b.value() < previousCount) {
                    throw new IllegalArgumentException(what + ": bucket le="
                            + b.labels().get("le") + " holds fewer than the one before; buckets are cumulative");
                }
                previousLe = le;
                previousCount = b.value();
            }
            if (previousLe != Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException(what + ": the last bucket must be le=\"+Inf\"");
            }
            if (previousCount != count.value()) {
                throw new IllegalArgumentException(what + ": the +Inf bucket differs from _count");
            }
            boolean summed = find(name + "_sum").stream()
                    .anyMatch(s -> new TreeMap<>(s.labels()).toString().equals(key));
            if (!summed) {
                throw new IllegalArgumentException(what + ": no _sum");
            }
        }
        if (!buckets.isEmpty()) {
            throw new IllegalArgumentException(name + ": buckets without _count: " + buckets.keySet());
        }
    }

    private static Sample sample(String where, String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        requireName(where, name);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = labels(where, line, i + 1, labels);
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException(where + "a single space must separate the value");
        }
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length > 2) {
            throw new IllegalArgumentException(where + "more than a value and a timestamp");
        }
        double value = parseFloat(where, rest[0]);
        if (rest.length == 2 && !rest[1].matches("-?\\d+")) {
            throw new IllegalArgumentException(where + "the timestamp is not an integer");
        }
        return new Sample(name, labels, value);
    }

    /** Reads {@code name="value",...}} from just after the brace; returns the index after the closing brace. */
    private static int labels(String where, String line, int i, Map<String, String> labels) {
        if (i < line.length() && line.charAt(i) == '}') {
            return i + 1;
        }
        while (true) {
            int eq = line.indexOf('=', i);
            if (eq < 0) {
                throw new IllegalArgumentException(where + "a label without '='");
            }
            String label = line.substring(i, eq);
            if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                throw new IllegalArgumentException(where + "bad label name '" + label + "'");
            }
            if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException(where + "a label value must be quoted");
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            while (true) {
                if (j >= line.length()) {
                    throw new IllegalArgumentException(where + "an unterminated label value");
                }
                char c = line.charAt(j);
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    char e = j + 1 < line.length() ? line.charAt(j + 1) : 0;
                    switch (e) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw new IllegalArgumentException(where + "a bad escape in a label value");
                    }
                    j += 2;
                } else {
                    value.append(c);
                    j++;
                }
            }
            if (labels.put(label, value.toString()) != null) {
                throw new IllegalArgumentException(where + "label " + label + " twice");
            }
            j++;
            if (j < line.length() && line.charAt(j) == ',') {
                j++;
                if (j < line.length() && line.charAt(j) == '}') {
                    return j + 1; // a trailing comma is allowed
                }
                i = j;
                continue;
            }
            if (j < line.length() && line.charAt(j) == '}') {
                return j + 1;
            }
            throw new IllegalArgumentException(where + "expected ',' or '}' after a label value");
        }
    }

    private static String unescapeHelp(String where, String raw) {
        StringBuilder out = new StringBuilder();
        int j = 0;
        while (j < raw.length()) {
            char c = raw.charAt(j);
            if (c != '\\') {
                out.append(c);
                j++;
                continue;
            }
            char e = j + 1 < raw.length() ? raw.charAt(j + 1) : 0;
            switch (e) {
                case '\\' -> out.append('\\');
                case 'n' -> out.append('\n');
                default -> throw new IllegalArgumentException(where + "a bad escape in HELP");
            }
            j += 2;
        }
        return out.toString();
    }

    private static void requireName(String where, String name) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + "bad metric name '" + name + "'");
        }
    }

    private static double parseFloat(String where, String s) {
        if (s == null || !FLOAT.matcher(s).matches()) {
            throw new IllegalArgumentException(where + "not a number: " + s);
        }
        return switch (s) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN", "+NaN", "-NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
