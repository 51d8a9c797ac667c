package io.llmux.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * What one load found: problems (the config is rejected) and warnings (it loads, the user should hear). Kept apart
 * from the readers so that every reader adds to the same lists and nothing stops at the first problem.
 */
final class Findings {
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Set<String> warnings = new LinkedHashSet<>();

    void problem(String path, Node at, String message) {
        problem(path, line(at), message);
    }

    void problem(String path, int line, String message) {
        problems.add(new ConfigProblem(path, line, message));
    }

    /** Repeats collapse: a warning says a thing once however many nodes led to it. */
    void warn(String message) {
        warnings.add(message);
    }

    boolean hasProblems() {
        return !problems.isEmpty();
    }

    /** In file order, so a long list reads top to bottom; problems without a line come last. */
    List<ConfigProblem> problems() {
        List<ConfigProblem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingInt((ConfigProblem p) -> p.line() > 0 ? p.line() : Integer.MAX_VALUE));
        return sorted;
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }

    static int line(Node node) {
        return node == null ? 0 : node.getStartMark().getLine() + 1;
    }
}
