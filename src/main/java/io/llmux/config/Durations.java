package io.llmux.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Config durations: a number and a unit ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d}), or plain
 * {@code 0}. Go-style compounds and fractions ({@code 1h30m}, {@code 1.5s}) are read too, because configs of the
 * original Go LLMux may hold them.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
    private static final BigDecimal MAX_MILLIS = BigDecimal.valueOf(Long.MAX_VALUE / 1_000_000);

    private Durations() {}

    /** @throws IllegalArgumentException with the message the config loader reports */
    public static Duration parse(String text) {
        String s = text.strip();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(s);
        BigDecimal millis = BigDecimal.ZERO;
        int at = 0;
        while (at < s.length() && m.find(at) && m.start() == at) {
            millis = millis.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitMillis(m.group(2)))));
            at = m.end();
        }
        if (s.isEmpty() || at != s.length() || millis.compareTo(MAX_MILLIS) > 0) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration (use e.g. 250ms, 30s, 5m, 1h, 7d)");
        }
        return Duration.ofNanos(millis.multiply(BigDecimal.valueOf(1_000_000)).longValue());
    }

    /** The shortest exact config spelling of {@code d} ({@code 90s} rather than {@code 1m30s}, {@code 250ms}). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1000L};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms % sizes[i] == 0) {
                return ms / sizes[i] + units[i];
            }
        }
        return ms + "ms";
    }

    private static long unitMillis(String unit) {
        return switch (unit) {
            case "ms" -> 1;
            case "s" -> 1000;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> 86_400_000;
        };
    }
}
