package io.llmux.ratelimit;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Rate limit counters of this process alone (SPEC §9 without Redis: "per process"). Window: {@link Window}. One lock
 * guards every counter, so an admission checks and takes all of its limits in one step; it is held for a few map
 * operations, never for I/O. (A {@code ReentrantLock}: on Java 21 a virtual thread waiting on a monitor pins its
 * carrier.)
 */
public final class LocalRateLimiter implements RateLimiter {
    /** Idle counters are looked for at most this often: the sweep walks them all. */
    private static final long SWEEP_EVERY_MILLIS = 60_000;

    private final Clock clock;
    private final long leaseMillis;
    /** Tells this limiter's admissions from any other's ({@link #made}). */
    private final String idPrefix = "local-" + Long.toHexString(new SecureRandom().nextLong()) + ':';

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Buckets> windows = new HashMap<>();
    private final Map<String, Leases> slots = new HashMap<>();
    private long sequence;
    private long sweptAt;

    public LocalRateLimiter(Clock clock) {
        this(clock, Window.LEASE_TTL);
    }

    /** @param leaseTtl how long an unsettled parallel slot is held */
    LocalRateLimiter(Clock clock, Duration leaseTtl) {
        this.clock = clock;
        this.leaseMillis = leaseTtl.toMillis();
        this.sweptAt = clock.millis();
    }

    @Override
    public Admission admit(List<Limit> limits, long estimatedTokens) throws RateLimited {
        long estimate = Math.max(0, estimatedTokens);
        long now = clock.millis();
        long second = Window.second(now);
        List<Admission.State> states = new ArrayList<>(limits.size());
        String id;
        lock.lock();
        try {
            sweepIdle(now);
            for (Limit limit : limits) {
                states.add(check(limit, estimate, now));
            }
            id = idPrefix + ++sequence;
            for (Limit limit : limits) {
                switch (limit.kind()) {
                    case PARALLEL -> leases(limit).open.put(id, now + leaseMillis);
                    case RPM -> window(limit).add(second, 1);
                    case TPM -> window(limit).add(second, estimate);
                }
            }
        } finally {
            lock.unlock();
        }
        return new Admission(id, limits, estimate, second, states);
    }

