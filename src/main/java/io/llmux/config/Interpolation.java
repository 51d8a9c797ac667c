package io.llmux.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code ${VAR}} and {@code ${VAR:default}} substitution in one YAML scalar (SPEC §2); <code>$${</code> writes a
 * literal <code>${</code>. The default runs to the first closing brace, so it may hold colons
 * ({@code ${REDIS_ADDR:localhost:6379}}).
 */
final class Interpolation {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String HINT = " (use ${VAR} or ${VAR:default}; $${ for a literal ${)";

    private Interpolation() {}

    /**
     * @param value the text with every reference replaced; an unset variable without a default becomes ""
     * @param referenced every variable named, in order
     * @param unset the referenced variables that were unset and had no default
     * @param error why a reference could not be read, or null
     */
    record Result(String value, List<String> referenced, List<String> unset, String error) {}

    static Result apply(String raw, Env env) {
        if (raw.indexOf('$') < 0) {
            return new Result(raw, List.of(), List.of(), null);
        }
        StringBuilder out = new StringBuilder(raw.length());
        List<String> referenced = new ArrayList<>();
        List<String> unset = new ArrayList<>();
        int i = 0;
        while (i < raw.length()) {
            if (raw.startsWith("$${", i)) {
                out.append("${");
                i += 3;
                continue;
            }
            if (!raw.startsWith("${", i)) {
                out.append(raw.charAt(i++));
                continue;
            }
            int close = raw.indexOf('}', i + 2);
            if (close < 0) {
                return new Result(raw, referenced, unset, "has a ${ without a closing }" + HINT);
            }
            String body = raw.substring(i + 2, close);
            int colon = body.indexOf(':');
            String name = colon < 0 ? body : body.substring(0, colon);
            if (!NAME.matcher(name).matches()) {
                return new Result(raw, referenced, unset, "\"${" + body + "}\" is not a variable reference" + HINT);
            }
            referenced.add(name);
            String value = env.get(name).orElse(null);
            if (value == null && colon >= 0) {
                value = body.substring(colon + 1);
            }
            if (value == null) {
                unset.add(name);
                value = "";
            }
            out.append(value);
            i = close + 1;
        }
        return new Result(out.toString(), referenced, unset, null);
    }
}
