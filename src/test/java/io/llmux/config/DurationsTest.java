package io.llmux.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @Test
    void readsEveryUnitOfTheSpec() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void plainZeroIsZero() {
        assertThat(Durations.parse("0")).isZero();
        assertThat(Durations.parse("0s")).isZero();
    }

    @Test
    void goStyleCompoundsAndFractionsFromTheOriginalConfigsAreRead() {
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse(" 2m ")).isEqualTo(Duration.ofMinutes(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10x", "", "-5s", "30", "s", "1 h", "5M", "1h-5m", "99999999999999999999d", "1e3s"})
    void rejectsNegativeUnitlessAndGarbage(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"" + text + "\" is not a duration (use e.g. 250ms, 30s, 5m, 1h, 7d)");
    }

    @Test
    void formatsTheShortestExactSpelling() {
        assertThat(Durations.format(Duration.ofMillis(100))).isEqualTo("100ms");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofHours(24))).isEqualTo("1d");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0");
    }
}
