package io.llmux.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.llmux.ratelimit.Limit.Kind;
import io.llmux.testing.TestClock;
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
 * What every {@link RateLimiter} does (SPEC §9, window of {@link Window}), run against each implementation by a
 * subclass. Time is a test clock moved by hand. Redis reads its own TIME, shifted by how far the clock has been
 * moved, so real time also passes there: assertions keep clear of second boundaries (a request counts for between
 * 59 and 60 s, so tests look at +30 s and +61 s, never at +59.5 s).
 */
abstract class RateLimiterContract {
    protected final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:00Z"));
    protected RateLimiter limiter;

    protected abstract RateLimiter create(TestClock clock);

    /** Removes what a test left behind. */
    protected void cleanUp() {}

    @BeforeEach
    void open() {
        limiter = create(clock);
    }

    @AfterEach
    void close() {
        cleanUp();
    }

    static Limit key(Kind kind, long value) {
        return new Limit("key 'alice'", "k1", kind, value);
    }

    static Limit team(Kind kind, long value) {
        return new Limit("team 'eng'", "t1", kind, value);
    }

    RateLimited refusal(List<Limit> limits, long tokens) {
        return catchThrowableOfType(RateLimited.class, () -> limiter.admit(limits, tokens));
    }

    @Test
    void anRpmLimitAdmitsExactlyItsValueThenRefusesNamingIt() throws Exception {
        Limit rpm = key(Kind.RPM, 3);
        for (int i = 0; i < 3; i++) {
            limiter.admit(List.of(rpm), 0);
        }

        RateLimited refused = refusal(List.of(rpm), 0);

        assertThat(refused.limit()).isEqualTo(rpm);
        assertThat(refused.getMessage()).isEqualTo("key 'alice' reached its rpm limit of 3 requests per minute");
        assertThat(refused.remaining()).isZero();
        assertThat(refused.retryAfter()).isBetween(Duration.ofSeconds(58), Duration.ofSeconds(60));
        assertThat(refused.reset()).isBetween(Duration.ofSeconds(58), Duration.ofSeconds(60));
    }

    @Test
    void aTpmLimitTakesEstimatesUpToExactlyItsValue() throws Exception {
        Limit tpm = key(Kind.TPM, 100);
        Admission first = limiter.admit(List.of(tpm), 60);
        Admission fits = limiter.admit(List.of(tpm), 40);

        RateLimited refused = refusal(List.of(tpm), 1);

        assertThat(first.states().getFirst().remaining()).isEqualTo(40);
        assertThat(fits.states().getFirst().remaining()).isZero();
        assertThat(refused.getMessage()).isEqualTo("key 'alice' reached its tpm limit of 100 tokens per minute");
    }

    @Test
    void anAdmissionReportsRemainingAndResetPerLimit() throws Exception {
        Limit rpm = key(Kind.RPM, 5);
        Limit tpm = key(Kind.TPM, 1_000);
        Limit parallel = key(Kind.PARALLEL, 2);

        Admission a = limiter.admit(List.of(rpm, tpm, parallel), 100);

        assertThat(a.states()).extracting(Admission.State::limit).containsExactly(rpm, tpm, parallel);
        assertThat(a.states()).extracting(Admission.State::remaining).containsExactly(4L, 900L, 1L);
        assertThat(a.states().get(0).reset()).isBetween(Duration.ofSeconds(58), Duration.ofSeconds(60));
        assertThat(a.states().get(2).reset()).isZero();
    }

    @Test
    void theWindowSlidesRequestsLeaveItAMinuteAfterTheyCame() throws Exception {
        Limit rpm = key(Kind.RPM, 2);
        limiter.admit(List.of(rpm), 0);
        clock.advance(Duration.ofSeconds(30));
        limiter.admit(List.of(rpm), 0);
        RateLimited full = refusal(List.of(rpm), 0);
        assertThat(full.retryAfter())
                .as("until the first request leaves")
                .isBetween(Duration.ofSeconds(28), Duration.ofSeconds(30));

        clock.advance(Duration.ofSeconds(31));
        Admission again = limiter.admit(List.of(rpm), 0);

        assertThat(again.states().getFirst().remaining())
                .as("the one from 31 s ago still counts")
                .isZero();
        assertThat(refusal(List.of(rpm), 0)).isNotNull();
        clock.advance(Duration.ofSeconds(61));
        assertThat(limiter.admit(List.of(rpm), 0).states().getFirst().remaining())
                .isEqualTo(1);
    }

    @Test
    void settlingReplacesTheTokenEstimateWithTheRealCount() throws Exception {
        Limit tpm = key(Kind.TPM, 100);
        Admission over = limiter.admit(List.of(tpm), 80);
        limiter.settle(over, 30);
        assertThat(limiter.admit(List.of(tpm), 70).states().getFirst().remaining())
                .isZero();

        clock.advance(Duration.ofSeconds(61));
        Admission under = limiter.admit(List.of(tpm), 10);
        limiter.settle(under, 90);

        assertThat(refusal(List.of(tpm), 11).remaining()).isEqualTo(10);
        assertThat(limiter.admit(List.of(tpm), 10).states().getFirst().remaining())
                .isZero();
    }

