package io.llmux.store;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code budget_duration}: {@code Ns|Nm|Nh|Nd|Nw|Nmo} (seconds, minutes, hours, days, weeks, calendar months), as
 * LiteLLM takes it. Resets are anchored: {@code budget_reset_at} advances by whole periods from where it was, so a
 * reset that runs late does not shift every later one. Months count in UTC from the anchor, never from the
 * previous reset, so a budget anchored on the 31st resets on the last day of shorter months and on the 31st again
 * after them.
 */
public final class BudgetDurations {
    private static final Pattern FORM = Pattern.compile("([1-9]\\d{0,5})(s|m|h|d|w|mo)");

    private BudgetDurations() {}

    private record Step(long amount, ChronoUnit unit) {
        Instant times(Instant from, long periods) {
            if (unit == ChronoUnit.MONTHS) {
                return ZonedDateTime.ofInstant(from, ZoneOffset.UTC)
                        .plusMonths(Math.multiplyExact(amount, periods))
                        .toInstant();
            }
            return from.plus(length().multipliedBy(periods));
        }

        Duration length() {
            return unit.getDuration().multipliedBy(amount);
        }
    }

    public static boolean valid(String text) {
        return text != null && FORM.matcher(text.strip()).matches();
    }

    /** @throws IllegalArgumentException naming the accepted forms, for the API's 400 */
    public static void check(String text) {
        parse(text);
    }

    /** {@code from} plus {@code periods} whole durations: the first reset of a new budget is {@code add(now, d, 1)}. */
    public static Instant add(Instant from, String duration, long periods) {
        return parse(duration).times(from, periods);
    }

    /**
     * The first of {@code anchor}, {@code anchor + 1 period}, {@code anchor + 2 periods}, ... that is after
     * {@code now}: where {@code budget_reset_at} moves when a reset runs at {@code now}.
     */
    public static Instant nextReset(Instant anchor, String duration, Instant now) {
        Step step = parse(duration);
        if (anchor.isAfter(now)) {
            return anchor;
        }
        long periods;
        if (step.unit() == ChronoUnit.MONTHS) {
            long months = ChronoUnit.MONTHS.between(
                    ZonedDateTime.ofInstant(anchor, ZoneOffset.UTC), ZonedDateTime.ofInstant(now, ZoneOffset.UTC));
            periods = Math.max(0, months / step.amount() - 1); // a little short: day-of-month clamping varies
        } else {
            periods = Duration.between(anchor, now).dividedBy(step.length());
        }
        Instant next = step.times(anchor, periods);
        while (!next.isAfter(now)) {
            next = step.times(anchor, ++periods);
        }
        return next;
    }

    private static Step parse(String text) {
        Matcher m = text == null ? null : FORM.matcher(text.strip());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a budget duration: use a whole number"
                    + " followed by s, m, h, d, w or mo (30s, 10m, 24h, 30d, 1w, 1mo)");
        }
        ChronoUnit unit = switch (m.group(2)) {
            case "s" -> ChronoUnit.SECONDS;
            case "m" -> ChronoUnit.MINUTES;
            case "h" -> ChronoUnit.HOURS;
            case "d" -> ChronoUnit.DAYS;
            case "w" -> ChronoUnit.WEEKS;
            default -> ChronoUnit.MONTHS;
        };
        return new Step(Long.parseLong(m.group(1)), unit);
    }
}
