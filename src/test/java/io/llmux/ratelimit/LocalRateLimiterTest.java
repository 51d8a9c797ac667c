package io.llmux.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.ratelimit.Limit.Kind;
import io.llmux.testing.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The limiter contract in-process, plus the window's exact edges, which only a hand-moved clock can reach. */
class LocalRateLimiterTest extends RateLimiterContract {
    @Override
    protected RateLimiter create(TestClock clock) {
        return new LocalRateLimiter(clock);
    }

    @Test
    void aRequestCountsUntilTheStartOfTheSixtiethSecondAfterItsOwn() throws Exception {
        Limit rpm = key(Kind.RPM, 1);
        clock.advance(Duration.ofMillis(999)); // late in second s
        limiter.admit(List.of(rpm), 0);

        clock.advance(Duration.ofMillis(59_000)); // 59.999 s into the window: still second s+59
        assertThat(refusal(List.of(rpm), 0).retryAfter()).isEqualTo(Duration.ofMillis(1));
        clock.advance(Duration.ofMillis(1)); // second s+60

        assertThat(limiter.admit(List.of(rpm), 0).states().getFirst().reset()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void retryAfterIsWhenEnoughTokensHaveLeftForTheEstimate() throws Exception {
        Limit tpm = key(Kind.TPM, 100);
        limiter.admit(List.of(tpm), 50);
        clock.advance(Duration.ofSeconds(10));
        limiter.admit(List.of(tpm), 30);
        clock.advance(Duration.ofSeconds(10));
        limiter.admit(List.of(tpm), 20);

        RateLimited refused = refusal(List.of(tpm), 60);

        assertThat(refused.retryAfter()).as("once the first two have left").isEqualTo(Duration.ofSeconds(50));
        assertThat(refused.reset()).as("once all have left").isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void aSecondTwoWindowsLaterStartsFromNothingThoughItTakesTheSameBucket() throws Exception {
        Limit tpm = key(Kind.TPM, 100);
        Admission old = limiter.admit(List.of(tpm), 90);
        clock.advance(Duration.ofSeconds(120)); // the same second of the minute, two windows on

        Admission fresh = limiter.admit(List.of(tpm), 90);
        assertThat(fresh.states().getFirst().remaining()).isEqualTo(10);
        limiter.settle(old, 0); // the old second left long ago: its shortfall must not come off the new one

        assertThat(refusal(List.of(tpm), 20).remaining()).isEqualTo(10);
    }

    @Test
    void unsettledSlotsLapseInTheOrderTakenWhateverWasSettledBetweenThem() throws Exception {
        Limit parallel = key(Kind.PARALLEL, 3);
        limiter.admit(List.of(parallel), 0); // never settled
        clock.advance(Duration.ofMinutes(1));
        Admission settled = limiter.admit(List.of(parallel), 0);
        clock.advance(Duration.ofMinutes(1));
        limiter.admit(List.of(parallel), 0); // never settled
        limiter.settle(settled, 0);

        clock.advance(Window.LEASE_TTL.minusMinutes(2).plusSeconds(1)); // the first has lapsed, the third not yet
        assertThat(limiter.admit(List.of(parallel), 0).states().getFirst().remaining())
                .as("the third slot and this one")
                .isEqualTo(1);

        clock.advance(Duration.ofMinutes(2)); // the third has lapsed too

        assertThat(limiter.admit(List.of(parallel), 0).states().getFirst().remaining())
                .as("the fourth slot and this one")
                .isEqualTo(1);
    }

    /**
     * The window keeps its sum as amounts come, are corrected and leave, and slides only when its first second
     * moves: over a long random run, what it reports must match the window recomputed from scratch each time.
     */
    @Test
    void keptSumsMatchTheWindowRecomputedFromItsSeconds() throws Exception {
        Limit rpm = key(Kind.RPM, 1_000_000);
        Limit tpm = key(Kind.TPM, 1_000_000_000);
        Map<Long, Long> requests = new TreeMap<>();
        Map<Long, Long> tokens = new TreeMap<>();
        List<Admission> open = new ArrayList<>();
        Random random = new Random(7);

        for (int step = 0; step < 5_000; step++) {
            int move = random.nextInt(100);
            clock.advance(Duration.ofMillis(
                    move < 3 ? 30_000 + random.nextInt(100_000) : move < 60 ? random.nextInt(400) : 0));
            long now = clock.millis();
            long second = Window.second(now);
            long first = Window.first(now);
            if (open.isEmpty() || random.nextInt(3) > 0) {
                long estimate = random.nextInt(4) == 0 ? 0 : random.nextInt(500);
                Admission a = limiter.admit(List.of(rpm, tpm), estimate);

                assertThat(a.states().get(0).remaining())
                        .as("step %d: requests left", step)
                        .isEqualTo(rpm.value() - inWindow(requests, first) - 1);
                assertThat(a.states().get(1).remaining())
                        .as("step %d: tokens left", step)
                        .isEqualTo(tpm.value() - inWindow(tokens, first) - estimate);
                requests.merge(second, 1L, Long::sum);
                if (estimate > 0) {
                    tokens.merge(second, estimate, Long::sum);
                }
                open.add(a);
            } else {
                Admission a = open.remove(random.nextInt(open.size()));
                long actual = random.nextInt(700);
                limiter.settle(a, actual);

                long delta = actual - a.estimatedTokens();
                if (a.second() >= first && tokens.containsKey(a.second())) {
                    tokens.put(a.second(), Math.max(0, tokens.get(a.second()) + delta));
                } else if (delta > 0) {
                    tokens.merge(second, delta, Long::sum);
                }
            }
        }
    }

    private static long inWindow(Map<Long, Long> amounts, long first) {
        long sum = 0;
        for (var e : amounts.entrySet()) {
            if (e.getKey() >= first) {
                sum += e.getValue();
            }
        }
        return sum;
    }
}
