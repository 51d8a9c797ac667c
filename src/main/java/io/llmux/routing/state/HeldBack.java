package io.llmux.routing.state;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What this replica holds back for one deployment that Redis does not show yet: starts and finishes waiting for
 * {@link LeaseBatches#flush}. This replica's reads add it to Redis's counts, so its own picks see its own requests at
 * once, as if each event had been sent as it happened: a burst of picks on one replica sees each other. Counted before
 * an event is queued, taken off once its batch has been sent (or refused, which loses it).
 *
 * <p>A read cannot tell whether a batch on its way while Redis was read is in Redis's answer. {@link #version} is odd
 * while one is, so a read that saw it odd or moved is not {@linkplain Seen#settled settled}: it then counts the
 * held-back starts (one in that batch counts twice for that read) and leaves out the held-back finishes (one shows
 * that much later, as all finishes did before starts were held back too). Either way a deployment reads busier for
 * that moment, never idler.
 */
final class HeldBack {
    private final AtomicLong version = new AtomicLong();
    private final AtomicLong starts = new AtomicLong();
    private final AtomicLong finishes = new AtomicLong();
    // a batch may hold the end of one minute and the start of the next, and a read wants the current one's only;
    // per minute: starts' requests and estimates, finishes' token corrections
    private final MinuteSlots minutes = new MinuteSlots();

    /**
     * What a read saw held back for the current minute, before it asked Redis.
     *
     * @param of null for a deployment this replica holds nothing back for
     */
    record Seen(HeldBack of, long version, long starts, long finishes, long requests, long tokens, long corrections) {
        static final Seen NOTHING = new Seen(null, 0, 0, 0, 0, 0, 0);

        /** No batch of this deployment was on its way at any time between this and now. */
        boolean settled() {
            return of == null || ((version & 1) == 0 && of.version.get() == version);
        }

        /** Redis's counts, read after this was seen, with what was held back added. */
        DeploymentStats over(DeploymentStats redis) {
            if (of == null) {
                return redis;
            }
            boolean settled = settled();
            return new DeploymentStats(
                    redis.cooledUntil(),
                    redis.lastError(),
                    redis.latencyMillis(),
                    Math.max(0, redis.inFlight() + starts - (settled ? finishes : 0)),
                    redis.minuteRequests() + requests,
                    Math.max(0, redis.minuteTokens() + tokens + (settled ? corrections : 0)));
        }
    }

    /** Read before Redis is, the version first: see the class comment. */
    Seen seen(long minute) {
        long v = version.get();
        MinuteSlots.Slot m = minutes.peek(minute);
        boolean current = m.number == minute;
        return new Seen(
                this,
                v,
                starts.get(),
                finishes.get(),
                current ? m.requests.get() : 0,
                current ? m.tokens.get() : 0,
                current ? m.corrections.get() : 0);
    }

    /** An event is held back: counted before it is queued, so its batch never takes it off before it is on. */
    void hold(LeaseEvent event) {
        if (event.start()) {
            starts.incrementAndGet();
            MinuteSlots.Slot m = minutes.take(event.minute());
            m.requests.incrementAndGet();
            m.tokens.addAndGet(event.tokens());
            return;
        }
        finishes.incrementAndGet();
        MinuteSlots.Slot m = minutes.peek(event.minute());
        if (event.tokens() != 0 && m.number == event.minute()) { // an older minute is read by no one
            m.corrections.addAndGet(event.tokens());
        }
    }

    /** A batch of this deployment is on its way: reads from now until {@link #sent} cannot tell if it is in Redis. */
    void sending() {
        version.incrementAndGet();
    }

    /** The batch is in Redis, or lost: takes its events off. Called by the one flush at a time. */
    void sent(List<LeaseEvent> events) {
        for (LeaseEvent event : events) {
            MinuteSlots.Slot m = minutes.peek(event.minute());
            if (event.start()) {
                starts.decrementAndGet();
            } else {
                finishes.decrementAndGet();
            }
            synchronized (m) { // against a turn of the minute zeroing the slot between the check and the change
                if (m.number != event.minute()) {
                    continue; // the slot moved on and was zeroed: nothing of this event is left in it
                }
                if (event.start()) {
                    m.requests.decrementAndGet();
                    m.tokens.addAndGet(-event.tokens());
                } else if (event.tokens() != 0) {
                    m.corrections.addAndGet(-event.tokens());
                }
            }
        }
        version.incrementAndGet();
    }
}
