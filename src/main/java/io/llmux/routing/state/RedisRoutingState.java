package io.llmux.routing.state;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;

/**
 * Routing state in Redis, shared by every replica (SPEC §6). Key layout: {@link RedisKeys}. Round trips: a pick's
 * {@link #stats} is one pipeline for all candidates, and the only one a request's routing waits for; a lease's start
 * and finish are held back and sent with the others of the moment, one script per deployment per batch (or, with no
 * {@code flushEvery}, one script each, on the caller's thread); {@link #failed} is one script; {@link #setCooldown} is
 * one command (one pipeline to clear); the lease heartbeat is one pipeline per beat for all of this replica's requests
 * in flight. {@link #stats} adds this replica's held-back starts and finishes to what Redis says ({@link HeldBack}).
 *
 * <p>In-flight counts are leases ({@link RedisLeases}): a request is a member of its deployment's lease set, scored by
 * when it lapses, and only unlapsed members count. This replica's heartbeat pushes its members on; when the replica
 * dies they lapse within the lease TTL, with no one having to notice the death.
 *
 * <p>Times come from the injected clock on every replica, not from Redis {@code TIME}. Replicas' clocks agree to well
 * under a second, and a skew only moves a request near a minute's edge into the neighbouring minute or a lease's
 * lapse by that much; in return, tests move time by hand. (Rate limits, where a window's edge decides a 429, use
 * {@code TIME}: SPEC §9.)
 *
 * <p>Every method that asks Redis throws what Redis throws: {@link FallbackRoutingState} turns that into local
 * answers. A held-back batch that Redis refuses goes to {@code heartbeatFailed} instead, with no caller to throw to.
 */
final class RedisRoutingState implements RoutingState {
    private static final String[] DEPLOYMENT_FIELDS = {"until", "err", "lat"};
    private static final String[] MINUTE_FIELDS = {"req", "tok"};

    private final RedisClient redis;
    private final Clock clock;
    private final RedisKeys keys;
    private final RedisLeases leases;
    /** Names this replica's lease and failure members, so replicas never collide on one. */
    private final String replica = Long.toHexString(new SecureRandom().nextLong());

    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param leaseTtl how long a lease outlives its replica's last heartbeat (SPEC: within 30 s)
     * @param heartbeatEvery how often leases are pushed on, well under the TTL; null for none (tests beat by hand)
     * @param flushEvery how long a request's start or finish may be held back to go with others
     *     ({@link RedisLeases}); null sends each at once
     * @param heartbeatFailed told of each heartbeat (or batch of starts and finishes) that Redis refused
     */
    RedisRoutingState(
            RedisClient redis,
            Clock clock,
            String keyPrefix,
            Duration leaseTtl,
            Duration heartbeatEvery,
            Duration flushEvery,
            Consumer<RuntimeException> heartbeatFailed) {
        this.redis = redis;
        this.clock = clock;
        this.keys = new RedisKeys(keyPrefix);
        this.leases =
                new RedisLeases(redis, clock, keys, leaseTtl.toMillis(), heartbeatEvery, flushEvery, heartbeatFailed);
    }

    @Override
    public Map<String, DeploymentStats> stats(List<String> deploymentIds) {
        long now = clock.millis();
        long minute = LocalRoutingState.epochMinute(now);
        int n = deploymentIds.size();
        List<HeldBack.Seen> heldBack = new ArrayList<>(n); // before Redis is read: see HeldBack
        for (String id : deploymentIds) {
            heldBack.add(leases.seen(id, minute));
        }
        List<Response<List<String>>> fields = new ArrayList<>(n);
        List<Response<Long>> inFlight = new ArrayList<>(n);
        List<Response<List<String>>> usage = new ArrayList<>(n);
        try (Pipeline p = redis.pipelined()) {
            String from = Long.toString(now);
            for (String id : deploymentIds) {
                fields.add(p.hmget(keys.deployment(id), DEPLOYMENT_FIELDS));
                inFlight.add(p.zcount(keys.leases(id), from, "+inf"));
                usage.add(p.hmget(keys.minute(id, minute), MINUTE_FIELDS));
            }
            p.sync();
        }
        Map<String, DeploymentStats> stats = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) {
            List<String> f = fields.get(i).get();
            List<String> u = usage.get(i).get();
            long until = number(f.get(0));
            DeploymentStats inRedis = new DeploymentStats(
                    until > now ? Instant.ofEpochMilli(until) : null,
                    f.get(1) == null || f.get(1).isEmpty() ? null : f.get(1),
                    f.get(2) == null ? Double.NaN : Double.parseDouble(f.get(2)),
                    inFlight.get(i).get(),
                    number(u.get(0)),
                    number(u.get(1)));
            stats.put(deploymentIds.get(i), heldBack.get(i).over(inRedis));
        }
        return stats;
    }

    /** Held back (with {@code flushEvery}), asks Redis nothing and never throws. */
    @Override
    public Lease start(String deploymentId, long estimatedTokens) {
        return leases.start(deploymentId, replica + ':' + sequence.incrementAndGet(), Math.max(0, estimatedTokens));
    }

    @Override
    public boolean failed(String deploymentId, String error, boolean coolNow, int allowedFails, Instant until) {
        long now = clock.millis();
        Object cooled = RedisRoutingScripts.FAILED.run(
                redis,
                List.of(keys.deployment(deploymentId), keys.failures(deploymentId)),
                List.of(
                        Long.toString(now),
                        replica + ':' + sequence.incrementAndGet(),
                        error == null ? "" : error,
                        coolNow ? "1" : "0",
                        Integer.toString(allowedFails),
                        until == null ? "" : Long.toString(until.toEpochMilli()),
                        Long.toString(now - FailureWindow.WINDOW_MILLIS),
                        Long.toString(FailureWindow.WINDOW_MILLIS)));
        return Long.valueOf(1).equals(cooled);
    }

    @Override
    public void setCooldown(String deploymentId, Instant until, String reason) {
        String key = keys.deployment(deploymentId);
        if (until == null) {
            try (Pipeline p = redis.pipelined()) { // a cleared deployment starts its failure count afresh
                p.hdel(key, "until");
                p.del(keys.failures(deploymentId));
                p.sync();
            }
            return;
        }
        Map<String, String> fields = new HashMap<>();
        fields.put("until", Long.toString(until.toEpochMilli()));
        if (reason != null) {
            fields.put("err", reason);
        }
        redis.hset(key, fields);
    }

    /** Sends the starts and finishes held back now; the scheduled flush calls it, and tests do by hand. */
    void flush() {
        leases.flush();
    }

    /** Pushes this replica's leases on now; the scheduled heartbeat calls it, and tests do by hand. */
    void heartbeat() {
        leases.heartbeat();
    }

    @Override
    public String unreachable() {
        try {
            redis.ping();
            return null;
        } catch (RuntimeException e) {
            return "redis: " + e.getMessage();
        }
    }

    /** Stops the heartbeat, sends what is held back, gives back this replica's leases, then closes the connections. */
    @Override
    public void close() {
        leases.close();
        redis.close();
    }

    private static long number(String value) {
        return value == null ? 0 : Long.parseLong(value);
    }
}
