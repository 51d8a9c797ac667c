package io.llmux.routing.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a replica adds to Redis's counts for the starts and finishes it holds back, and when it cannot tell. */
class HeldBackTest {
    private static final String A = "openai/gpt-4o";
    private static final long MINUTE = 29_000_000;
    private static final DeploymentStats REDIS = new DeploymentStats(null, "503", 80.0, 5, 7, 700);

    private final HeldBack heldBack = new HeldBack();

    private static LeaseEvent start(String member, long minute, long estimate) {
        return LeaseEvent.started(A, member, minute, estimate);
    }

    private static LeaseEvent finish(String member, long minute, long correction) {
        return LeaseEvent.finished(A, member, minute, correction, 40.0);
    }

    private DeploymentStats read(long minute) {
        return heldBack.seen(minute).over(REDIS);
    }

    @Test
    void heldBackStartsAndFinishesAddToWhatRedisSays() {
        heldBack.hold(start("r:1", MINUTE, 100));
        heldBack.hold(start("r:2", MINUTE, 100));
        heldBack.hold(finish("r:1", MINUTE, 30));

        assertThat(read(MINUTE)).isEqualTo(new DeploymentStats(null, "503", 80.0, 5 + 2 - 1, 7 + 2, 700 + 200 + 30));
    }

    @Test
    void onceSentTheyAreTakenOffForRedisCountsThemNow() {
        List<LeaseEvent> batch =
                List.of(start("r:1", MINUTE, 100), finish("r:1", MINUTE, -20), start("r:2", MINUTE, 50));
        batch.forEach(heldBack::hold);

        heldBack.sending();
        heldBack.sent(batch);

        assertThat(heldBack.seen(MINUTE).settled()).isTrue();
        assertThat(read(MINUTE)).isEqualTo(REDIS);
    }

    @Test
    void aReadWhileABatchIsOnItsWayCountsTheStartsButNotTheFinishes() {
        LeaseEvent started = start("r:1", MINUTE, 100);
        LeaseEvent finished = finish("r:0", MINUTE, 30); // its start already in Redis
        heldBack.hold(started);
        heldBack.hold(finished);

        heldBack.sending();
        HeldBack.Seen during = heldBack.seen(MINUTE);

        assertThat(during.settled()).isFalse();
        assertThat(during.over(REDIS))
                .as("Redis may or may not have them: the start counts, the finish waits")
                .isEqualTo(new DeploymentStats(null, "503", 80.0, 5 + 1, 7 + 1, 700 + 100));
        heldBack.sent(List.of(started, finished));
        assertThat(during.settled()).isFalse();
    }

    @Test
    void aReadThatABatchWasSentDuringIsNotSettled() {
        LeaseEvent started = start("r:1", MINUTE, 100);
        heldBack.hold(started);
        HeldBack.Seen before = heldBack.seen(MINUTE);
        assertThat(before.settled()).isTrue();

        heldBack.sending();
        heldBack.sent(List.of(started));

        assertThat(before.settled())
                .as("Redis, read after this was seen, may count the start too")
                .isFalse();
    }

    @Test
    void usageCountsInTheMinuteTheRequestStartedIn() {
        LeaseEvent early = start("r:1", MINUTE, 100);
        heldBack.hold(early);
        heldBack.hold(start("r:2", MINUTE + 1, 7));

        assertThat(read(MINUTE + 1))
                .as("both in flight, the second in this minute")
                .isEqualTo(new DeploymentStats(null, "503", 80.0, 5 + 2, 7 + 1, 700 + 7));
        assertThat(read(MINUTE + 2)).isEqualTo(new DeploymentStats(null, "503", 80.0, 5 + 2, 7, 700));
    }

    @Test
    void anEventSentAfterItsMinutesSlotMovedOnTakesNothingFromTheNewMinute() {
        LeaseEvent early = start("r:1", MINUTE, 100);
        heldBack.hold(early);
        heldBack.hold(start("r:2", MINUTE + 2, 7)); // the same slot, two minutes on

        heldBack.sending();
        heldBack.sent(List.of(early));

        assertThat(read(MINUTE + 2)).isEqualTo(new DeploymentStats(null, "503", 80.0, 5 + 1, 7 + 1, 700 + 7));
    }

    @Test
    void aFinishWhoseStartWasLostNeverReadsBelowNothingInFlight() {
        heldBack.hold(finish("r:1", MINUTE, 0));

        DeploymentStats idle = new DeploymentStats(null, null, Double.NaN, 0, 0, 0);
        assertThat(heldBack.seen(MINUTE).over(idle).inFlight()).isZero();
    }

    @Test
    void aDeploymentWithNothingHeldBackReadsAsRedisSays() {
        assertThat(HeldBack.Seen.NOTHING.over(REDIS)).isSameAs(REDIS);
    }
}
