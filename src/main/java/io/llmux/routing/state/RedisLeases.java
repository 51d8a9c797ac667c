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
 * <p>With {@code flushEvery} set, starts and finishes are held back and sent with the others of the moment, in the
 * order they happened, one script per deployment every {@code flushEvery} ({@link LeaseBatches}): a request then costs
 * Redis no round trip of its own, only a share of a batch. This replica's reads see its own held-back events at once
 * ({@link HeldBack}); other replicas see them that much later, which routing can bear.
 *
 * <p>The heartbeat rewrites only members that exist ({@code ZADD XX}), so it cannot revive a lease that a finish
 * removed while the beat was on its way, nor add one whose start is still held back: that one lands with a fresh lapse
 * when its batch is sent.
 */
final class RedisLeases implements AutoCloseable {
    private final RedisClient redis;
    private final Clock clock;
    private final RedisKeys keys;
    private final long ttlMillis;
    private final Set<RedisLease> live = ConcurrentHashMap.newKeySet();
    private final Consumer<RuntimeException> heartbeatFailed;
    private final ScheduledExecutorService heartbeat;
    private final boolean deferred;
    private final LeaseBatches batches;

    /**
     * @param heartbeatEvery null for none (tests beat by hand)
     * @param flushEvery how long a start or finish may be held back; null sends each at once
     */
    RedisLeases(
            RedisClient redis,
            Clock clock,
            RedisKeys keys,
            long ttlMillis,
            Duration heartbeatEvery,
            Duration flushEvery,
            Consumer<RuntimeException> heartbeatFailed) {
        this.redis = redis;
        this.clock = clock;
        this.keys = keys;
        this.ttlMillis = ttlMillis;
        this.heartbeatFailed = heartbeatFailed;
        this.deferred = flushEvery != null;
        this.batches = new LeaseBatches(redis, clock, keys, ttlMillis);
        if (heartbeatEvery == null && flushEvery == null) {
            this.heartbeat = null;
            return;
        }
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("llmux-redis-leases").factory());
        // beat() and sendHeldBack() catch what they throw, so the futures have nothing to report
        if (heartbeatEvery != null) {
            long every = heartbeatEvery.toMillis();
            ScheduledFuture<?> unused =
                    heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        }
        if (flushEvery != null) {
            long every = flushEvery.toMillis();
            ScheduledFuture<?> unused =
                    heartbeat.scheduleWithFixedDelay(this::sendHeldBack, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Sends the starts and finishes held back, one script per deployment. A script Redis refuses loses its events:
     * the leases it would have added never count elsewhere, those it would have removed lapse, and the minute's
     * counts stay short.
     */
    void flush() {
        batches.flush();
    }

    private void sendHeldBack() {
        try {
            flush();
        } catch (RuntimeException e) {
            heartbeatFailed.accept(e);
        }
    }

    /** Held back, asks Redis nothing and never throws; sent at once, throws what Redis throws. */
    RoutingState.Lease start(String deploymentId, String member, long estimatedTokens) {
        long minute = LocalRoutingState.epochMinute(clock.millis()); // it counts in the minute it started in
        RedisLease lease = new RedisLease(deploymentId, member, minute, estimatedTokens);
        LeaseEvent started = LeaseEvent.started(deploymentId, member, minute, estimatedTokens);
        live.add(lease);
        if (deferred) {
            batches.hold(started); // before the lease is handed out, so before its finish is
            return lease;
        }
        try {
            batches.sendNow(started);
        } catch (RuntimeException e) {
            live.remove(lease); // if Redis did take it, it lapses: nothing beats for it any more
            throw e;
        }
        return lease;
    }

    /** What a read sees held back for a deployment, before it asks Redis ({@link HeldBack}). */
    HeldBack.Seen seen(String deploymentId, long minute) {
        return batches.seen(deploymentId, minute);
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
        sendHeldBack(); // first: the minutes count the held-back starts, and the removals below find those leases
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
            if (deferred) {
                batches.hold(finished);
            } else {
                batches.sendNow(finished);
            }
        }
    }
}
