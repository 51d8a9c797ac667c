package io.llmux.redis;

import io.llmux.telemetry.Log;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a fallback to local state (routing state, budget counters) knows about Redis failing: how often it has (the metric), whether to warn (at most
 * once a minute, however many requests hit the failure), and whether to ask Redis at all right now. After a failure,
 * Redis is left alone for a second: a Redis that hangs would otherwise cost every request a full timeout per call.
 */
public final class RedisErrors {
    public static final long WARN_EVERY_MILLIS = 60_000;
    public static final long RETRY_AFTER_MILLIS = 1_000;

    private final Clock clock;
    private final Log log;
    private final String what;
    private final String whileDown;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong warnedAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile long retryAt = Long.MIN_VALUE;

    /** @param what what is shared through Redis, with its verb, for the log: "routing state is", "budget counters are" */
    public RedisErrors(Clock clock, Log log, String what) {
        this(clock, log, what, "this replica's own");
    }

    /** @param whileDown what {@code what} is until Redis answers again, when not "this replica's own" */
    public RedisErrors(Clock clock, Log log, String what, String whileDown) {
        this.clock = clock;
        this.log = log;
        this.what = what;
        this.whileDown = whileDown;
    }

    public long count() {
        return count.get();
    }

    /** False for a moment after a failure: the caller answers from local state without asking Redis. */
    public boolean worthTrying() {
        long at = retryAt;
        return at == Long.MIN_VALUE || clock.millis() >= at;
    }

    /** Redis answered: if it had been failing, say once that state is shared again. */
    public void answered() {
        if (down.get() && down.compareAndSet(true, false)) {
            log.info("redis answers again: " + what + " shared again", "redis_errors", count.get());
        }
    }

    public void failed(String call, RuntimeException e) {
        long n = count.incrementAndGet();
        long now = clock.millis();
        retryAt = now + RETRY_AFTER_MILLIS;
        down.set(true);
        long last = warnedAt.get();
        if ((last == Long.MIN_VALUE || now - last >= WARN_EVERY_MILLIS) && warnedAt.compareAndSet(last, now)) {
            log.warn(
                    "redis failed: " + what + " " + whileDown + " until it answers again",
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
    public static String describe(Throwable e) {
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
