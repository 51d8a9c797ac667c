package io.llmux.routing.state;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import redis.clients.jedis.RedisClient;

/**
 * This replica's lease events on their way to Redis, sent at once or held back. Held back, they wait in one queue in
 * the order they happened, and {@link #flush} sends them as one {@link RedisRoutingScripts#LEASES} call per
 * deployment that applies that deployment's events in the same order.
 */
final class LeaseBatches {
    private final RedisClient redis;
    private final Clock clock;
    private final RedisKeys keys;
    private final long ttlMillis;
    private final ConcurrentLinkedQueue<LeaseEvent> held = new ConcurrentLinkedQueue<>();
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

    /** Holds an event back for the next {@link #flush}. */
    void hold(LeaseEvent event) {
        held.add(event);
    }

    /**
     * Sends what is held back, one script per deployment. A script Redis refuses loses its events, as a lost single
     * send would: the leases it added lapse within the TTL, and the minute's counts stay short. The other
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
                try {
                    send(one.getKey(), one.getValue(), now);
                } catch (RuntimeException ex) {
                    failure = ex;
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            flushing.unlock();
        }
    }

    /** One script for one deployment's events, in order; the leases added lapse TTL after {@code now}. */
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
