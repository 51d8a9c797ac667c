package io.llmux.spend;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** An amount of US dollars as clients and logs see it: a plain decimal such as {@code 0.0001077}. */
public final class Usd {
    /**
     * Ten decimals: the cheapest listed token costs a few billionths of a dollar, so an answer's cost is
     * never rounded to 0 when it is not 0.
     */
    private static final int SCALE = 10;

    private Usd() {}

    /** The amount without exponent or trailing zeros ({@code 0} for nothing); header- and JSON-number-safe. */
    public static String plain(double usd) {
        if (!(usd > 0) || Double.isInfinite(usd)) {
            return "0";
        }
        return BigDecimal.valueOf(usd)
                .setScale(SCALE, RoundingMode.HALF_UP)
                .stripTrailingZeros()
                .toPlainString();
    }
}
