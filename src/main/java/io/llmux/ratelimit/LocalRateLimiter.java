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
    /** Counters by kind, then by limit id: a map per kind spares each lookup a key built from both. */
    private final Map<String, Buckets> rpmWindows = new HashMap<>();

    private final Map<String, Buckets> tpmWindows = new HashMap<>();
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
        int n = limits.size();
        List<Admission.State> states = new ArrayList<>(n);
        // each limit's counter, looked up once: a window for rpm and tpm, slots for parallel
        Buckets[] windows = new Buckets[n];
        Leases[] leases = new Leases[n];
        String id;
        lock.lock();
        try {
            sweepIdle(now);
            for (int i = 0; i < n; i++) {
                Limit limit = limits.get(i);
                if (limit.kind() == Limit.Kind.PARALLEL) {
                    leases[i] = leases(limit);
                    states.add(check(limit, leases[i], now));
                } else {
                    windows[i] = window(limit);
                    states.add(check(limit, windows[i], estimate, now));
                }
            }
            id = idPrefix + ++sequence;
            for (int i = 0; i < n; i++) {
                switch (limits.get(i).kind()) {
                    case PARALLEL -> leases[i].open.put(id, now + leaseMillis);
                    case RPM -> windows[i].add(second, 1);
                    case TPM -> windows[i].add(second, estimate);
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
                        Leases l = slots.get(limit.id());
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

    /** A parallel limit's state once this request is in, or the refusal. Under the lock; takes nothing. */
    private static Admission.State check(Limit limit, Leases l, long now) throws RateLimited {
        l.lapse(now);
        long inFlight = l.open.size();
        if (inFlight + 1 > limit.value()) {
            throw new RateLimited(limit, Window.PARALLEL_RETRY, Math.max(0, limit.value() - inFlight), Duration.ZERO);
        }
        return new Admission.State(limit, limit.value() - inFlight - 1, Duration.ZERO);
    }

    /** An rpm or tpm limit's state once this request is in, or the refusal. Under the lock; takes nothing. */
    private static Admission.State check(Limit limit, Buckets w, long estimate, long now) throws RateLimited {
        long need = limit.kind() == Limit.Kind.RPM ? 1 : estimate;
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

    private Buckets window(Limit limit) {
        Map<String, Buckets> windows = limit.kind() == Limit.Kind.RPM ? rpmWindows : tpmWindows;
        return windows.computeIfAbsent(limit.id(), k -> new Buckets());
    }

    private Leases leases(Limit limit) {
        return slots.computeIfAbsent(limit.id(), k -> new Leases());
    }

    private void sweepIdle(long now) {
        if (now - sweptAt < SWEEP_EVERY_MILLIS) {
            return;
        }
        sweptAt = now;
        for (Map<String, Buckets> windows : List.of(rpmWindows, tpmWindows)) {
            windows.values().removeIf(w -> {
                w.slide(now);
                return w.isEmpty();
            });
        }
        slots.values().removeIf(l -> {
            l.lapse(now);
            return l.open.isEmpty();
        });
    }

    /**
     * One counter's window: the amount of each of its last {@link Window#SECONDS} epoch seconds, in a ring indexed by
     * the second (a slot holding an older second than the one that maps to it has left the window), and their sum.
     * Every admission slides and sums each of its counters, so both are kept cheap: the sum is kept as amounts come
     * and go, and a slide walks the ring only when the window's first second has moved since the last one, about
     * once a second for a busy counter.
     */
    private static final class Buckets {
        private static final long NONE = Long.MIN_VALUE;
        final long[] seconds = new long[Window.SECONDS];
        final long[] amounts = new long[Window.SECONDS];
        /** What the seconds held add up to: kept with every change to {@link #amounts}. */
        long sum;
        /** The first second of the window at the last slide: older seconds are gone. */
        long slidTo = NONE;

        Buckets() {
            Arrays.fill(seconds, NONE);
        }

        private static int slot(long second) {
            return (int) Math.floorMod(second, (long) Window.SECONDS);
        }

        void slide(long now) {
            long first = Window.first(now);
            if (first <= slidTo) {
                return; // the same window start, or the clock stepped back: nothing more has left
            }
            slidTo = first;
            for (int i = 0; i < seconds.length; i++) {
                if (seconds[i] != NONE && seconds[i] < first) {
                    seconds[i] = NONE;
                    sum -= amounts[i];
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
                // the slot's older second, if any, left the window at a slide before this second began
                sum -= seconds[i] == NONE ? 0 : amounts[i];
                seconds[i] = second;
                amounts[i] = amount;
            }
            sum += amount;
        }

        void correct(long second, long delta, long now) {
            slide(now);
            int i = slot(second);
            if (seconds[i] == second) {
                long corrected = Math.max(0, amounts[i] + delta);
                sum += corrected - amounts[i];
                amounts[i] = corrected;
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
