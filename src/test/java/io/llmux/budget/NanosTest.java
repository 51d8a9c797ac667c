package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
