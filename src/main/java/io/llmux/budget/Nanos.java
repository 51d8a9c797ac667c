package io.llmux.budget;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * US dollars as the ledgers count them: whole nano-dollars in a {@code long}. Sums of integers never drift the way
 * sums of doubles do, and the cheapest token's price (a few billionths of a dollar) is still a whole number of them.
 * Redis scripts hold them as Lua doubles, exact below 2^53 nano-USD (about $9 million).
 */
public final class Nanos {
    public static final long PER_USD = 1_000_000_000L;

    /** Where {@link #fromUsd} stops trusting the product in doubles (a thousand dollars): see there. */
    private static final double FAST_BELOW = 1e12;

    private static final double TIE_MARGIN = 1e-3;

    private Nanos() {}

    /**
     * Dollars to nano-dollars, half-up from the decimal the double prints as ({@code 0.1} is exactly 100,000,000),
     * saturating at the ends of {@code long}.
     *
     * @throws IllegalArgumentException for NaN or an infinity
     */
    public static long fromUsd(double usd) {
        if (!Double.isFinite(usd)) {
            throw new IllegalArgumentException("not an amount of dollars: " + usd);
        }
        // Every request converts a few amounts, so the common case skips BigDecimal. The product in doubles is
        // within about 2.3e-16 of its value of the printed decimal times 1e9 (half an ulp for the decimal, half for
        // the product), under 3e-4 below 1e12 nano-dollars: rounding it to the nearest whole is the same as rounding
        // the decimal unless it lies within that of a half, and near a half only the decimal can say which way.
        double scaled = usd * PER_USD;
        if (Math.abs(scaled) < FAST_BELOW) {
            double fraction = scaled - Math.floor(scaled);
            if (Math.abs(fraction - 0.5) > TIE_MARGIN) {
                return Math.round(scaled);
            }
        }
        return exact(usd);
    }

    /** {@link #fromUsd} the slow way, which is its definition. */
    static long exact(double usd) {
        BigDecimal nanos = BigDecimal.valueOf(usd).movePointRight(9).setScale(0, RoundingMode.HALF_UP);
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Long.MAX_VALUE;
        }
        if (nanos.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
            return Long.MIN_VALUE;
        }
        return nanos.longValueExact();
    }

    /** Nano-dollars to the nearest double of dollars (what the database and the management API hold). */
    public static double toUsd(long nanos) {
        return BigDecimal.valueOf(nanos, 9).doubleValue();
    }

    /**
     * As a person reads it in a message: {@code $10.00}, cents rounded half-up; an amount under a cent keeps two
     * significant digits ({@code $0.0042}) so it does not read as nothing.
     */
    public static String dollars(long nanos) {
        BigDecimal usd = BigDecimal.valueOf(nanos, 9);
        String sign = usd.signum() < 0 ? "-" : "";
        usd = usd.abs();
        BigDecimal shown = usd.signum() == 0 || usd.compareTo(BigDecimal.valueOf(1, 2)) >= 0
                ? usd.setScale(2, RoundingMode.HALF_UP)
                : usd.round(new MathContext(2, RoundingMode.HALF_UP)).stripTrailingZeros();
        return sign + "$" + shown.toPlainString();
    }
}
