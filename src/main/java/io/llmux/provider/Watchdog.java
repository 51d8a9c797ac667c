package io.llmux.provider;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Idle timers for upstream reads. {@code java.net.http} has no read timeout for a response body, so a stalled
 * stream is ended by closing it from here. One scheduler thread serves every stream; {@link Guard#touch} is a
 * volatile write, so the per-chunk cost is nil.
 */
public final class Watchdog implements AutoCloseable {
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoClock;

    public Watchdog(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llmux-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    public Watchdog() {
        this(System::nanoTime);
    }

    /** Runs {@code onExpire} once if {@link Guard#touch} is not called for {@code idle}. */
    public Guard watch(Duration idle, Runnable onExpire) {
        Guard guard = new Guard(idle.toNanos(), onExpire);
        guard.schedule(idle.toNanos());
        return guard;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** One armed timer. */
    public final class Guard {
        private final long idleNanos;
        private final Runnable onExpire;
        private volatile long deadline;
        private volatile boolean done;
        private volatile boolean fired;

        Guard(long idleNanos, Runnable onExpire) {
            this.idleNanos = idleNanos;
            this.onExpire = onExpire;
            this.deadline = nanoClock.getAsLong() + idleNanos;
        }

        /** Activity: the idle time starts again. */
        public void touch() {
            deadline = nanoClock.getAsLong() + idleNanos;
        }

        /** Disarms the timer; {@code onExpire} will not run after this returns unless it already started. */
        public void cancel() {
            done = true;
        }

        /** True when the timer fired. */
        public boolean expired() {
            return fired;
        }

        private void schedule(long delayNanos) {
            if (scheduler.isShutdown()) {
                return;
            }
            // a guard that is cancelled early is simply skipped when its check runs; no future to keep
            var unused = scheduler.schedule(this::check, Math.max(delayNanos, 1_000_000), TimeUnit.NANOSECONDS);
        }

        private void check() {
            if (done) {
                return;
            }
            long left = deadline - nanoClock.getAsLong();
            if (left > 0) {
                schedule(left);
                return;
            }
            fired = true;
            done = true;
            onExpire.run();
        }
    }
}
