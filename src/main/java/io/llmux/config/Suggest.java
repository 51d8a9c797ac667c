package io.llmux.config;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" for misspelt keys and model group names: the nearest candidate within two edits. */
final class Suggest {
    private static final int MAX_EDITS = 2;

    private Suggest() {}

    /** The closest candidate, or null when none is close; {@code readTimeout} also finds {@code read_timeout}. */
    static String closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = MAX_EDITS + 1;
        for (String candidate : candidates) {
            int d = normalize(candidate).equals(normalize(word)) ? 0 : distance(word, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance: insertions, deletions and substitutions each cost one. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String normalize(String key) {
        return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }
}
