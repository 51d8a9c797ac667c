package io.llmux.routing.state;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ZAddParams;

/**
 * This replica's requests in flight, as leases in Redis. One member per request rather than one counter per replica:
 * a finish that never reached Redis (it was down for a moment) costs one lease that lapses within the TTL, where a
 * lost decrement would skew a counter for the rest of the replica's life; and a second finish removes nothing.
 *
 * <p>With {@code finishEvery} set, a finish is held back and sent with the others of the moment, one script per
 * deployment every {@code finishEvery}: in-flight counts and latencies then show a finished request that much later,
 * which routing can bear, and a request costs Redis one script (its start) instead of two.
 *
 * <p>The heartbeat rewrites only members that still exist ({@code ZADD XX}), so it cannot revive a lease that a
 * finish removed while the beat was on its way.
 */
final class RedisLeases implements AutoCloseable {
    private final RedisClient redis;
    private final Clock clock;
    private final RedisKeys keys;
    private final long ttlMillis;
    private final Set<RedisLease> live = ConcurrentHashMap.newKeySet();
    private final Consumer<RuntimeException> heartbeatFailed;
    private final ScheduledExecutorService heartbeat;
    private final boolean deferFinishes;
    private final LeaseBatches batches;

    /**
     * @param heartbeatEvery null for none (tests beat by hand)
     * @param finishEvery how long a finish may be held back; null sends each at once
     */
    RedisLeases(
            RedisClient redis,
            Clock clock,
            RedisKeys keys,
            long ttlMillis,
            Duration heartbeatEvery,
            Duration finishEvery,
            Consumer<RuntimeException> heartbeatFailed) {
        this.redis = redis;
        this.clock = clock;
        this.keys = keys;
        this.ttlMillis = ttlMillis;
        this.heartbeatFailed = heartbeatFailed;
        this.deferFinishes = finishEvery != null;
        this.batches = new LeaseBatches(redis, clock, keys, ttlMillis);
        if (heartbeatEvery == null && finishEvery == null) {
            this.heartbeat = null;
            return;
        }
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("llmux-redis-leases").factory());
        // beat() and sendFinishes() catch what they throw, so the futures have nothing to report
        if (heartbeatEvery != null) {
            long every = heartbeatEvery.toMillis();
            ScheduledFuture<?> unused =
                    heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        }
        if (finishEvery != null) {
            long every = finishEvery.toMillis();
            ScheduledFuture<?> unused =
                    heartbeat.scheduleWithFixedDelay(this::sendFinishes, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Sends the finishes held back, one script per deployment; a failed script's finishes lapse with their leases. */
    void flushFinishes() {
        batches.flush();
    }

    private void sendFinishes() {
        try {
            flushFinishes();
        } catch (RuntimeException e) {
            heartbeatFailed.accept(e);
        }
    }

    RoutingState.Lease start(String deploymentId, String member, long estimatedTokens) {
        long now = clock.millis();
        RedisLease lease = new RedisLease(deploymentId, member, LocalRoutingState.epochMinute(now), estimatedTokens);
        live.add(lease);
        try {
            batches.sendNow(LeaseEvent.started(deploymentId, member, lease.minute, estimatedTokens));
        } catch (RuntimeException e) {
            live.remove(lease); // if Redis did take it, it lapses: nothing beats for it any more
            throw e;
        }
        return lease;
    }

    /** Pushes every live lease's lapse to now + TTL, one pipeline for all of them. */
    void heartbeat() {
        if (live.isEmpty()) {
            return;
        }
        double lapse = clock.millis() + ttlMillis;
        Map<String, Map<String, Double>> byKey = new HashMap<>();
        for (RedisLease lease : live) {
            byKey.computeIfAbsent(keys.leases(lease.deploymentId), k -> new HashMap<>())
                    .put(lease.member, lapse);
        }
        try (Pipeline p = redis.pipelined()) {
            ZAddParams existingOnly = ZAddParams.zAddParams().xx();
            byKey.forEach((key, members) -> {
                p.zadd(key, members, existingOnly);
                p.pexpire(key, 2 * ttlMillis);
            });
            p.sync();
        }
    }

    private void beat() {
        try {
            heartbeat();
        } catch (RuntimeException e) { // a scheduled task that throws is never run again
            heartbeatFailed.accept(e);
        }
    }

    /** Stops the heartbeat and removes what is still live (a drained replica has nothing left), best effort. */
    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        sendFinishes();
        if (live.isEmpty()) {
            return;
        }
        try (Pipeline p = redis.pipelined()) {
            for (RedisLease lease : live) {
                p.zrem(keys.leases(lease.deploymentId), lease.member);
            }
            p.sync();
        } catch (RuntimeException e) {
            heartbeatFailed.accept(e); // they lapse on their own
        }
        live.clear();
    }

    /** One request in flight; the first {@link #finish} counts, any later one is ignored. */
    private final class RedisLease implements RoutingState.Lease {
        private static final AtomicIntegerFieldUpdater<RedisLease> FINISHED =
                AtomicIntegerFieldUpdater.newUpdater(RedisLease.class, "finished");

        final String deploymentId;
        final String member;
        final long minute;
        final long estimate;

        @SuppressWarnings("unused") // written through FINISHED
        private volatile int finished;

        RedisLease(String deploymentId, String member, long minute, long estimate) {
            this.deploymentId = deploymentId;
            this.member = member;
            this.minute = minute;
            this.estimate = estimate;
        }

        @Override
        public void finish(Duration latency, long actualTokens) {
            if (!FINISHED.compareAndSet(this, 0, 1)) {
                return;
            }
            live.remove(this); // first: if Redis fails below, the lease lapses rather than being beaten on
            LeaseEvent finished = LeaseEvent.finished(
                    deploymentId,
                    member,
                    minute,
                    actualTokens < 0 ? 0 : actualTokens - estimate,
                    LocalRoutingState.millis(latency));
            if (deferFinishes) {
                batches.hold(finished);
            } else {
                batches.sendNow(finished);
            }
        }
    }
}
