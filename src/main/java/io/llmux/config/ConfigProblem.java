package io.llmux.config;

/**
 * One thing wrong with a config file, located by its path in the YAML tree ({@code providers[1].modls}) and, when
 * known, its line.
 */
public record ConfigProblem(String path, int line, String message) {
    @Override
    public String toString() {
        String where = path.isEmpty() ? "config" : path;
        return line > 0 ? where + " (line " + line + "): " + message : where + ": " + message;
    }
}
