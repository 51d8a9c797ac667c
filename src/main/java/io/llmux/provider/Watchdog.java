package io.llmux.provider;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Idle timers and deadlines for upstream reads. {@code java.net.http} has no read timeout for a response body, so a
 * stalled body is ended by closing it from here. One sweeper thread checks every armed guard each tick: arming and
 * disarming are a set insert and remove, and {@link Guard#touch} is a volatile write, so a request pays no timer
 * scheduling and no thread wake-up. Expiry is detected within one tick ({@value #TICK_MILLIS} ms) of the deadline.
 */
public final class Watchdog implements AutoCloseable {
    static final long TICK_MILLIS = 20;

    private final Set<Guard> armed = ConcurrentHashMap.newKeySet();
    private final LongSupplier nanoClock;
    private final Thread sweeper;
    private volatile boolean closed;

    public Watchdog(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.sweeper = Thread.ofPlatform().daemon().name("llmux-watchdog").start(this::sweep);
    }

    public Watchdog() {
        this(System::nanoTime);
    }

    /** Runs {@code onExpire} once if {@link Guard#touch} is not called for {@code idle}. */
    public Guard watch(Duration idle, Runnable onExpire) {
        Guard guard = new Guard(idle.toNanos(), onExpire);
        armed.add(guard);
        return guard;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sweeper);
    }

    private void sweep() {
        while (!closed) {
            LockSupport.parkNanos(TICK_MILLIS * 1_000_000);
            long now = nanoClock.getAsLong();
            // a concurrent set's iterator tolerates removal; remove() decides the race with cancel()
            for (var it = armed.iterator(); it.hasNext(); ) {
                Guard g = it.next();
                if (now - g.deadline >= 0 && armed.remove(g)) {
                    g.fire();
                }
            }
        }
    }

    /** One armed timer. */
    public final class Guard {
        private final long idleNanos;
        private final Runnable onExpire;
        private volatile long deadline;
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
            armed.remove(this);
        }

        /** True when the timer fired. */
        public boolean expired() {
            return fired;
        }

        private void fire() {
            fired = true;
            try {
                onExpire.run();
            } catch (RuntimeException e) {
                // closing a stream that is already closed may complain; the timer's job is done either way
            }
        }
    }
}
