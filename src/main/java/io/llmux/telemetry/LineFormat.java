package io.llmux.telemetry;

import java.time.Instant;

/**
 * Writes one log line as JSON ({@code {"ts":…,"level":…,"msg":…,…}}) or as text ({@code ts LEVEL msg k=v …}).
 * Used only on the log writer's thread, so one instance and its buffer are reused for every line. Every message and
 * string value passes the {@link Redactor} on its way in: no caller has to remember to scrub.
 */
final class LineFormat {
    private static final int CAPACITY = 512;

    private StringBuilder sb = new StringBuilder(CAPACITY);
    private final Redactor redactor;
    private boolean json;
    /**
     * The line holds a character beyond Latin-1. A builder that took one keeps two bytes a character for good,
     * and every later line would be widened as it is appended and narrowed again by {@code toString}: the startup
     * line's arrows did that to every request line. The next line gets a new builder.
     */
    private boolean wide;

    LineFormat(Redactor redactor) {
        this.redactor = redactor;
    }

    LineFormat() {
        this(Redactor.patternsOnly());
    }

    LineFormat json(boolean value) {
        this.json = value;
        return this;
    }

    LineFormat begin(long epochMillis, String level, String message) {
        String msg = redactor.scrub(message);
        if (wide) {
            sb = new StringBuilder(CAPACITY);
            wide = false;
        }
        sb.setLength(0);
        String ts = Instant.ofEpochMilli(epochMillis).toString();
        if (json) {
            sb.append("{\"ts\":\"")
                    .append(ts)
                    .append("\",\"level\":\"")
                    .append(level)
                    .append("\",\"msg\":");
            quote(msg);
        } else {
            sb.append(ts)
                    .append(' ')
                    .append(level.toUpperCase(java.util.Locale.ROOT))
                    .append(' ')
                    .append(msg);
            noteWidth(msg);
        }
        return this;
    }

    LineFormat field(String key, String raw) {
        if (raw == null) {
            return this;
        }
        String value = redactor.scrub(raw);
        if (json) {
            sb.append(",\"").append(key).append("\":");
            quote(value);
        } else {
            sb.append(' ').append(key).append('=');
            // a control character unquoted would let a client-chosen value (a model name) start a line of its own
            if (value.isEmpty() || needsQuotes(value)) {
                quote(value);
            } else {
                sb.append(value);
                noteWidth(value);
            }
        }
        return this;
    }

    LineFormat field(String key, long value) {
        if (json) {
            sb.append(",\"").append(key).append("\":").append(value);
        } else {
            sb.append(' ').append(key).append('=').append(value);
        }
        return this;
    }

    /** A number already written as a plain decimal (no exponent), unquoted in JSON as in text. */
    LineFormat number(String key, String plainDecimal) {
        sb.append(json ? ",\"" : " ").append(key).append(json ? "\":" : "=").append(plainDecimal);
        return this;
    }

    /** A non-negative duration in nanoseconds, written as milliseconds with two decimals. */
    LineFormat millis(String key, long nanos) {
        long hundredths = Math.max(0, nanos / 10_000);
        sb.append(json ? ",\"" : " ").append(key).append(json ? "\":" : "=");
        sb.append(hundredths / 100).append('.');
        long frac = hundredths % 100;
        if (frac < 10) {
            sb.append('0');
        }
        sb.append(frac);
        return this;
    }

    LineFormat field(String key, boolean value) {
        if (json) {
            sb.append(",\"").append(key).append("\":").append(value);
        } else {
            sb.append(' ').append(key).append('=').append(value);
        }
        return this;
    }

    String end() {
        if (json) {
            sb.append('}');
        }
        sb.append('\n');
        return sb.toString();
    }

    private static boolean needsQuotes(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == '"' || c == '=') {
                return true;
            }
        }
        return false;
    }

    private void noteWidth(String s) {
        for (int i = 0; i < s.length() && !wide; i++) {
            wide = s.charAt(i) > 0xFF;
        }
    }

    /** {@code s} as a JSON string: runs that need no escape are copied whole, which most values are. */
    private void quote(String s) {
        sb.append('"');
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20) {
                sb.append(s, from, i);
                escape(c);
                from = i + 1;
            } else if (c > 0xFF) {
                wide = true;
            }
        }
        sb.append(s, from, s.length()).append('"');
    }

    private void escape(char c) {
        switch (c) {
            case '"' -> sb.append("\\\"");
            case '\\' -> sb.append("\\\\");
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            default -> sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
        }
    }
}