    @Test
    void aSettleAfterTheRequestLeftTheWindowStillCountsItsExcessTokens() throws Exception {
        Limit tpm = key(Kind.TPM, 100);
        Admission longStream = limiter.admit(List.of(tpm), 10);
        clock.advance(Duration.ofSeconds(61));

        limiter.settle(longStream, 90);

        assertThat(refusal(List.of(tpm), 21).remaining())
                .as("80 over the estimate, counted now")
                .isEqualTo(20);
        Admission shortAfterAll = limiter.admit(List.of(tpm), 20);
        clock.advance(Duration.ofSeconds(61));
        limiter.settle(shortAfterAll, 0);
        assertThat(limiter.admit(List.of(tpm), 100).states().getFirst().remaining())
                .as("a shortfall after the window changes nothing")
                .isZero();
    }

    @Test
    void anEstimateLargerThanTheTpmLimitNeverFits() throws Exception {
        RateLimited refused = refusal(List.of(key(Kind.TPM, 100)), 101);

        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(60));
        assertThat(refused.remaining()).isEqualTo(100);
    }

    @Test
    void aParallelSlotIsReleasedOnSettle() throws Exception {
        Limit parallel = key(Kind.PARALLEL, 2);
        Admission a = limiter.admit(List.of(parallel), 0);
        limiter.admit(List.of(parallel), 0);

        RateLimited full = refusal(List.of(parallel), 0);
        assertThat(full.getMessage()).isEqualTo("key 'alice' reached its parallel limit of 2 parallel requests");
        assertThat(full.retryAfter()).isEqualTo(Window.PARALLEL_RETRY);
        limiter.settle(a, 0);

        assertThat(limiter.admit(List.of(parallel), 0).states().getFirst().remaining())
                .isZero();
    }

    @Test
    void anUnsettledParallelSlotLapsesAfterItsLease() throws Exception {
        Limit parallel = key(Kind.PARALLEL, 1);
        limiter.admit(List.of(parallel), 0); // never settled: its replica died
        clock.advance(Window.LEASE_TTL.minusSeconds(5));
        assertThat(refusal(List.of(parallel), 0)).isNotNull();

        clock.advance(Duration.ofSeconds(10));

        assertThat(limiter.admit(List.of(parallel), 0).states().getFirst().remaining())
                .isZero();
    }

    @Test
    void anAdmissionTakesEveryLimitOrNone() throws Exception {
        Limit keyRpm = key(Kind.RPM, 10);
        Limit keyTpm = key(Kind.TPM, 1_000);
        Limit keyParallel = key(Kind.PARALLEL, 1);
        Limit teamRpm = team(Kind.RPM, 1);
        limiter.admit(List.of(teamRpm), 0);

        RateLimited refused = refusal(List.of(keyRpm, keyTpm, keyParallel, teamRpm), 500);

        assertThat(refused.limit()).isEqualTo(teamRpm);
        assertThat(refused.getMessage()).startsWith("team 'eng' reached its rpm limit");
        Admission keyAlone = limiter.admit(List.of(keyRpm, keyTpm, keyParallel), 500);
        assertThat(keyAlone.states())
                .as("the refused request took nothing from the key's limits")
                .extracting(Admission.State::remaining)
                .containsExactly(9L, 500L, 0L);
    }

    @Test
    void refusedRequestsConsumeNothing() throws Exception {
        Limit tpm = key(Kind.TPM, 100);
        Limit rpm = key(Kind.RPM, 100);
        limiter.admit(List.of(tpm, rpm), 60);
        for (int i = 0; i < 5; i++) {
            assertThat(refusal(List.of(tpm, rpm), 50).limit()).isEqualTo(tpm);
        }

        Admission fits = limiter.admit(List.of(tpm, rpm), 40);

        assertThat(fits.states()).extracting(Admission.State::remaining).containsExactly(0L, 98L);
    }

    @Test
    void limitsOfDifferentKindsAndIdsCountApart() throws Exception {
        Limit keyRpm = key(Kind.RPM, 1);
        Limit otherKey = new Limit("key 'bob'", "k2", Kind.RPM, 1);
        Limit keyOnModel = new Limit("key 'alice' on model 'gpt-4o'", "k1#gpt-4o", Kind.RPM, 1);
        limiter.admit(List.of(keyRpm, key(Kind.TPM, 1)), 1);

        limiter.admit(List.of(otherKey, keyOnModel), 0);

        assertThat(refusal(List.of(keyOnModel), 0).getMessage())
                .isEqualTo("key 'alice' on model 'gpt-4o' reached its rpm limit of 1 requests per minute");
    }

    @Test
    void concurrentAdmissionsTakeExactlyTheLimit() throws Exception {
        assertThat(admitConcurrently(List.of(limiter), 100, List.of(key(Kind.RPM, 37)), 0))
                .isEqualTo(37);
    }

    /** Starts {@code requests} admissions at once, spread over the limiters; returns how many were admitted. */
    static int admitConcurrently(List<RateLimiter> limiters, int requests, List<Limit> limits, long tokens)
            throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < requests; i++) {
                RateLimiter one = limiters.get(i % limiters.size());
                outcomes.add(threads.submit(() -> {
                    start.await();
                    try {
                        one.admit(limits, tokens);
                        return true;
                    } catch (RateLimited e) {
                        return false;
                    }
                }));
            }
            start.countDown();
        }
        int admitted = 0;
        for (Future<Boolean> f : outcomes) {
            admitted += f.get() ? 1 : 0;
        }
        return admitted;
    }
}