    @Override
    public void settle(Admission admission, long actualTokens) {
        long delta = Math.max(0, actualTokens) - admission.estimatedTokens();
        long now = clock.millis();
        lock.lock();
        try {
            for (Limit limit : admission.limits()) {
                switch (limit.kind()) {
                    case PARALLEL -> {
                        Leases l = slots.get(key(limit));
                        if (l != null) {
                            l.open.remove(admission.id());
                        }
                    }
                    case TPM -> window(limit).correct(admission.second(), delta, now);
                    case RPM -> {}
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether this limiter made the admission (so a fallback settles it here). */
    boolean made(Admission admission) {
        return admission.id().startsWith(idPrefix);
    }

    /** The limit's state once this request is in, or the refusal. Under the lock; takes nothing. */
    private Admission.State check(Limit limit, long estimate, long now) throws RateLimited {
        if (limit.kind() == Limit.Kind.PARALLEL) {
            Leases l = leases(limit);
            l.lapse(now);
            long inFlight = l.open.size();
            if (inFlight + 1 > limit.value()) {
                throw new RateLimited(
                        limit, Window.PARALLEL_RETRY, Math.max(0, limit.value() - inFlight), Duration.ZERO);
            }
            return new Admission.State(limit, limit.value() - inFlight - 1, Duration.ZERO);
        }
        long need = limit.kind() == Limit.Kind.RPM ? 1 : estimate;
        Buckets w = window(limit);
        w.slide(now);
        long used = w.sum();
        if (used + need > limit.value()) {
            long retryAt = w.fitsAt(used, need, limit.value(), now);
            throw new RateLimited(
                    limit,
                    Duration.ofMillis(retryAt - now),
                    Math.max(0, limit.value() - used),
                    Duration.ofMillis(w.emptyAt(now) - now));
        }
        long emptyAt = need > 0 ? Window.leavesAt(Window.second(now)) : w.emptyAt(now);
        return new Admission.State(limit, limit.value() - used - need, Duration.ofMillis(emptyAt - now));
    }

    private static String key(Limit limit) {
        return limit.kind().wire() + ':' + limit.id();
    }

    private Buckets window(Limit limit) {
        return windows.computeIfAbsent(key(limit), k -> new Buckets());
    }

    private Leases leases(Limit limit) {
        return slots.computeIfAbsent(key(limit), k -> new Leases());
    }

    private void sweepIdle(long now) {
        if (now - sweptAt < SWEEP_EVERY_MILLIS) {
            return;
        }
        sweptAt = now;
        windows.values().removeIf(w -> {
            w.slide(now);
            return w.isEmpty();
        });
        slots.values().removeIf(l -> {
            l.lapse(now);
            return l.open.isEmpty();
        });
    }

    /**
     * One counter's window: the amount of each of its last {@link Window#SECONDS} epoch seconds, in a ring indexed by
     * the second (a slot holding an older second than the one that maps to it has left the window). Arrays rather
     * than a sorted map: every admission slides and sums each of its counters, and this is on the request path.
     */
    private static final class Buckets {
        private static final long NONE = Long.MIN_VALUE;
        final long[] seconds = new long[Window.SECONDS];
        final long[] amounts = new long[Window.SECONDS];

        Buckets() {
            Arrays.fill(seconds, NONE);
        }

        private static int slot(long second) {
            return (int) Math.floorMod(second, (long) Window.SECONDS);
        }

        void slide(long now) {
            long first = Window.first(now);
            for (int i = 0; i < seconds.length; i++) {
                if (seconds[i] != NONE && seconds[i] < first) {
                    seconds[i] = NONE;
                    amounts[i] = 0;
                }
            }
        }

        boolean isEmpty() {
            for (long s : seconds) {
                if (s != NONE) {
                    return false;
                }
            }
            return true;
        }

        long sum() {
            long sum = 0;
            for (int i = 0; i < seconds.length; i++) {
                if (seconds[i] != NONE) {
                    sum += amounts[i];
                }
            }
            return sum;
        }

        void add(long second, long amount) {
            if (amount == 0) {
                return;
            }
            int i = slot(second);
            if (seconds[i] == second) {
                amounts[i] += amount;
            } else {
                seconds[i] = second;
                amounts[i] = amount;
            }
        }

        void correct(long second, long delta, long now) {
            slide(now);
            int i = slot(second);
            if (seconds[i] == second) {
                amounts[i] = Math.max(0, amounts[i] + delta);
            } else if (delta > 0) {
                add(Window.second(now), delta);
            }
        }

        /** When enough has left the window for {@code need} to fit; a whole window when it never fits. */
        long fitsAt(long used, long need, long max, long now) {
            long freed = 0;
            for (long second = Window.first(now); second <= Window.second(now); second++) {
                int i = slot(second);
                if (seconds[i] == second) {
                    freed += amounts[i];
                    if (used - freed + need <= max) {
                        return Window.leavesAt(second);
                    }
                }
            }
            return now + Window.MILLIS;
        }

        long emptyAt(long now) {
            long last = NONE;
            for (long s : seconds) {
                last = Math.max(last, s);
            }
            return last == NONE ? now : Window.leavesAt(last);
        }
    }

    /** One counter's parallel slots: admission id to when it lapses, in the order taken, which is the lapse order. */
    private static final class Leases {
        final LinkedHashMap<String, Long> open = new LinkedHashMap<>();

        /**
         * Drops the lapsed slots from the front and stops at the first live one: every admission checks this, and a
         * key with a hundred requests in flight would otherwise walk all of them each time. Every lease gets the same
         * TTL, so the order taken is the lapse order; after the wall clock steps back, a slot can lapse late by that
         * step, which only a slot never settled would notice.
         */
        void lapse(long now) {
            for (var it = open.values().iterator(); it.hasNext() && it.next() <= now; ) {
                it.remove();
            }
        }
    }
}
