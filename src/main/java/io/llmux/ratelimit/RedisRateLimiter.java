package io.llmux.ratelimit;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import redis.clients.jedis.RedisClient;

/**
 * Rate limit counters in Redis, shared by every replica (SPEC §9: limits hold across replicas). Window:
 * {@link Window}; keys: {@link RateLimitKeys}; scripts: {@link RedisRateLimiterScripts}. {@link #admit} and
 * {@link #settle} are one script each, so one round trip, and check-and-take is atomic: replicas together never admit
 * more than a limit.
 *
 * <p>A request's round trip is its admission. Its settlement needs one only to free parallel slots; a token
 * correction alone is held back and sent with every other correction of the moment in one script by {@link #flush}
 * (run every {@link #FLUSH_EVERY} by {@link FallbackRateLimiter}), so a request costs one round trip, and a tpm window
 * shows real usage that much later.
 *
 * <p>A parallel slot is a lease, a member of the limit's sorted set scored by when it lapses, rather than a counter: a
 * replica that dies between admit and settle would otherwise hold its slots for good. Lapsed leases are dropped by
 * the next admission on that limit. Every method throws what Redis throws: {@link FallbackRateLimiter} decides then.
 * The client is the caller's, to close.
 */
public final class RedisRateLimiter implements RateLimiter {
    /** How long a token correction may wait to be sent with others. */
    static final Duration FLUSH_EVERY = Duration.ofMillis(50);

    /** Corrections per script call: bounds one call's time in Redis, which runs scripts one at a time. */
    private static final int FLUSH_MAX = 500;

    private final RedisClient redis;
    private final RateLimitKeys keys;
    private final long leaseMillis;
    /** Added to Redis TIME: 0 but in tests. */
    private final LongSupplier shiftMillis;
    /** Names this replica's admissions, so replicas never collide on a lease. */
    private final String replica = Long.toHexString(new SecureRandom().nextLong());

    private final AtomicLong sequence = new AtomicLong();
    private final boolean deferCorrections;
    private final ConcurrentLinkedQueue<Correction> corrections = new ConcurrentLinkedQueue<>();

    /** A token correction held back: an admission's tpm counters, its second, actual minus estimated tokens. */
    private record Correction(List<String> keys, long second, long delta) {}

    /** @param deferCorrections hold token corrections back for {@link #flush}; false settles each at once */
    public RedisRateLimiter(RedisClient redis, boolean deferCorrections) {
        this(redis, RateLimitKeys.DEFAULT_PREFIX, Window.LEASE_TTL, () -> 0, deferCorrections);
    }

    RedisRateLimiter(
            RedisClient redis,
            String keyPrefix,
            Duration leaseTtl,
            LongSupplier shiftMillis,
            boolean deferCorrections) {
        this.redis = redis;
        this.keys = new RateLimitKeys(keyPrefix);
        this.leaseMillis = leaseTtl.toMillis();
        this.shiftMillis = shiftMillis;
        this.deferCorrections = deferCorrections;
    }

    @Override
    public Admission admit(List<Limit> limits, long estimatedTokens) throws RateLimited {
        long estimate = Math.max(0, estimatedTokens);
        String id = replica + ':' + sequence.incrementAndGet();
        if (limits.isEmpty()) {
            return new Admission(id, limits, estimate, 0, List.of()); // nothing to count: no round trip
        }
        List<String> args = new ArrayList<>(4 + 2 * limits.size());
        args.add(Long.toString(shiftMillis.getAsLong()));
        args.add(id);
        args.add(Long.toString(estimate));
        args.add(Long.toString(leaseMillis));
        for (Limit limit : limits) {
            args.add(limit.kind().wire());
            args.add(Long.toString(limit.value()));
        }
        List<?> reply = (List<?>) RedisRateLimiterScripts.ADMIT.run(redis, keysOf(limits), args);
        int refused = number(reply, 0).intValue();
        long now = number(reply, 1);
        if (refused > 0) {
            throw new RateLimited(
                    limits.get(refused - 1),
                    Duration.ofMillis(number(reply, 4)),
                    number(reply, 2),
                    Duration.ofMillis(number(reply, 3)));
        }
        List<Admission.State> states = new ArrayList<>(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            states.add(new Admission.State(
                    limits.get(i), number(reply, 2 + 2 * i), Duration.ofMillis(number(reply, 3 + 2 * i))));
        }
        return new Admission(id, limits, estimate, Window.second(now), states);
    }

    @Override
    public void settle(Admission admission, long actualTokens) {
        send(admission, actualTokens);
    }

    /**
     * {@link #settle}, saying whether Redis was asked: a correction held back, or a settlement with nothing to do,
     * tells nothing about whether Redis answers.
     */
    boolean send(Admission admission, long actualTokens) {
        List<Limit> limits = admission.limits();
        long delta = Math.max(0, actualTokens) - admission.estimatedTokens();
        if (limits.stream().noneMatch(l -> l.kind() == Limit.Kind.PARALLEL)) {
            List<String> tpm = delta == 0 ? List.of() : tpmKeys(limits);
            if (tpm.isEmpty()) {
                return false; // nothing to free or correct: no round trip
            }
            if (deferCorrections) {
                corrections.add(new Correction(tpm, admission.second(), delta));
                return false;
            }
        }
        List<String> args = new ArrayList<>(4 + limits.size());
        args.add(Long.toString(shiftMillis.getAsLong()));
        args.add(admission.id());
        args.add(Long.toString(admission.second()));
        args.add(Long.toString(delta));
        for (Limit limit : limits) {
            args.add(limit.kind().wire());
        }
        RedisRateLimiterScripts.SETTLE.run(redis, keysOf(limits), args);
        return true;
    }

    /**
     * Sends the token corrections held back, in one script call per {@value #FLUSH_MAX}. A call that fails loses its
     * corrections (the estimates stand, as for an unsettled admission) and throws.
     *
     * @return how many corrections were sent
     */
    public int flush() {
        int sent = 0;
        while (!corrections.isEmpty()) {
            List<String> names = new ArrayList<>();
            List<String> args = new ArrayList<>();
            args.add(Long.toString(shiftMillis.getAsLong()));
            Correction c;
            for (int n = 0; n < FLUSH_MAX && (c = corrections.poll()) != null; n++) {
                names.addAll(c.keys());
                args.add(Long.toString(c.second()));
                args.add(Long.toString(c.delta()));
                args.add(Integer.toString(c.keys().size()));
                sent++;
            }
            RedisRateLimiterScripts.CORRECT.run(redis, names, args);
        }
        return sent;
    }

    private List<String> tpmKeys(List<Limit> limits) {
        List<String> names = new ArrayList<>(2);
        for (Limit limit : limits) {
            if (limit.kind() == Limit.Kind.TPM) {
                names.add(keys.of(limit));
            }
        }
        return names;
    }

    private List<String> keysOf(List<Limit> limits) {
        List<String> names = new ArrayList<>(limits.size());
        for (Limit limit : limits) {
            names.add(keys.of(limit));
        }
        return names;
    }

    private static Long number(List<?> reply, int i) {
        return (Long) reply.get(i);
    }
}
