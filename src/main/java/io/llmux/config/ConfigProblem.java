package io.llmux.config;

/**
 * One thing wrong with a config file, located by its path in the YAML tree ({@code providers[1].modls}) and, when
 * known, its line.
 */
public record ConfigProblem(String path, int line, String message) {
    @Override
    public String toString() {
        String where = path.isEmpty() ? "config" : path;
        // the SPEC's "path: message" stays intact (people grep for it); the line follows
        return line > 0 ? where + ": " + message + " (line " + line + ")" : where + ": " + message;
    }
}
