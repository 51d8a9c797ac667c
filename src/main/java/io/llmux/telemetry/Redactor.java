package io.llmux.telemetry;

import io.llmux.config.Config;
import io.llmux.config.ProviderConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Removes secrets from text that leaves the gateway as a log line or an error message (SPEC §10: keys and provider
 * secrets never appear in logs, errors or traces). Two nets: the secrets the config holds (master key, provider
 * keys, database and Redis passwords), matched literally; and the shapes credentials take in text nobody
 * configured — {@code sk-} keys, {@code Bearer} tokens, {@code api-key}/{@code password} values, secret query
 * parameters ({@code ?key=} of Gemini URLs) and passwords in URLs ({@code redis://:pw@host}).
 *
 * <p>Hand-written scanning rather than regular expressions: it runs on every string field of every log line (on the
 * log thread) and on every error answer, and a scan that finds nothing allocates nothing. A request that succeeds
 * is never scanned on its own thread.
 *
 * <p>One instance per gateway. A reload adds the new config's secrets and keeps the old ones: a line formatted
 * after the reload may still carry a credential of the config it ran under.
 */
public final class Redactor {
    /** What a secret is replaced with. */
    public static final String MASK = "[REDACTED]";

    /** Shorter configured values are not matched: a two-letter test key would mask every word it is part of. */
    public static final int MIN_SECRET_LENGTH = 8;

    /** A bare {@code sk-} key needs this many key characters after the prefix (generated keys carry 43). */
    static final int MIN_SK_BODY = 20;

    /** Query parameters whose value is a credential. */
    private static final Set<String> SECRET_PARAMS = Set.of(
            "key",
            "api_key",
            "api-key",
            "apikey",
            "access_token",
            "token",
            "password",
            "secret",
            "client_secret",
            "sig",
            "signature");

    /** Names whose value, after {@code :} or {@code =} (a header, a JSON field, a setting), is a credential. */
    private static final String[] SECRET_NAMES = {"api-key", "api_key", "apikey", "password", "passwd", "secret"};

    private volatile String[] secrets;

    public Redactor(Collection<String> secrets) {
        this.secrets = sorted(secrets);
    }

    /** Only the patterns: for text no config is at hand for. */
    public static Redactor patternsOnly() {
        return new Redactor(List.of());
    }

    /** A redactor for {@code config}'s secrets. */
    public static Redactor of(Config config) {
        return new Redactor(secretsOf(config));
    }

    /** Every credential a config holds: what must never be shown, whatever text it turns up in. */
    public static List<String> secretsOf(Config config) {
        List<String> out = new ArrayList<>();
        out.add(config.auth().masterKey());
        for (ProviderConfig p : config.providers()) {
            out.add(p.apiKey());
        }
        out.add(config.database().password());
        out.add(config.redis().password());
        out.removeIf(s -> s == null || s.length() < MIN_SECRET_LENGTH);
        return out;
    }

    /** Adds a reloaded config's secrets; the earlier ones stay. */
    public void remember(Collection<String> more) {
        Set<String> all = new LinkedHashSet<>(Arrays.asList(secrets));
        all.addAll(more);
        secrets = sorted(all);
    }

    /** {@code text} without any secret; the same instance when there was none. Null stays null. */
    public String scrub(String text) {
        if (text == null || text.length() < 6) {
            return text;
        }
        String out = text;
        for (String secret : secrets) {
            if (out.contains(secret)) {
                out = out.replace(secret, MASK);
            }
        }
        return scrubPatterns(out);
    }

    /** {@code text} with the shapes of credentials masked (no configured secrets); the same instance when none. */
    public static String scrubPatterns(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        int copied = 0;
        int n = text.length();
        int i = 0;
        while (i < n) {
            int[] span = secretAt(text, i);
            if (span == null) {
                i++;
                continue;
            }
            if (out == null) {
                out = new StringBuilder(n + 16);
            }
            out.append(text, copied, span[0]).append(MASK);
            copied = span[1];
            i = Math.max(span[1], i + 1);
        }
        if (out == null) {
            return text;
        }
        return out.append(text, copied, n).toString();
    }

    /** The {start, end} of a credential value that a pattern starting at {@code i} marks, else null. */
    private static int[] secretAt(String s, int i) {
        return switch (s.charAt(i)) {
            case 's', 'S' -> {
                int[] key = skKey(s, i);
                yield key != null ? key : namedValue(s, i);
            }
            case 'b', 'B' -> bearer(s, i);
            case '?', '&', ';' -> queryParam(s, i);
            case ':' -> urlPassword(s, i);
            case 'a', 'A', 'p', 'P' -> namedValue(s, i);
            default -> null;
        };
    }

    /** {@code sk-} followed by 20+ key characters, not inside a longer word ({@code task-…}). */
    private static int[] skKey(String s, int i) {
        if (!s.regionMatches(true, i, "sk-", 0, 3) || (i > 0 && keyChar(s.charAt(i - 1)))) {
            return null;
        }
        int end = i + 3;
        while (end < s.length() && keyChar(s.charAt(end))) {
            end++;
        }
        return end - (i + 3) >= MIN_SK_BODY ? new int[] {i + 3, end} : null;
    }

    /** {@code Bearer <token>}: the token, however short. */
    private static int[] bearer(String s, int i) {
        if (!s.regionMatches(true, i, "bearer", 0, 6) || (i > 0 && Character.isLetterOrDigit(s.charAt(i - 1)))) {
            return null;
        }
        int start = i + 6;
        if (start >= s.length() || (s.charAt(start) != ' ' && s.charAt(start) != '\t')) {
            return null;
        }
        while (start < s.length() && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        int end = start;
        while (end < s.length() && tokenChar(s.charAt(end))) {
            end++;
        }
        return end > start ? new int[] {start, end} : null;
    }

    /** {@code ?key=…} or {@code &password=…} in a URL: the value, up to the next parameter. */
    private static int[] queryParam(String s, int i) {
        int nameStart = i + 1;
        int eq = nameStart;
        while (eq < s.length() && eq - nameStart <= 16 && paramNameChar(s.charAt(eq))) {
            eq++;
        }
        if (eq == nameStart || eq >= s.length() || s.charAt(eq) != '=') {
            return null;
        }
        String name = s.substring(nameStart, eq).toLowerCase(Locale.ROOT);
        if (!SECRET_PARAMS.contains(name)) {
            return null;
        }
        int end = eq + 1;
        while (end < s.length() && queryValueChar(s.charAt(end))) {
            end++;
        }
        return end > eq + 1 ? new int[] {eq + 1, end} : null;
    }

    /** {@code scheme://user:password@host}: the password. {@code i} is the colon of {@code ://}. */
    private static int[] urlPassword(String s, int i) {
        if (!s.startsWith("://", i)) {
            return null;
        }
        int start = i + 3;
        int colon = -1;
        int end = start;
        while (end < s.length() && userInfoChar(s.charAt(end))) {
            if (colon < 0 && s.charAt(end) == ':') {
                colon = end;
            }
            end++;
        }
        boolean userInfo = end < s.length() && s.charAt(end) == '@';
        return userInfo && colon >= 0 && end > colon + 1 ? new int[] {colon + 1, end} : null;
    }

    /**
     * {@code x-api-key: …}, {@code "api_key":"…"}, {@code password=…}: the value after the name, a separator and an
     * optional quote. Prose ("password authentication failed") has no separator and is left alone.
     */
    private static int[] namedValue(String s, int i) {
        if (i > 0 && Character.isLetterOrDigit(s.charAt(i - 1))) {
            return null;
        }
        for (String name : SECRET_NAMES) {
            if (s.regionMatches(true, i, name, 0, name.length())) {
                return valueAfter(s, i + name.length());
            }
        }
        return null;
    }

    private static int[] valueAfter(String s, int from) {
        int k = from;
        if (k < s.length() && (s.charAt(k) == '"' || s.charAt(k) == '\'')) {
            k++;
        }
        while (k < s.length() && s.charAt(k) == ' ') {
            k++;
        }
        if (k >= s.length() || (s.charAt(k) != ':' && s.charAt(k) != '=')) {
            return null;
        }
        k++;
        while (k < s.length() && (s.charAt(k) == ' ' || s.charAt(k) == '"' || s.charAt(k) == '\'')) {
            k++;
        }
        int end = k;
        while (end < s.length() && valueChar(s.charAt(end))) {
            end++;
        }
        return end > k ? new int[] {k, end} : null;
    }

    private static boolean keyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private static boolean tokenChar(char c) {
        return keyChar(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
    }

    private static boolean paramNameChar(char c) {
        return keyChar(c) || c == '.';
    }

    private static boolean queryValueChar(char c) {
        return c > ' ' && c != '&' && c != '#' && c != '"' && c != '\'' && c != ')' && c != ',' && c != ';' && c != '>'
                && c != '<';
    }

    private static boolean userInfoChar(char c) {
        return c > ' ' && c != '/' && c != '@' && c != '"' && c != '\'' && c != '?' && c != '#';
    }

    private static boolean valueChar(char c) {
        return c > ' ' && c != '"' && c != '\'' && c != ',' && c != ';' && c != '}' && c != ')' && c != '&';
    }

    /** Longest first, so a secret that contains another is masked whole. */
    private static String[] sorted(Collection<String> secrets) {
        return secrets.stream()
                .filter(s -> s != null && s.length() >= MIN_SECRET_LENGTH)
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toArray(String[]::new);
    }
}
