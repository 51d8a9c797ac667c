package io.llmux.budget;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.RedisClient;

/**
 * Budget counters in Redis, shared by every replica (SPEC §8: "atomically: one Redis script"). Key layout:
 * {@link LedgerKeys}; scripts: {@link RedisLedgerScripts}. {@link #reserve}, {@link #settle} and {@link #spent} are
 * one script each, so one round trip.
 *
 * <p>A request's round trip is its reservation. Its settlement only replaces the estimate with the real cost, so it
 * can wait: held back, it is sent with every other settlement of the moment in one script by {@link #flush} (run
 * every {@link #FLUSH_EVERY} by {@link FallbackLedger}). Until then the estimate stands, which holds the budget more
 * tightly, never less: spend reads that much later, it is never overrun for it.
 *
 * <p>A reservation is a member of each scope's reservation set, scored by when it lapses, rather than an amount
 * added to a counter: a replica that dies between reserve and settle would otherwise hold its reservations against
 * the budget for good. Lapsed members are dropped by the next script that reads the scope. The lapse is long
 * ({@link Ledgers#RESERVATION_TTL}) because a stream has no overall time limit (SPEC §3); a stream that outlives it
 * only stops holding its estimate early, and its real cost still counts when it settles.
 *
 * <p>Times come from the injected clock, as in the routing state: a skew between replicas only moves a lapse by that
 * much, and tests move time by hand. Every method throws what Redis throws: {@link FallbackLedger} answers from local
 * counters then.
 */
final class RedisLedger implements Ledger {
    /** How long a settlement may wait to be sent with others. */
    static final Duration FLUSH_EVERY = Duration.ofMillis(50);

    /** Settlements per script call: bounds one call's time in Redis, which runs scripts one at a time. */
    static final int FLUSH_MAX = 500;

    private final RedisClient redis;
    private final Clock clock;
    private final LedgerKeys keys;
    private final long ttlMillis;
    /** Names this replica's reservations, so replicas never collide on a member. */
    private final String replica = Long.toHexString(new SecureRandom().nextLong());

    private final AtomicLong sequence = new AtomicLong();
    private final boolean deferSettlements;
    private final ConcurrentLinkedQueue<Settlement> settlements = new ConcurrentLinkedQueue<>();

    /**
     * A settlement held back: the reservation's keys (counter and reservations per scope) and the single
     * {@link RedisLedgerScripts#SETTLE}'s ARGV for them, made when it was settled (expiries count from then).
     */
    private record Settlement(List<String> keys, List<String> args) {}

    /**
     * @param redis closed with this ledger
     * @param deferSettlements hold settlements back for {@link #flush}; false settles each at once
     */
    RedisLedger(RedisClient redis, Clock clock, String keyPrefix, Duration reservationTtl, boolean deferSettlements) {
        this.redis = redis;
        this.clock = clock;
        this.keys = new LedgerKeys(keyPrefix);
        this.ttlMillis = reservationTtl.toMillis();
        this.deferSettlements = deferSettlements;
    }

    @Override
    public Reservation reserve(List<BudgetScope> scopes, long estimateNanoUsd) throws BudgetExceeded {
        long estimate = Math.max(0, estimateNanoUsd);
        String id = replica + ':' + sequence.incrementAndGet();
        if (scopes.isEmpty()) {
            return new Reservation(id, scopes, estimate, List.of());
        }
        long now = clock.millis();
        List<String> args = new ArrayList<>(4 + 4 * scopes.size());
        args.add(Long.toString(now));
        args.add(member(id, estimate));
        args.add(Long.toString(estimate));
        args.add(Long.toString(now + ttlMillis));
        for (BudgetScope scope : scopes) {
            args.add(Long.toString(scope.periodEndMillis()));
            args.add(Long.toString(scope.baseSpentNanoUsd()));
            args.add(Long.toString(scope.limited() ? scope.maxNanoUsd() : -1));
            args.add(Long.toString(Periods.expireAt(scope.periodEndMillis(), now)));
        }
        List<Long> reply = numbers(RedisLedgerScripts.RESERVE.run(redis, keysOf(scopes), args));
        int refused = reply.get(0).intValue();
        if (refused > 0) {
            throw new BudgetExceeded(scopes.get(refused - 1), reply.get(1), estimate);
        }
        return new Reservation(id, scopes, estimate, reply.subList(1, reply.size()));
    }

    @Override
    public void settle(Reservation reservation, long actualNanoUsd) {
        List<BudgetScope> scopes = reservation.scopes();
        if (scopes.isEmpty()) {
            return;
        }
        long now = clock.millis();
        List<String> args = new ArrayList<>(3 + scopes.size());
        args.add(member(reservation.id(), reservation.estimateNanoUsd()));
        args.add(Long.toString(reservation.estimateNanoUsd()));
        args.add(Long.toString(Math.max(0, actualNanoUsd)));
        for (BudgetScope scope : scopes) {
            args.add(Long.toString(Periods.expireAt(scope.periodEndMillis(), now)));
        }
        if (deferSettlements) {
            settlements.add(new Settlement(keysOf(scopes), args));
            return;
        }
        RedisLedgerScripts.SETTLE.run(redis, keysOf(scopes), args);
    }

    /**
     * Sends the settlements held back, in one script call per {@value #FLUSH_MAX}, and says how many; none held back
     * asks Redis nothing. A call that fails loses its settlements (their reservations hold their estimates until they
     * lapse, as an unsettled one does; the costs reach the counters through the database's spend) and throws: a call
     * that timed out may have been applied, and a second would count its costs twice.
     */
    @Override
    public int flush() {
        int sent = 0;
        while (true) {
            List<String> names = new ArrayList<>();
            List<String> args = new ArrayList<>();
            int batch = 0;
            Settlement s;
            while (batch < FLUSH_MAX && (s = settlements.poll()) != null) {
                names.addAll(s.keys());
                args.add(Integer.toString(s.keys().size() / 2));
                args.addAll(s.args());
                batch++;
            }
            if (batch == 0) {
                return sent;
            }
            RedisLedgerScripts.SETTLE_MANY.run(redis, names, args);
            sent += batch;
        }
    }

    @Override
    public long spent(BudgetScope scope) {
        long now = clock.millis();
        Object reply = RedisLedgerScripts.SPENT.run(
                redis,
                List.of(keys.counter(scope), keys.reservations(scope)),
                List.of(
                        Long.toString(now),
                        Long.toString(scope.periodEndMillis()),
                        Long.toString(scope.baseSpentNanoUsd()),
                        Long.toString(Periods.expireAt(scope.periodEndMillis(), now))));
        return (Long) reply;
    }

    @Override
    public void close() {
        redis.close();
    }

    /** The amount rides in the member, so dropping a lapsed member knows what it releases without a lookup. */
    private static String member(String id, long estimate) {
        return id + ':' + estimate;
    }

    private List<String> keysOf(List<BudgetScope> scopes) {
        List<String> names = new ArrayList<>(2 * scopes.size());
        for (BudgetScope scope : scopes) {
            names.add(keys.counter(scope));
            names.add(keys.reservations(scope));
        }
        return names;
    }

    private static List<Long> numbers(Object reply) {
        List<?> items = (List<?>) reply;
        List<Long> numbers = new ArrayList<>(items.size());
        for (Object item : items) {
            numbers.add((Long) item);
        }
        return numbers;
    }
}
