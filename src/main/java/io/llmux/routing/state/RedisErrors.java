package io.llmux.routing.state;

import io.llmux.telemetry.Log;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link FallbackRoutingState} knows about Redis failing: how often it has (the metric), whether to warn (at most
 * once a minute, however many requests hit the failure), and whether to ask Redis at all right now. After a failure,
 * Redis is left alone for a second: a Redis that hangs would otherwise cost every request a full timeout per call.
 */
final class RedisErrors {
    static final long WARN_EVERY_MILLIS = 60_000;
    static final long RETRY_AFTER_MILLIS = 1_000;

    private final Clock clock;
    private final Log log;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong warnedAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile long retryAt = Long.MIN_VALUE;

    RedisErrors(Clock clock, Log log) {
        this.clock = clock;
        this.log = log;
    }

    long count() {
        return count.get();
    }

    /** False for a moment after a failure: the caller answers from local state without asking Redis. */
    boolean worthTrying() {
        long at = retryAt;
        return at == Long.MIN_VALUE || clock.millis() >= at;
    }

    /** Redis answered: if it had been failing, say once that state is shared again. */
    void answered() {
        if (down.get() && down.compareAndSet(true, false)) {
            log.info("redis answers again: routing state is shared", "redis_errors", count.get());
        }
    }

    void failed(String call, RuntimeException e) {
        long n = count.incrementAndGet();
        long now = clock.millis();
        retryAt = now + RETRY_AFTER_MILLIS;
        down.set(true);
        long last = warnedAt.get();
        if ((last == Long.MIN_VALUE || now - last >= WARN_EVERY_MILLIS) && warnedAt.compareAndSet(last, now)) {
            log.warn(
                    "redis failed: routing state is this replica's own until it answers again",
                    "call",
                    call,
                    "error",
                    describe(e),
                    "redis_errors",
                    n);
        }
    }

    /**
     * The exception and what lies under it, without a stack: "JedisConnectionException: …; ConnectException: …".
     * Jedis hangs the reason a connect failed on as a suppressed exception, not as the cause.
     */
    static String describe(Throwable e) {
        Throwable root = e;
        for (int depth = 0; depth < 10; depth++) { // bounded: a cause chain may loop
            Throwable under = root.getCause() != null
                    ? root.getCause()
                    : root.getSuppressed().length > 0 ? root.getSuppressed()[0] : null;
            if (under == null) {
                break;
            }
            root = under;
        }
        String top = e.getClass().getSimpleName() + ": " + e.getMessage();
        return root.equals(e) ? top : top + "; " + root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
