package io.llmux.routing.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.llmux.routing.state.RoutingState.Lease;
import io.llmux.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RoutingState} does (SPEC §6), run against each implementation by a subclass. Time is a test clock
 * that starts ten seconds into a minute and moves only by hand.
 */
abstract class RoutingStateContract {
    static final String A = "openai/gpt-4o";
    static final String B = "azure/gpt-4o";
    static final String C = "anthropic/claude";

    protected final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:10Z"));
    protected RoutingState state;

    protected abstract RoutingState create(Clock clock);

    /** Removes what a test left behind, after the state is closed. */
    protected void cleanUp() {}

    @BeforeEach
    void open() {
        state = create(clock);
    }

    @AfterEach
    void closeState() {
        state.close();
        cleanUp();
    }

    private DeploymentStats stats(String id) {
        return state.stats(List.of(id)).get(id);
    }

    private Instant in(Duration d) {
        return clock.instant().plus(d);
    }

    @Test
    void deploymentsNeverSeenReadAsFresh() {
        Map<String, DeploymentStats> stats = state.stats(List.of(A, B));

        assertThat(stats).containsOnlyKeys(A, B);
        assertThat(stats.get(A)).isEqualTo(DeploymentStats.FRESH);
        assertThat(stats.get(B).tried()).isFalse();
    }

    @Test
    void aCooldownSetByHandLastsUntilItsDeadlineAndNullClearsIt() {
        Instant until = in(Duration.ofSeconds(30));
        state.setCooldown(A, until, "maintenance");

        assertThat(stats(A).cooledUntil()).isEqualTo(until);
        assertThat(stats(A).coolingAt(clock.instant())).isTrue();
        assertThat(stats(A).lastError()).isEqualTo("maintenance");

        clock.advance(Duration.ofSeconds(31));
        assertThat(stats(A).cooledUntil()).isNull();

        state.setCooldown(A, in(Duration.ofMinutes(5)), "again");
        state.setCooldown(A, null, null);
        assertThat(stats(A).cooledUntil()).isNull();
    }

    @Test
    void aCooldownSetByHandReplacesTheDeadlineEvenWithAnEarlierOne() {
        state.setCooldown(A, in(Duration.ofMinutes(10)), "long");
        Instant sooner = in(Duration.ofMinutes(1));
        state.setCooldown(A, sooner, "short");

        assertThat(stats(A).cooledUntil()).isEqualTo(sooner);
    }

    @Test
    void reCoolingNeverShortensADeadline() {
        Instant later = in(Duration.ofSeconds(60));
        assertThat(state.failed(A, "429", true, 3, later)).isTrue();

        assertThat(state.failed(A, "429 again", true, 3, in(Duration.ofSeconds(10))))
                .as("still cooling, on the later deadline")
                .isTrue();
        assertThat(stats(A).cooledUntil()).isEqualTo(later);

        Instant evenLater = in(Duration.ofSeconds(90));
        state.failed(A, "429 once more", true, 3, evenLater);
        assertThat(stats(A).cooledUntil()).isEqualTo(evenLater);
        assertThat(stats(A).lastError()).isEqualTo("429 once more");
    }

    @Test
    void aDeploymentCoolsAfterAllowedFailsWithinAMinute() {
        Instant until = in(Duration.ofSeconds(5));

        assertThat(state.failed(A, "502", false, 3, until)).isFalse();
        clock.advance(Duration.ofSeconds(10));
        assertThat(state.failed(A, "503", false, 3, until)).isFalse();
        assertThat(stats(A).cooledUntil()).isNull();
        assertThat(stats(A).lastError()).isEqualTo("503");

        until = in(Duration.ofSeconds(5));
        assertThat(state.failed(A, "timeout", false, 3, until)).isTrue();
        assertThat(stats(A).cooledUntil()).isEqualTo(until);
        assertThat(stats(B).cooledUntil()).as("other deployments untouched").isNull();
    }

    @Test
    void failuresOlderThanAMinuteNoLongerCount() {
        state.failed(A, "1", false, 3, in(Duration.ofSeconds(5)));
        clock.advance(Duration.ofSeconds(30));
        state.failed(A, "2", false, 3, in(Duration.ofSeconds(5)));
        clock.advance(Duration.ofSeconds(30)); // the first is exactly a minute old: out of the window

        assertThat(state.failed(A, "3", false, 3, in(Duration.ofSeconds(5)))).isFalse();
        assertThat(stats(A).cooledUntil()).isNull();

        clock.advance(Duration.ofSeconds(1));
        assertThat(state.failed(A, "4", false, 3, in(Duration.ofSeconds(5)))).isTrue();
    }

