package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BudgetDurationsTest {
    private static final Instant T = Instant.parse("2025-01-31T10:00:00Z");

    @ParameterizedTest
    @CsvSource({
        "30s, 2025-01-31T10:00:30Z",
        "10m, 2025-01-31T10:10:00Z",
        "24h, 2025-02-01T10:00:00Z",
        "30d, 2025-03-02T10:00:00Z",
        "2w, 2025-02-14T10:00:00Z",
        "1mo, 2025-02-28T10:00:00Z",
        "12mo, 2026-01-31T10:00:00Z"
    })
    void eachUnitAddsOnePeriod(String duration, String expected) {
        assertThat(BudgetDurations.add(T, duration, 1)).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "d", "0d", "-1d", "1.5h", "1y", "1M", "1 d", "1dd", "1mon", "1234567d"})
    void otherFormsAreRefusedNamingTheAcceptedOnes(String duration) {
        assertThat(BudgetDurations.valid(duration)).isFalse();
        assertThatThrownBy(() -> BudgetDurations.check(duration))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + duration + "\" is not a budget duration")
                .hasMessageContaining("s, m, h, d, w or mo");
    }

    @Test
    void nullIsNotADuration() {
        assertThat(BudgetDurations.valid(null)).isFalse();
        assertThatThrownBy(() -> BudgetDurations.check(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void surroundingSpaceIsIgnored() {
        assertThat(BudgetDurations.valid(" 7d ")).isTrue();
    }

    @Test
    void monthsAreCountedFromTheAnchorSoShortMonthsDoNotShiftLaterResets() {
        assertThat(BudgetDurations.add(T, "1mo", 2)).isEqualTo(Instant.parse("2025-03-31T10:00:00Z"));
        assertThat(BudgetDurations.nextReset(T, "1mo", Instant.parse("2025-03-01T00:00:00Z")))
                .isEqualTo(Instant.parse("2025-03-31T10:00:00Z"));
    }

    @Test
    void nextResetSkipsWholePeriodsThatPassedWithoutAReset() {
        // ten and a half days late on a daily budget: the next reset keeps the 10:00 anchor
        Instant now = Instant.parse("2025-02-10T22:00:00Z");

        assertThat(BudgetDurations.nextReset(T, "1d", now)).isEqualTo(Instant.parse("2025-02-11T10:00:00Z"));
    }

    @Test
    void nextResetIsStrictlyAfterNow() {
        assertThat(BudgetDurations.nextReset(T, "1h", T)).isEqualTo(T.plusSeconds(3600));
        assertThat(BudgetDurations.nextReset(T, "1h", T.plusSeconds(3600))).isEqualTo(T.plusSeconds(7200));
        assertThat(BudgetDurations.nextReset(T, "1mo", Instant.parse("2025-02-28T10:00:00Z")))
                .isEqualTo(Instant.parse("2025-03-31T10:00:00Z"));
    }

    @Test
    void aResetTimeStillAheadStays() {
        assertThat(BudgetDurations.nextReset(T, "1d", T.minusSeconds(1))).isEqualTo(T);
    }

    @Test
    void manyMonthsLateLandsOnTheAnchorDay() {
        Instant now = Instant.parse("2031-07-15T00:00:00Z");

        assertThat(BudgetDurations.nextReset(T, "3mo", now)).isEqualTo(Instant.parse("2031-07-31T10:00:00Z"));
    }
}
