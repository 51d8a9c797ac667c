package io.llmux.config;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Config sizes in bytes: {@code 512KB}, {@code 10MB}, {@code 1GB}, {@code 100B}, or a plain integer (bytes, as the
 * original Go LLMux wrote them). Units are binary ({@code KB} = 1024) and case-insensitive; {@code KiB} is read too.
 */
public final class Sizes {
    private static final Pattern SIZE =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b|b)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {}

    /** @throws IllegalArgumentException with the message the config loader reports */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (m.matches()) {
            String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
            BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitBytes(unit.charAt(0))));
            // a fraction of a byte (1.5B, 0.3KB) is a typo rather than something to round
            if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0
                    && bytes.stripTrailingZeros().scale() <= 0) {
                return bytes.longValue();
            }
        }
        throw new IllegalArgumentException("\"" + text + "\" is not a size (use e.g. 512KB, 10MB, 1GB)");
    }

    /** The shortest exact spelling of {@code bytes}: {@code 10MB}, {@code 1536KB}, {@code 100B}. */
    public static String format(long bytes) {
        String[] units = {"TB", "GB", "MB", "KB"};
        for (int i = 0; i < units.length; i++) {
            long size = 1L << (10 * (units.length - i));
            if (bytes != 0 && bytes % size == 0) {
                return bytes / size + units[i];
            }
        }
        return bytes + "B";
    }

    private static long unitBytes(char unit) {
        return switch (unit) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
    }
}
