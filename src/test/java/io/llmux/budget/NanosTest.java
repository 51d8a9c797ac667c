package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NanosTest {
    @Test
    void dollarsBecomeWholeNanoDollarsRoundedHalfUp() {
        assertThat(Nanos.fromUsd(10)).isEqualTo(10_000_000_000L);
        assertThat(Nanos.fromUsd(0.1))
                .as("the decimal, not the binary fraction")
                .isEqualTo(100_000_000L);
        assertThat(Nanos.fromUsd(0.0000000015)).isEqualTo(2);
        assertThat(Nanos.fromUsd(0.0000000014)).isEqualTo(1);
        assertThat(Nanos.fromUsd(0)).isZero();
        assertThat(Nanos.fromUsd(1e30)).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> Nanos.fromUsd(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The shortcut through doubles must give what the decimal gives, for any amount: prices times tokens, budgets,
     * and amounts lying exactly on half a nano-dollar, where only the decimal can tell the way.
     */
    @Test
    void theShortcutAgreesWithTheDecimalEverywhere() {
        Random random = new Random(11);
        for (int i = 0; i < 200_000; i++) {
            double usd = switch (i % 4) {
                case 0 -> random.nextDouble() * Math.pow(10, random.nextInt(16) - 12); // any magnitude
                case 1 -> (random.nextInt(2_000_000) - 1_000_000) * 0.15e-6 * random.nextInt(5_000); // cost
                case 2 ->
                    new BigDecimal(random.nextLong(2_000_000_000_000L) - 1_000_000_000_000L)
                            .add(BigDecimal.valueOf(5, 1))
                            .movePointLeft(9)
                            .doubleValue(); // on a half, as printed
                default -> random.nextLong(100_000_000) / Math.pow(10, random.nextInt(12)); // decimals
            };
            assertThat(Nanos.fromUsd(usd)).as("%s", usd).isEqualTo(Nanos.exact(usd));
        }
        assertThat(Nanos.fromUsd(0.0000000025)).isEqualTo(3);
        assertThat(Nanos.fromUsd(-0.0000000025)).as("half away from zero").isEqualTo(-3);
        assertThat(Nanos.fromUsd(999.9999999995)).isEqualTo(1_000_000_000_000L);
    }

    @Test
    void nanoDollarsBecomeTheNearestDouble() {
        assertThat(Nanos.toUsd(100_000_000L)).isEqualTo(0.1);
        assertThat(Nanos.toUsd(123_456_789_012L)).isEqualTo(123.456789012);
        assertThat(Nanos.toUsd(Nanos.fromUsd(0.0001077))).isEqualTo(0.0001077);
    }

    @Test
    void messagesShowCentsAndSmallAmountsWithTwoSignificantDigits() {
        assertThat(Nanos.dollars(10 * Nanos.PER_USD)).isEqualTo("$10.00");
        assertThat(Nanos.dollars(Nanos.fromUsd(9.995))).isEqualTo("$10.00");
        assertThat(Nanos.dollars(Nanos.fromUsd(1234.5))).isEqualTo("$1234.50");
        assertThat(Nanos.dollars(Nanos.fromUsd(0.01))).isEqualTo("$0.01");
        assertThat(Nanos.dollars(Nanos.fromUsd(0.004237))).isEqualTo("$0.0042");
        assertThat(Nanos.dollars(1)).isEqualTo("$0.000000001");
        assertThat(Nanos.dollars(0)).isEqualTo("$0.00");
    }
}
