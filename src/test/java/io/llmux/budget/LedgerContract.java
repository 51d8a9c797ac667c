package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.llmux.budget.BudgetScope.Kind;
import io.llmux.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Ledger} does (SPEC §8 reserve-then-settle), run against each implementation by a subclass. Time
 * is a test clock that moves only by hand; amounts are in cents to keep the arithmetic readable.
 */
abstract class LedgerContract {
    static final long CENT = Nanos.PER_USD / 100;
    static final long DAY = Duration.ofDays(1).toMillis();

    protected final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:00Z"));
    protected Ledger ledger;

    /** A ledger whose reservations lapse after {@link Ledgers#RESERVATION_TTL}. */
    protected abstract Ledger create(Clock clock);

    /** Removes what a test left behind, after the ledger is closed. */
    protected void cleanUp() {}

    @BeforeEach
    void open() {
        ledger = create(clock);
    }

    @AfterEach
    void closeLedger() {
        ledger.close();
        cleanUp();
    }

    long inDays(int days) {
        return clock.millis() + days * DAY;
    }

    static BudgetScope scope(Kind kind, String id, long maxCents, long periodEnd, long baseCents) {
        return new BudgetScope(
                kind, id, id + "-label", maxCents < 0 ? -1 : maxCents * CENT, periodEnd, baseCents * CENT);
    }

    static BudgetScope key(long maxCents) {
        return scope(Kind.KEY, "k1", maxCents, 0, 0);
    }

    static BudgetScope user(long maxCents) {
        return scope(Kind.USER, "u1", maxCents, 0, 0);
    }

    static BudgetScope team(long maxCents, long baseCents) {
        return scope(Kind.TEAM, "t1", maxCents, 0, baseCents);
    }

    static BudgetScope org(long maxCents) {
        return scope(Kind.ORGANIZATION, "o1", maxCents, 0, 0);
    }

    /** Key k1's budget for one model group, as {@link BudgetScopes} names it. */
    static BudgetScope keyOnModel(String group, long maxCents) {
        return scope(Kind.KEY, "k1" + BudgetScopes.MODEL_SEPARATOR + group, maxCents, 0, 0)
                .withModel(group);
    }

    long cents(BudgetScope scope) {
        return ledger.spent(scope) / CENT;
    }

    @Test
    void aRefusalNamesTheScopeThatWouldPassAndReservesNothing() {
        BudgetScope key = key(100);
        BudgetScope team = team(50, 45);

        BudgetExceeded refused =
                catchThrowableOfType(BudgetExceeded.class, () -> ledger.reserve(List.of(key, team), 10 * CENT));

        assertThat(refused.scope()).isEqualTo(team);
        assertThat(refused.spentNanoUsd()).isEqualTo(45 * CENT);
        assertThat(refused.estimateNanoUsd()).isEqualTo(10 * CENT);
        assertThat(cents(key)).as("the key, which had room, holds nothing").isZero();
        assertThat(cents(team)).isEqualTo(45);
    }

    @Test
    void aReservationTakesAllFourScopesOrNone() throws BudgetExceeded {
        List<BudgetScope> tight = List.of(key(100), user(100), team(100, 0), org(5));
        assertThatThrownBy(() -> ledger.reserve(tight, 10 * CENT))
                .isInstanceOfSatisfying(
                        BudgetExceeded.class, e -> assertThat(e.scope().kind()).isEqualTo(Kind.ORGANIZATION));
        for (BudgetScope s : tight) {
            assertThat(cents(s)).as("%s after the refusal", s.kind()).isZero();
        }

        List<BudgetScope> roomy = List.of(key(100), user(100), team(100, 0), org(100));
        Reservation r = ledger.reserve(roomy, 10 * CENT);
        for (BudgetScope s : roomy) {
            assertThat(cents(s)).as("%s while in flight", s.kind()).isEqualTo(10);
        }
        ledger.settle(r, 7 * CENT);
        for (BudgetScope s : roomy) {
            assertThat(cents(s)).as("%s after settling", s.kind()).isEqualTo(7);
        }
    }

    @Test
    void aKeysBudgetForOneModelRefusesThatModelWhileTheKeyStillCallsOthersAndCountsAll() throws BudgetExceeded {
        BudgetScope key = key(100);
        BudgetScope gpt = keyOnModel("gpt-4o", 10);
        BudgetScope claude = keyOnModel("claude", 10);
        ledger.settle(ledger.reserve(List.of(key, gpt), 10 * CENT), 10 * CENT);

        BudgetExceeded refused =
                catchThrowableOfType(BudgetExceeded.class, () -> ledger.reserve(List.of(key, gpt), CENT));
        ledger.settle(ledger.reserve(List.of(key, claude), 4 * CENT), 4 * CENT);

        assertThat(refused.scope()).isEqualTo(gpt);
        assertThat(refused.scope().model()).isEqualTo("gpt-4o");
        assertThat(refused.spentNanoUsd()).isEqualTo(10 * CENT);
        assertThat(cents(key)).as("the key counts its spend on every model").isEqualTo(14);
        assertThat(cents(gpt)).isEqualTo(10);
        assertThat(cents(claude)).isEqualTo(4);
    }

