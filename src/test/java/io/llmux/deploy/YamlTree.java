package io.llmux.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A parsed YAML document read by dotted paths ({@code spec.template.spec.containers.0.image}), so the deployment
 * tests state what they check in one line each. The unchecked casts live here only.
 */
record YamlTree(Object root) {

    static List<YamlTree> documents(Path file) throws IOException {
        return documents(Files.readString(file));
    }

    static List<YamlTree> documents(String text) {
        List<YamlTree> docs = new ArrayList<>();
        for (Object doc : new Yaml(new LoaderOptions()).loadAll(text)) {
            if (doc != null) {
                docs.add(new YamlTree(doc));
            }
        }
        return docs;
    }

    static YamlTree document(Path file) throws IOException {
        List<YamlTree> docs = documents(file);
        if (docs.size() != 1) {
            throw new IllegalStateException(file + ": " + docs.size() + " documents, expected one");
        }
        return docs.get(0);
    }

    /** {@code a.b.0} as {@code [a, b, 0]}. */
    static List<String> steps(String path) {
        List<String> steps = new ArrayList<>();
        int from = 0;
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', from)) {
            steps.add(path.substring(from, dot));
            from = dot + 1;
        }
        steps.add(path.substring(from));
        return steps;
    }

    /** The value at {@code path}, or null when any step is missing. */
    Object find(String path) {
        Object node = root;
        for (String step : steps(path)) {
            if (node instanceof Map<?, ?> map) {
                node = map.get(step);
            } else if (node instanceof List<?> list && step.chars().allMatch(Character::isDigit)) {
                int i = Integer.parseInt(step);
                node = i < list.size() ? list.get(i) : null;
            } else {
                return null;
            }
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    Object get(String path) {
        Object value = find(path);
        if (value == null) {
            throw new NoSuchElementException("no " + path + " in " + root);
        }
        return value;
    }

    String string(String path) {
        return String.valueOf(get(path));
    }

    YamlTree at(String path) {
        return new YamlTree(get(path));
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> map(String path) {
        return (Map<String, Object>) get(path);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> asMap() {
        return (Map<String, Object>) root;
    }

    List<YamlTree> list(String path) {
        if (!(get(path) instanceof List<?> list)) {
            throw new IllegalStateException(path + " is not a list");
        }
        return list.stream().map(YamlTree::new).toList();
    }

    /** The first element of the list at {@code path} whose {@code key} equals {@code value}. */
    YamlTree element(String path, String key, String value) {
        return list(path).stream()
                .filter(e -> value.equals(String.valueOf(e.find(key))))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no " + path + " with " + key + "=" + value));
    }

    String kind() {
        return string("kind");
    }
}