    @Test
    void aFailureThatMustCoolCoolsAtOnce() {
        Instant until = in(Duration.ofSeconds(20));

        assertThat(state.failed(A, "401 from upstream", true, 3, until)).isTrue();
        assertThat(stats(A).cooledUntil()).isEqualTo(until);
    }

    @Test
    void clearingACooldownByHandStartsTheFailureCountAfresh() {
        state.failed(A, "1", false, 3, in(Duration.ofSeconds(5)));
        state.failed(A, "2", false, 3, in(Duration.ofSeconds(5)));
        state.setCooldown(A, null, null);

        assertThat(state.failed(A, "3", false, 3, in(Duration.ofSeconds(5)))).isFalse();
    }

    @Test
    void aFailureWithoutADeadlineIsRecordedButNeverCools() {
        assertThat(state.failed(A, "429", true, 1, null)).isFalse();

        assertThat(stats(A).cooledUntil()).isNull();
        assertThat(stats(A).lastError()).isEqualTo("429");
    }

    @Test
    void leasesCountInFlightUntilFinishedAndASecondFinishIsIgnored() {
        Lease first = state.start(A, 10);
        Lease second = state.start(A, 10);
        Lease other = state.start(B, 10);

        assertThat(stats(A).inFlight()).isEqualTo(2);
        assertThat(stats(B).inFlight()).isEqualTo(1);

        first.finish(Duration.ofMillis(100), -1);
        first.finish(Duration.ofMillis(100), -1);
        assertThat(stats(A).inFlight()).isEqualTo(1);

        second.finish(Duration.ofMillis(100), -1);
        other.finish(Duration.ofMillis(100), -1);
        assertThat(state.stats(List.of(A, B)).values())
                .allSatisfy(s -> assertThat(s.inFlight()).isZero());
    }

    @Test
    void aRequestCountsAtPickTimeAndIsCorrectedOnCompletion() {
        Lease first = state.start(A, 100);
        Lease second = state.start(A, 50);
        assertThat(stats(A).minuteRequests()).isEqualTo(2);
        assertThat(stats(A).minuteTokens()).isEqualTo(150);

        first.finish(Duration.ofMillis(100), 130);
        assertThat(stats(A).minuteTokens()).isEqualTo(180);

        second.finish(Duration.ofMillis(100), -1);
        assertThat(stats(A).minuteTokens()).as("-1 keeps the estimate").isEqualTo(180);
        assertThat(stats(A).minuteRequests()).isEqualTo(2);
    }

    @Test
    void usageCountsInTheCurrentWallClockMinuteOnly() {
        Lease lease = state.start(A, 100);
        clock.advance(Duration.ofSeconds(50)); // 12:01:00, a new minute

        assertThat(stats(A).minuteRequests()).isZero();
        assertThat(stats(A).minuteTokens()).isZero();

        lease.finish(Duration.ofMillis(100), 500);
        assertThat(stats(A).minuteTokens())
                .as("a late correction stays in its own minute")
                .isZero();

        state.start(A, 7);
        assertThat(stats(A).minuteRequests()).isEqualTo(1);
        assertThat(stats(A).minuteTokens()).isEqualTo(7);
    }

    @Test
    void latencyIsAMovingAverageOfFinishedRequests() {
        state.start(A, 1).finish(Duration.ofMillis(100), -1);
        assertThat(stats(A).latencyMillis()).isCloseTo(100, within(1e-9));
        assertThat(stats(A).tried()).isTrue();

        state.start(A, 1).finish(Duration.ofMillis(200), -1);
        assertThat(stats(A).latencyMillis()).isCloseTo(100 + 0.3 * (200 - 100), within(1e-9));

        state.start(A, 1).finish(null, -1);
        assertThat(stats(A).latencyMillis()).as("no latency, no change").isCloseTo(130, within(1e-9));
    }

    @Test
    void statsReadSeveralDeploymentsAtOnce() {
        Instant until = in(Duration.ofSeconds(30));
        state.setCooldown(A, until, "by hand");
        state.start(B, 40).finish(Duration.ofMillis(250), 60);
        state.start(B, 5);
        state.failed(C, "503", false, 3, until);

        Map<String, DeploymentStats> stats = state.stats(List.of(A, B, C, "mock/never"));

        assertThat(stats.get(A)).isEqualTo(new DeploymentStats(until, "by hand", Double.NaN, 0, 0, 0));
        assertThat(stats.get(B)).isEqualTo(new DeploymentStats(null, null, 250.0, 1, 2, 65));
        assertThat(stats.get(C)).isEqualTo(new DeploymentStats(null, "503", Double.NaN, 0, 0, 0));
        assertThat(stats.get("mock/never")).isEqualTo(DeploymentStats.FRESH);
    }
}