    @Test
    void aReservationReportsWhatEachScopeHadBefore() throws BudgetExceeded {
        BudgetScope key = key(100);
        BudgetScope team = team(100, 30);
        ledger.settle(ledger.reserve(List.of(key), 5 * CENT), 5 * CENT);

        Reservation r = ledger.reserve(List.of(key, team), 10 * CENT);

        assertThat(r.estimateNanoUsd()).isEqualTo(10 * CENT);
        assertThat(r.spentBefore()).containsExactly(5 * CENT, 30 * CENT);
        assertThat(r.scopes()).containsExactly(key, team);
    }

    @Test
    void fiftyConcurrentRequestsOvershootABudgetByAtMostOneRequest() throws Exception {
        BudgetScope team = team(1_000, 100);
        long estimate = 70 * CENT;
        int requests = 50;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Reservation>> outcomes = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < requests; i++) {
                outcomes.add(threads.submit(() -> {
                    start.await();
                    try {
                        return ledger.reserve(List.of(key(-1), team), estimate);
                    } catch (BudgetExceeded e) {
                        assertThat(e.scope()).isEqualTo(team);
                        assertThat(e.spentNanoUsd())
                                .as("refused only once all room is taken")
                                .isEqualTo(940 * CENT);
                        return null;
                    }
                }));
            }
            start.countDown();
        }
        List<Reservation> admitted = new ArrayList<>();
        for (Future<Reservation> f : outcomes) {
            Reservation r = f.get(); // rethrows a failed assertion of a refused request
            if (r != null) {
                admitted.add(r);
            }
        }

        assertThat(admitted).hasSize((1_000 - 100) / 70); // 12
        assertThat(admitted.stream().map(r -> r.spentBefore().get(1) / CENT))
                .as("each reservation saw every one before it")
                .containsExactlyInAnyOrder(100L, 170L, 240L, 310L, 380L, 450L, 520L, 590L, 660L, 730L, 800L, 870L);

        long underestimate = 150 * CENT;
        for (int i = 0; i < admitted.size(); i++) {
            ledger.settle(admitted.get(i), i == 0 ? estimate + underestimate : estimate);
        }
        long spent = ledger.spent(team);
        assertThat(spent).isEqualTo(100 * CENT + admitted.size() * estimate + underestimate);
        assertThat(spent - 1_000 * CENT)
                .as("over budget by no more than the one request whose estimate was short")
                .isLessThanOrEqualTo(underestimate);
    }

    @Test
    void anExhaustedBudgetRefusesEvenAFreeRequest() throws BudgetExceeded {
        BudgetScope key = key(100);
        ledger.settle(ledger.reserve(List.of(key), 100 * CENT), 100 * CENT);

        assertThatThrownBy(() -> ledger.reserve(List.of(key), 0)).isInstanceOf(BudgetExceeded.class);
        assertThatThrownBy(() -> ledger.reserve(List.of(key), 1)).isInstanceOf(BudgetExceeded.class);
    }

    @Test
    void aReservationThatFitsExactlyIsTaken() throws BudgetExceeded {
        BudgetScope key = key(100);
        ledger.reserve(List.of(key), 60 * CENT);

        ledger.reserve(List.of(key), 40 * CENT);

        assertThat(cents(key)).isEqualTo(100);
    }

    @Test
    void aLaterPeriodEndStartsANewPeriodFromTheDatabasesSpend() throws BudgetExceeded {
        long first = inDays(10);
        BudgetScope before = scope(Kind.KEY, "k1", 100, first, 0);
        ledger.settle(ledger.reserve(List.of(before), 90 * CENT), 90 * CENT);
        assertThatThrownBy(() -> ledger.reserve(List.of(before), 20 * CENT)).isInstanceOf(BudgetExceeded.class);

        clock.set(Instant.ofEpochMilli(first + 1_000));
        BudgetScope after = scope(Kind.KEY, "k1", 100, first + 30 * DAY, 3);
        Reservation r = ledger.reserve(List.of(after), 20 * CENT);

        assertThat(r.spentBefore()).containsExactly(3 * CENT);
        assertThat(cents(after)).isEqualTo(23);
    }

    @Test
    void aStalePeriodEndFromBeforeAResetIsIgnored() throws BudgetExceeded {
        long resetAt = clock.millis() - 1_000; // the reset has happened: this replica's cache has not caught up
        BudgetScope fresh = scope(Kind.TEAM, "t1", 100, resetAt + 30 * DAY, 0);
        BudgetScope stale = scope(Kind.TEAM, "t1", 100, resetAt, 95);
        ledger.settle(ledger.reserve(List.of(fresh), 10 * CENT), 10 * CENT);

        Reservation r = ledger.reserve(List.of(stale), 50 * CENT);

        assertThat(r.spentBefore())
                .as("neither moved back to the old period nor raised by its spend")
                .containsExactly(10 * CENT);
        assertThat(cents(fresh)).isEqualTo(60);
    }

    @Test
    void theDatabasesSpendRaisesTheCounterButNeverLowersIt() throws BudgetExceeded {
        long end = inDays(10);
        ledger.settle(ledger.reserve(List.of(scope(Kind.USER, "u1", 100, end, 0)), 10 * CENT), 10 * CENT);

        BudgetScope otherReplicasSpent = scope(Kind.USER, "u1", 100, end, 60);
        assertThat(cents(otherReplicasSpent)).isEqualTo(60);
        assertThatThrownBy(() -> ledger.reserve(List.of(otherReplicasSpent), 50 * CENT))
                .isInstanceOf(BudgetExceeded.class);

        BudgetScope lagging = scope(Kind.USER, "u1", 100, end, 20);
        assertThat(cents(lagging)).isEqualTo(60);
        ledger.reserve(List.of(lagging), 40 * CENT);
        assertThat(cents(lagging)).isEqualTo(100);
    }

    @Test
    void aSettleAfterARolloverAddsOnlyItsCostToTheNewPeriod() throws BudgetExceeded {
        long first = inDays(1);
        BudgetScope old = scope(Kind.KEY, "k1", 100, first, 0);
        Reservation inFlight = ledger.reserve(List.of(old), 40 * CENT);

        clock.set(Instant.ofEpochMilli(first + 1_000));
        BudgetScope renewed = scope(Kind.KEY, "k1", 100, first + 30 * DAY, 0);
        Reservation next = ledger.reserve(List.of(renewed), 10 * CENT);
        assertThat(next.spentBefore())
                .as("the old period's reservation is gone")
                .containsExactly(0L);

        ledger.settle(inFlight, 45 * CENT);
        assertThat(cents(renewed))
                .as("its cost, and the new reservation untouched")
                .isEqualTo(55);
        ledger.settle(next, 10 * CENT);
        assertThat(cents(renewed)).isEqualTo(55);
    }

    @Test
    void aScopeWithoutABudgetIsTrackedAndNeverRefuses() throws BudgetExceeded {
        BudgetScope unlimited = key(-1);
        assertThat(unlimited.limited()).isFalse();

        Reservation r = ledger.reserve(List.of(unlimited), 1_000_000 * CENT);
        assertThat(cents(unlimited)).isEqualTo(1_000_000);
        ledger.settle(r, 3 * CENT);
        ledger.settle(ledger.reserve(List.of(unlimited), 0), 2 * CENT);

        assertThat(cents(unlimited)).isEqualTo(5);
    }

    @Test
    void addingOrRemovingABudgetDurationStartsANewPeriod() throws BudgetExceeded {
        BudgetScope undated = scope(Kind.TEAM, "t1", 100, 0, 0);
        ledger.settle(ledger.reserve(List.of(undated), 80 * CENT), 80 * CENT);

        BudgetScope monthly = scope(Kind.TEAM, "t1", 100, inDays(30), 5);
        assertThat(ledger.reserve(List.of(monthly), 10 * CENT).spentBefore()).containsExactly(5 * CENT);

        BudgetScope undatedAgain = scope(Kind.TEAM, "t1", 100, 0, 7);
        assertThat(ledger.reserve(List.of(undatedAgain), 10 * CENT).spentBefore())
                .containsExactly(7 * CENT);
    }

    @Test
    void anUnsettledReservationLapsesAndItsLateSettleAddsOnlyItsCost() throws BudgetExceeded {
        BudgetScope key = key(100);
        Reservation slow = ledger.reserve(List.of(key), 60 * CENT);
        assertThatThrownBy(() -> ledger.reserve(List.of(key), 60 * CENT)).isInstanceOf(BudgetExceeded.class);

        clock.advance(Ledgers.RESERVATION_TTL.plusSeconds(1));
        assertThat(cents(key)).isZero();
        Reservation next = ledger.reserve(List.of(key), 60 * CENT);

        ledger.settle(slow, 30 * CENT);
        assertThat(cents(key)).as("30 spent + 60 still reserved").isEqualTo(90);
        ledger.settle(next, 60 * CENT);
        assertThat(cents(key)).isEqualTo(90);
    }

    @Test
    void aScopeNeverSeenReadsAsTheDatabasesSpend() {
        assertThat(cents(team(100, 42))).isEqualTo(42);
    }

    @Test
    void largeAmountsStayExact() throws BudgetExceeded {
        long base = 4_000_000_000_000_123L; // $4M in nano-USD, near the 2^53 that Lua holds exactly
        BudgetScope org = new BudgetScope(Kind.ORGANIZATION, "o1", "big", -1, 0, base);

        Reservation r = ledger.reserve(List.of(org), 1);
        assertThat(ledger.spent(org)).isEqualTo(base + 1);
        ledger.settle(r, 7);

        assertThat(ledger.spent(org)).isEqualTo(base + 7);
    }
}
