package io.llmux.ratelimit;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;

/**
 * Rate limit counters in Redis, shared by every replica (SPEC §9: limits hold across replicas). Window:
 * {@link Window}; keys: {@link RateLimitKeys}; scripts: {@link RedisRateLimiterScripts}. {@link #admit} and
 * {@link #settle} are one script each, so one round trip, and check-and-take is atomic: replicas together never admit
 * more than a limit.
 *
 * <p>A request's round trip is its admission; its settlement is held back. A token correction is sent with every
 * other correction of the moment in one script by {@link #flush} (run every {@link #FLUSH_EVERY} by
 * {@link FallbackRateLimiter}), so a tpm window shows real usage that much later. Freeing a parallel slot cannot wait
 * that long: a client that sends its next request the moment it has an answer must find its slot free, on any replica.
 * So {@link FallbackRateLimiter} sends a release at once ({@link #sendReleases}), before the answer's last byte. Until
 * Redis has confirmed it (the send failed), it also rides on each of this replica's admissions, ahead of the
 * admission in the same script, and the limiter's sender thread sends it again. Removing a slot twice is harmless.
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
    /** Parallel slots freed here that Redis has not confirmed yet. */
    private final Set<Release> releases = ConcurrentHashMap.newKeySet();

    /** A token correction held back: an admission's tpm counters, its second, actual minus estimated tokens. */
    private record Correction(List<String> keys, long second, long delta) {}

    /** A parallel slot to free: the limit's sorted set and the admission's member in it. */
    private record Release(String key, String member) {}

    /**
     * Releases carried by one admission at most: they are normally a handful (the sender confirms them within a round
     * trip), and a Redis that has been unreachable for a while must not turn the next admission into a bulk job.
     */
    static final int CARRY_MAX = 256;

    /** Releases kept unconfirmed at most, while Redis does not answer; beyond it a slot is left to its lease's lapse. */
    static final int RELEASES_MAX = 100_000;

    /** Releases per call of {@link #sendReleases}. */
    private static final int SEND_MAX = 1_000;

    /**
     * @param deferCorrections hold token corrections back for {@link #flush} and releases for {@link #sendReleases};
     *     false settles each at once
     */
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
        List<Release> carried = carried();
        List<String> names = keysOf(limits);
        List<String> args = new ArrayList<>(5 + 2 * limits.size() + carried.size());
        args.add(Long.toString(shiftMillis.getAsLong()));
        args.add(id);
        args.add(Long.toString(estimate));
        args.add(Long.toString(leaseMillis));
        args.add(Integer.toString(limits.size()));
        for (Limit limit : limits) {
            args.add(limit.kind().wire());
            args.add(Long.toString(limit.value()));
        }
        for (Release r : carried) {
            names.add(r.key());
            args.add(r.member());
        }
        List<?> reply = (List<?>) RedisRateLimiterScripts.ADMIT.run(redis, names, args);
        carried.forEach(releases::remove);
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
        boolean parallel = limits.stream().anyMatch(l -> l.kind() == Limit.Kind.PARALLEL);
        List<String> tpm = delta == 0 ? List.of() : tpmKeys(limits);
        if (!parallel && tpm.isEmpty()) {
            return false; // nothing to free or correct: no round trip
        }
        if (deferCorrections) {
            if (!tpm.isEmpty()) {
                corrections.add(new Correction(tpm, admission.second(), delta));
            }
            for (Limit limit : limits) {
                if (limit.kind() == Limit.Kind.PARALLEL && releases.size() < RELEASES_MAX) {
                    releases.add(new Release(keys.of(limit), admission.id()));
                }
            }
            return false;
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

    /** Whether slots freed here wait for {@link #sendReleases}. */
    boolean releasesPending() {
        return !releases.isEmpty();
    }

    /**
     * Sends the releases not yet confirmed, one pipeline per {@value #SEND_MAX}, and forgets those Redis confirmed. A
     * call that fails keeps them, to be sent again, and throws.
     *
     * @return how many were confirmed
     */
    public int sendReleases() {
        int sent = 0;
        while (!releases.isEmpty()) {
            List<Release> batch = new ArrayList<>(Math.min(SEND_MAX, releases.size()));
            for (Release r : releases) {
                if (batch.size() == SEND_MAX) {
                    break;
                }
                batch.add(r);
            }
            try (Pipeline p = redis.pipelined()) {
                for (Release r : batch) {
                    p.zrem(r.key(), r.member());
                }
                p.sync();
            }
            batch.forEach(releases::remove);
            sent += batch.size();
        }
        return sent;
    }

    private List<Release> carried() {
        if (releases.isEmpty()) {
            return List.of();
        }
        List<Release> carried = new ArrayList<>();
        for (Release r : releases) {
            if (carried.size() == CARRY_MAX) {
                break;
            }
            carried.add(r);
        }
        return carried;
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
