package io.llmux.server;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's routes: exact paths, templates with one id segment ({@code /key/{key}/regenerate}), and prefixes
 * for paths that end in an id that may itself contain slashes ({@code /v1/models/{id}}). Built once per server; later
 * features add routes here, not in the server.
 */
public final class Routes {
    private final Map<String, Map<String, Handler>> exact = new LinkedHashMap<>();
    private final Map<Template, Map<String, Handler>> templates = new LinkedHashMap<>();
    private final Map<String, Map<String, Handler>> prefixes =
            new TreeMap<>((a, b) -> b.length() - a.length() != 0 ? b.length() - a.length() : a.compareTo(b));

    /** An exact path, or a {@link Template} when the path has a {@code {name}} segment. */
    public Routes add(String method, String path, Handler handler) {
        Template template = Template.of(path);
        if (template != null) {
            templates.computeIfAbsent(template, t -> new LinkedHashMap<>()).put(method, handler);
        } else {
            exact.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, handler);
        }
        return this;
    }

    /** Routes every path that starts with {@code prefix} (which ends with '/'), longest prefix first. */
    public Routes addPrefix(String method, String prefix, Handler handler) {
        prefixes.computeIfAbsent(prefix, p -> new LinkedHashMap<>()).put(method, handler);
        return this;
    }

    /** The handlers of a path by method, or null when no route has this path. */
    Map<String, Handler> find(String path) {
        Map<String, Handler> byMethod = exact.get(path);
        if (byMethod == null && path.length() > 1 && path.endsWith("/")) {
            byMethod = exact.get(path.substring(0, path.length() - 1));
        }
        if (byMethod != null) {
            return byMethod;
        }
        for (var e : templates.entrySet()) {
            if (e.getKey().id(path) != null) {
                return e.getValue();
            }
        }
        for (var e : prefixes.entrySet()) {
            if (path.startsWith(e.getKey()) && path.length() > e.getKey().length()) {
                return e.getValue();
            }
        }
        return null;
    }

    /**
     * A path with one id segment: {@code /key/{key}/regenerate} is prefix {@code /key/}, name {@code key}, suffix
     * {@code /regenerate}. The id is one segment (no slash), percent-decoded.
     */
    public record Template(String prefix, String name, String suffix) {

        /** The template of a route path; null when it has no {@code {name}} segment. */
        public static Template of(String path) {
            int open = path.indexOf('{');
            if (open < 0) {
                return null;
            }
            int close = path.indexOf('}', open);
            if (open == 0
                    || close < 0
                    || close == open + 1
                    || path.charAt(open - 1) != '/'
                    || (close + 1 < path.length() && path.charAt(close + 1) != '/')
                    || path.indexOf('{', close) >= 0) {
                throw new IllegalArgumentException("a route path may have one {name} segment, a whole one: " + path);
            }
            return new Template(path.substring(0, open), path.substring(open + 1, close), path.substring(close + 1));
        }

        /** The id in a raw request path, decoded; null when the path does not fit the template. */
        public String id(String rawPath) {
            int end = rawPath.length() - suffix.length();
            if (!rawPath.startsWith(prefix) || !rawPath.endsWith(suffix) || end <= prefix.length()) {
                return null;
            }
            String raw = rawPath.substring(prefix.length(), end);
            if (raw.indexOf('/') >= 0) {
                return null;
            }
            try {
                // a path, not a form: '+' is itself
                return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException badEscape) {
                return null;
            }
        }
    }
}
