package io.llmux.routing;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th retry waits a random time between 0 and
 * {@code min(max, base × 2^(n−1))}, so clients that failed together do not retry together.
 */
final class Backoff {
    private Backoff() {}

    static Duration delay(int retry, Duration base, Duration max, RandomGenerator random) {
        if (retry <= 0 || base.isZero() || base.isNegative()) {
            return Duration.ZERO;
        }
        long baseNanos = base.toNanos();
        long cap = max.toNanos();
        long ceiling = retry >= 31 || baseNanos > (cap >> Math.min(retry - 1, 62)) ? cap : baseNanos << (retry - 1);
        ceiling = Math.min(ceiling, cap);
        return ceiling <= 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(ceiling + 1));
    }
}
