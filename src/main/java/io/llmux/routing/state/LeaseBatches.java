package io.llmux.routing.state;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import redis.clients.jedis.RedisClient;

/**
 * This replica's lease events on their way to Redis, sent at once or held back. Held back, they wait in one queue in
 * the order they happened, and {@link #flush} sends them as one {@link RedisRoutingScripts#LEASES} call per
 * deployment that applies that deployment's events in the same order.
 *
 * <p>One queue, not one for starts and one for finishes: a start queued just after the starts were taken and its
 * finish just before the finishes were would otherwise reach Redis finish first, and the lease would count in flight
 * until it lapsed. A lease's start is queued before its lease is handed out, so before its finish; flushes run one at a
 * time and send what they take in order; so its start is in the same batch as its finish or an earlier one, and it
 * lands first either way.
 *
 * <p>What is held back is also counted per deployment ({@link HeldBack}) until it is sent, for this replica's reads.
 */
final class LeaseBatches {
    private final RedisClient redis;
    private final Clock clock;
    private final RedisKeys keys;
    private final long ttlMillis;
    private final ConcurrentLinkedQueue<LeaseEvent> held = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<String, HeldBack> counted = new ConcurrentHashMap<>();
    /** One flush at a time: two could each take part of the queue and send a lease's finish before its start. */
    private final ReentrantLock flushing = new ReentrantLock();

    LeaseBatches(RedisClient redis, Clock clock, RedisKeys keys, long ttlMillis) {
        this.redis = redis;
        this.clock = clock;
        this.keys = keys;
        this.ttlMillis = ttlMillis;
    }

    /** Sends one event now; throws what Redis throws. */
    void sendNow(LeaseEvent event) {
        send(event.deploymentId(), List.of(event), clock.millis());
    }

    /** Holds an event back for the next {@link #flush}; this replica's reads count it at once. */
    void hold(LeaseEvent event) {
        counts(event.deploymentId()).hold(event);
        held.add(event);
    }

    /** What a read sees held back for a deployment in the current minute, before it asks Redis ({@link HeldBack}). */
    HeldBack.Seen seen(String deploymentId, long minute) {
        HeldBack counts = counted.get(deploymentId);
        return counts == null ? HeldBack.Seen.NOTHING : counts.seen(minute);
    }

    /**
     * Sends what is held back, one script per deployment. A script Redis refuses loses its events, as a lost single
     * send would: the leases it would have added never count elsewhere, those it would have removed lapse within the
     * TTL, and the minute's counts stay short. Either way they are no longer counted as held back. The other
     * deployments' scripts still go; the last failure is thrown once they have.
     */
    void flush() {
        flushing.lock();
        try {
            if (held.isEmpty()) {
                return;
            }
            Map<String, List<LeaseEvent>> byDeployment = new LinkedHashMap<>();
            LeaseEvent e;
            while ((e = held.poll()) != null) {
                byDeployment
                        .computeIfAbsent(e.deploymentId(), d -> new ArrayList<>())
                        .add(e);
            }
            long now = clock.millis();
            RuntimeException failure = null;
            for (Map.Entry<String, List<LeaseEvent>> one : byDeployment.entrySet()) {
                HeldBack counts = counts(one.getKey());
                counts.sending();
                try {
                    send(one.getKey(), one.getValue(), now);
                } catch (RuntimeException ex) {
                    failure = ex;
                } finally {
                    counts.sent(one.getValue());
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            flushing.unlock();
        }
    }

    private HeldBack counts(String deploymentId) {
        HeldBack counts = counted.get(deploymentId); // the common case, without computeIfAbsent's lock on the bin
        return counts != null ? counts : counted.computeIfAbsent(deploymentId, d -> new HeldBack());
    }

    /**
     * One script for one deployment's events, in order. The leases added lapse TTL after {@code now}, when they reach
     * Redis, not TTL after their start: a start held back lands with the full TTL a heartbeat at that moment would
     * give it, and a flush delayed behind a slow Redis never adds a lease already lapsed, which the next sweep would
     * take for a dead replica's. (The heartbeat skips a lease until then: its {@code ZADD XX} finds no member.)
     */
    private void send(String deploymentId, List<LeaseEvent> events, long now) {
        List<String> names = new ArrayList<>(2 + events.size());
        names.add(keys.leases(deploymentId));
        names.add(keys.deployment(deploymentId));
        List<String> args = new ArrayList<>(5 + 4 * events.size());
        args.add(Long.toString(now));
        args.add(Long.toString(now + ttlMillis));
        args.add(Long.toString(2 * ttlMillis));
        args.add(Long.toString(RedisKeys.MINUTE_TTL_MILLIS));
        args.add(Double.toString(LocalDeployment.LATENCY_ALPHA));
        for (LeaseEvent event : events) {
            names.add(keys.minute(deploymentId, event.minute()));
            args.add(event.start() ? "s" : "f");
            args.add(event.member());
            args.add(Long.toString(event.tokens()));
            args.add(Double.isNaN(event.latencyMillis()) ? "" : Double.toString(event.latencyMillis()));
        }
        RedisRoutingScripts.LEASES.run(redis, names, args);
    }
}
