package io.llmux.ratelimit;

import java.time.Duration;

/**
 * The sliding 60-second window of RPM and TPM limits, the same in {@link LocalRateLimiter} and
 * {@link RedisRateLimiter}: a sliding log kept in one-second buckets.
 *
 * <p>Exactly: a counter holds one bucket per epoch second (milliseconds since the epoch divided by 1000, rounded
 * down). A request admitted during second {@code s} adds 1 (RPM) or its token estimate (TPM) to bucket {@code s}.
 * At time {@code t} in second {@code S}, the window is buckets {@code S-59} to {@code S}: a request counts from its
 * admission until the start of second {@code s+60}, so between 59 and 60 seconds. A request is admitted when what the
 * window holds plus what it adds is at most the limit. Within a second the count is exact, never weighted or
 * interpolated; the only rounding is that a request leaves the window at the start of a second rather than exactly
 * 60 s after it came.
 *
 * <p>Settling replaces the estimate in bucket {@code s} with the real token count while {@code s} is in the window.
 * After that (an answer, a stream, that took a minute or more), an excess over the estimate is added to the current
 * second, so long streams still count their tokens, and a shortfall is dropped: the estimate has already left.
 */
final class Window {
    static final String DESCRIPTION = "sliding 60 s, kept in one-second buckets: a request counts until the start of"
            + " the 60th second after the one it was admitted in";

    static final int SECONDS = 60;
    static final long MILLIS = SECONDS * 1000L;

    /**
     * How long a parallel slot is held when its request is never settled (the replica holding it died). Longer than
     * any ordinary request; a stream that outlives it frees its slot early.
     */
    static final Duration LEASE_TTL = Duration.ofMinutes(10);

    /** What a parallel refusal tells the client: slots free when requests finish, which no one can foresee. */
    static final Duration PARALLEL_RETRY = Duration.ofSeconds(1);

    private Window() {}

    static long second(long millis) {
        return Math.floorDiv(millis, 1000);
    }

    /** The oldest second still in the window at {@code millis}. */
    static long first(long millis) {
        return second(millis) - (SECONDS - 1);
    }

    /** When bucket {@code second} leaves the window. */
    static long leavesAt(long second) {
        return (second + SECONDS) * 1000;
    }
}
