package io.llmux.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The variables {@code ${VAR}} references resolve against: the process environment laid over a {@code .env} file in
 * the working directory (SPEC §1), so a real variable always wins over the file. A snapshot, taken once, so that one
 * load sees one consistent set.
 */
public final class Env {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, String> vars;
    private final List<String> warnings;

    private Env(Map<String, String> vars, List<String> warnings) {
        this.vars = Map.copyOf(vars);
        this.warnings = List.copyOf(warnings);
    }

    /** Exactly these variables; for tests and embedding. */
    public static Env of(Map<String, String> vars) {
        return new Env(vars, List.of());
    }

    public static Env empty() {
        return of(Map.of());
    }

    /** The real environment over {@code workingDir/.env}. */
    public static Env load(Path workingDir) {
        return load(workingDir, System.getenv());
    }

    /** {@code environment} over {@code workingDir/.env}; a missing file is no file, an unreadable one a warning. */
    public static Env load(Path workingDir, Map<String, String> environment) {
        List<String> warnings = new ArrayList<>();
        Map<String, String> vars = new HashMap<>();
        Path file = workingDir.resolve(".env");
        try {
            vars.putAll(parseDotEnv(Files.readString(file, StandardCharsets.UTF_8), warnings));
        } catch (NoSuchFileException e) {
            // no .env is the normal case in production
        } catch (IOException | RuntimeException e) {
            warnings.add(file + ": not read (" + e.getMessage() + ")");
        }
        vars.putAll(environment);
        return new Env(vars, warnings);
    }

    /**
     * The value of {@code name}, empty when unset. A variable set to the empty string counts as unset: a {@code .env}
     * copied from {@code .env.example} has {@code OPENAI_API_KEY=} lines, and those must not count as a key.
     */
    public Optional<String> get(String name) {
        String value = vars.get(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** Lines of {@code .env} that were skipped, and why. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * {@code KEY=value} lines: {@code #} comments, blank lines, an optional {@code export} prefix, and values in
     * single quotes (literal) or double quotes ({@code \n}, {@code \"}, {@code \\} escapes). An unquoted value ends
     * at a {@code #} that follows whitespace.
     */
    static Map<String, String> parseDotEnv(String text, List<String> warnings) {
        Map<String, String> vars = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ") || line.startsWith("export\t")) {
                line = line.substring("export".length()).strip();
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? line : line.substring(0, eq).strip();
            if (eq < 0 || !NAME.matcher(key).matches()) {
                warnings.add(".env line " + (i + 1) + ": not a KEY=value line; skipped");
                continue;
            }
            String value = unquote(line.substring(eq + 1).strip());
            if (value == null) {
                warnings.add(".env line " + (i + 1) + ": " + key + " has an unclosed quote; skipped");
                continue;
            }
            vars.put(key, value);
        }
        return vars;
    }

    /** The value without its quotes or trailing comment; null when a quote is not closed. */
    private static String unquote(String raw) {
        if (raw.startsWith("'")) {
            int end = raw.indexOf('\'', 1);
            return end < 0 ? null : raw.substring(1, end);
        }
        if (raw.startsWith("\"")) {
            StringBuilder out = new StringBuilder();
            for (int i = 1; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '"') {
                    return out.toString();
                }
                if (c == '\\' && i + 1 < raw.length()) {
                    char next = raw.charAt(++i);
                    out.append(
                            switch (next) {
                                case 'n' -> '\n';
                                case 't' -> '\t';
                                case 'r' -> '\r';
                                default -> next;
                            });
                } else {
                    out.append(c);
                }
            }
            return null;
        }
        for (int i = 1; i < raw.length(); i++) {
            if (raw.charAt(i) == '#' && Character.isWhitespace(raw.charAt(i - 1))) {
                return raw.substring(0, i).strip();
            }
        }
        return raw;
    }
}
