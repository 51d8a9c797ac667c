package io.llmux.routing.state;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One deployment's routing state inside this process. Each figure is its own atomic, so the request path (start,
 * finish, read) takes no lock; only a failure and the turn of a minute do, and those hold this deployment alone.
 */
final class LocalDeployment {
    /**
     * Weight of the newest latency in the moving average: high enough that a deployment that slows down falls behind
     * within a handful of requests, low enough that one slow answer does not swing the pick.
     */
    static final double LATENCY_ALPHA = 0.3;

    private final AtomicReference<Instant> cooledUntil = new AtomicReference<>();
    private final FailureWindow failures = new FailureWindow();
    private final AtomicLong latencyBits = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
    private final AtomicLong inFlight = new AtomicLong();
    private final MinuteSlots minutes = new MinuteSlots();
    private volatile String lastError;

    DeploymentStats stats(long nowMillis) {
        Instant until = cooledUntil.get();
        if (until != null && until.toEpochMilli() <= nowMillis) {
            until = null;
        }
        long minute = LocalRoutingState.epochMinute(nowMillis);
        MinuteSlots.Slot m = minutes.peek(minute);
        boolean current = m.number == minute;
        return new DeploymentStats(
                until,
                lastError,
                Double.longBitsToDouble(latencyBits.get()),
                inFlight.get(),
                current ? m.requests.get() : 0,
                current ? m.tokens.get() : 0);
    }

    /** Counts a request in flight and in this minute's usage; returns the minute it was counted in. */
    long start(long nowMillis, long estimatedTokens) {
        inFlight.incrementAndGet();
        long minute = LocalRoutingState.epochMinute(nowMillis);
        MinuteSlots.Slot m = minutes.take(minute);
        m.requests.incrementAndGet();
        m.tokens.addAndGet(Math.max(0, estimatedTokens));
        return minute;
    }

    void finish(long minute, double latencyMillis, long tokenCorrection) {
        inFlight.decrementAndGet();
        if (tokenCorrection != 0) {
            MinuteSlots.Slot m = minutes.peek(minute);
            if (m.number == minute) { // a request that outlived its minute corrects nothing anyone still reads
                m.tokens.addAndGet(tokenCorrection);
            }
        }
        if (!Double.isNaN(latencyMillis)) {
            long seen;
            double next;
            do {
                seen = latencyBits.get();
                double average = Double.longBitsToDouble(seen);
                next = Double.isNaN(average) ? latencyMillis : average + LATENCY_ALPHA * (latencyMillis - average);
            } while (!latencyBits.compareAndSet(seen, Double.doubleToRawLongBits(next)));
        }
    }

    /** Records a failure; returns true when it cools the deployment (see {@link RoutingState#failed}). */
    boolean failed(long nowMillis, String error, boolean coolNow, int allowedFails, Instant until) {
        lastError = error;
        int recent = failures.record(nowMillis);
        if (until == null || !(coolNow || recent >= allowedFails)) {
            return false;
        }
        Instant deadline = cooledUntil.accumulateAndGet(until, LocalDeployment::later);
        return deadline.toEpochMilli() > nowMillis;
    }

    /** Sets the deadline as given, even earlier than the current one: a person decided. */
    void setCooldown(Instant until, String reason) {
        cooledUntil.set(until);
        if (until == null) {
            failures.clear();
        } else if (reason != null) {
            lastError = reason;
        }
    }

    private static Instant later(Instant current, Instant proposed) {
        return current == null || proposed.isAfter(current) ? proposed : current;
    }
}
