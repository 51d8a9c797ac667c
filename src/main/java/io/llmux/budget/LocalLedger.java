package io.llmux.budget;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Budget counters of this process alone (SPEC §8 without Redis). One lock guards every counter, so a reservation
 * checks and takes all of its scopes in one step; it is held for a few map operations, never for I/O. (A
 * {@code ReentrantLock} rather than {@code synchronized}: on Java 21 a virtual thread waiting on a monitor pins its
 * carrier.)
 *
 * <p>Each counter keeps its period's end, what was spent, and the reservations still open, in the order they were
 * made, which is the order they lapse in: sweeping lapsed ones reads only from the front.
 */
public final class LocalLedger implements Ledger {
    /** Idle counters are looked for at most this often: the sweep walks them all. */
    private static final long SWEEP_EVERY_MILLIS = 3_600_000;

    private final Clock clock;
    private final long ttlMillis;
    /** Tells this ledger's reservations from any other's ({@link #made}). */
    private final String idPrefix = "local-" + Long.toHexString(new SecureRandom().nextLong()) + ':';

    private final ReentrantLock lock = new ReentrantLock();
    /** Counters by kind, then by entity id: a map per kind spares each lookup a key built from both. */
    private final Map<BudgetScope.Kind, Map<String, Counter>> counters = new EnumMap<>(BudgetScope.Kind.class);

    private long sequence;
    private long sweptAt;

    public LocalLedger(Clock clock) {
        this(clock, Ledgers.RESERVATION_TTL);
    }

    /** @param reservationTtl how long an unsettled reservation counts */
    LocalLedger(Clock clock, Duration reservationTtl) {
        this.clock = clock;
        this.ttlMillis = reservationTtl.toMillis();
        this.sweptAt = clock.millis();
        for (BudgetScope.Kind kind : BudgetScope.Kind.values()) {
            counters.put(kind, new HashMap<>());
        }
    }

    @Override
    public Reservation reserve(List<BudgetScope> scopes, long estimateNanoUsd) throws BudgetExceeded {
        long estimate = Math.max(0, estimateNanoUsd);
        long now = clock.millis();
        int n = scopes.size();
        Counter[] taken = new Counter[n];
        Long[] before = new Long[n];
        String id;
        lock.lock();
        try {
            sweepIdle(now);
            for (int i = 0; i < n; i++) {
                BudgetScope scope = scopes.get(i);
                Counter c = current(scope, now);
                long used = c.spent + c.reserved;
                if (Periods.refuses(scope, used, estimate)) {
                    throw new BudgetExceeded(scope, used, estimate);
                }
                taken[i] = c;
                before[i] = used;
            }
            id = idPrefix + ++sequence;
            for (Counter c : taken) {
                if (c.open.putIfAbsent(id, new Hold(estimate, now + ttlMillis)) == null) { // a scope listed twice
                    c.reserved += estimate;
                }
            }
        } finally {
            lock.unlock();
        }
        return new Reservation(id, scopes, estimate, List.of(before));
    }

    @Override
    public void settle(Reservation reservation, long actualNanoUsd) {
        long actual = Math.max(0, actualNanoUsd);
        lock.lock();
        try {
            for (BudgetScope scope : reservation.scopes()) {
                Counter c = counters(scope).get(scope.id());
                if (c == null) {
                    continue; // forgotten after a long idle: the database has the cost from the spend log
                }
                Hold hold = c.open.remove(reservation.id());
                if (hold != null) { // else it lapsed, or a new period dropped it
                    c.reserved -= hold.amount;
                }
                c.spent += actual;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long spent(BudgetScope scope) {
        long now = clock.millis();
        lock.lock();
        try {
            if (!counters(scope).containsKey(scope.id())) {
                return scope.baseSpentNanoUsd(); // a read does not create a counter
            }
            Counter c = current(scope, now);
            return c.spent + c.reserved;
        } finally {
            lock.unlock();
        }
    }

    /** Whether this ledger made the reservation (so a fallback settles it here). */
    boolean made(Reservation reservation) {
        return reservation.id().startsWith(idPrefix);
    }

    @Override
    public void close() {}

    /** The scope's counter brought to its period, with lapsed reservations dropped. Under the lock. */
    private Counter current(BudgetScope scope, long now) {
        long end = scope.periodEndMillis();
        long base = scope.baseSpentNanoUsd();
        Map<String, Counter> ofKind = counters(scope);
        Counter c = ofKind.get(scope.id());
        if (c == null) {
            c = new Counter(end, base);
            ofKind.put(scope.id(), c);
        } else if (Periods.startsNewPeriod(end, c.periodEnd, now)) {
            c.periodEnd = end;
            c.spent = base;
            c.reserved = 0;
            c.open.clear(); // their settles add only their real cost, to this period
        } else {
            if (end == c.periodEnd && base > c.spent) {
                c.spent = base; // the database counts other replicas' spend too
            }
            c.lapse(now);
        }
        c.expireAt = Periods.expireAt(end, now);
        return c;
    }

    private void sweepIdle(long now) {
        if (now - sweptAt < SWEEP_EVERY_MILLIS) {
            return;
        }
        sweptAt = now;
        for (Map<String, Counter> ofKind : counters.values()) {
            ofKind.values().removeIf(c -> c.expireAt <= now);
        }
    }

    private Map<String, Counter> counters(BudgetScope scope) {
        return counters.get(scope.kind());
    }

    /** A reservation still open on a counter. */
    private record Hold(long amount, long lapseAt) {}

    private static final class Counter {
        long periodEnd;
        long spent;
        long reserved;
        long expireAt;
        final LinkedHashMap<String, Hold> open = new LinkedHashMap<>();

        Counter(long periodEnd, long spent) {
            this.periodEnd = periodEnd;
            this.spent = spent;
        }

        void lapse(long now) {
            Iterator<Hold> it = open.values().iterator();
            while (it.hasNext()) {
                Hold h = it.next();
                if (h.lapseAt > now) {
                    return;
                }
                reserved -= h.amount;
                it.remove();
            }
        }
    }
}
