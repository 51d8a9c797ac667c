package io.llmux.admin;

import io.llmux.GatewayException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** Checked readers for query parameters: a bad value is a 400 naming the parameter. */
public final class Query {
    private Query() {}

    public static String string(Map<String, String> q, String name) {
        String v = q.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    public static int integer(Map<String, String> q, String name, int fallback, int min, int max)
            throws GatewayException {
        String v = string(q, name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) {
                throw Fields.bad(name, "must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw Fields.bad(name, "must be a whole number");
        }
    }

    /**
     * A date ({@code 2026-11-01}, the start of that day in UTC) or an instant ({@code 2026-11-01T12:00:00Z}); null
     * when absent. {@code endOfDay} makes a plain date mean the end of that day, as LiteLLM's {@code end_date} does.
     */
    public static Instant time(Map<String, String> q, String name, boolean endOfDay) throws GatewayException {
        String v = string(q, name);
        if (v == null) {
            return null;
        }
        try {
            if (v.length() == 10) {
                LocalDate d = LocalDate.parse(v);
                return (endOfDay ? d.plusDays(1) : d).atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw Fields.bad(name, "must be a date (2026-11-01) or a UTC time (2026-11-01T12:00:00Z)");
        }
    }
}
