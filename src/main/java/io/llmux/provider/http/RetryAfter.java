package io.llmux.provider.http;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** How long a provider that said 429 wants the gateway to wait; the router cools the deployment down that long. */
public final class RetryAfter {

    private RetryAfter() {}

    /** {@code retry-after-ms} (Azure, OpenAI) when present, else {@code Retry-After} in seconds or as an HTTP-date. */
    public static Duration parse(HttpHeaders headers, Instant now) {
        Optional<String> millis = headers.firstValue("retry-after-ms");
        if (millis.isPresent()) {
            Duration d = number(millis.get(), 1_000_000L);
            if (d != null) {
                return d;
            }
        }
        Optional<String> value = headers.firstValue("retry-after");
        if (value.isEmpty()) {
            return null;
        }
        Duration seconds = number(value.get(), 1_000_000_000L);
        if (seconds != null) {
            return seconds;
        }
        try {
            Instant at = ZonedDateTime.parse(value.get().trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
            return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Duration number(String text, long nanosPerUnit) {
        try {
            double v = Double.parseDouble(text.trim());
            if (Double.isNaN(v) || Double.isInfinite(v) || v < 0) {
                return null;
            }
            return Duration.ofNanos((long) Math.min(v * nanosPerUnit, Long.MAX_VALUE / 2.0));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
