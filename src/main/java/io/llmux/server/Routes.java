package io.llmux.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's routes: exact paths, plus prefixes for paths that carry an id ({@code /v1/models/{id}}, where an id
 * may itself contain slashes). Built once per server; later features add routes here, not in the server.
 */
public final class Routes {
    private final Map<String, Map<String, Handler>> exact = new LinkedHashMap<>();
    private final Map<String, Map<String, Handler>> prefixes =
            new TreeMap<>((a, b) -> b.length() - a.length() != 0 ? b.length() - a.length() : a.compareTo(b));

    public Routes add(String method, String path, Handler handler) {
        exact.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, handler);
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
        for (var e : prefixes.entrySet()) {
            if (path.startsWith(e.getKey()) && path.length() > e.getKey().length()) {
                return e.getValue();
            }
        }
        return null;
    }
}
