package io.llmux.routing.state;

import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.redis.RedisErrors;
import io.llmux.telemetry.Log;
import java.time.Clock;
import java.time.Duration;

/** Picks where routing state lives: this process alone, or Redis with this process's copy to fall back on. */
public final class RoutingStates {
    /** SPEC §6: in-flight counts of a dead replica stop counting within 30 s. */
    static final Duration LEASE_TTL = Duration.ofSeconds(30);
    /** Three beats per TTL, so one lost beat never lets a live replica's leases lapse. */
    static final Duration HEARTBEAT_EVERY = LEASE_TTL.dividedBy(3);

    /**
     * How long a request's start (its lease and minute's usage) and its finish (lease, token correction, latency) may
     * wait to go to Redis with others. Other replicas see them that much later; this one sees its own at once.
     */
    static final Duration FLUSH_EVERY = Duration.ofMillis(50);

    private RoutingStates() {}

    /**
     * Local state when {@code redis} is not configured, else Redis falling back to local. Nothing is sent to Redis
     * here: a Redis that is down at start-up only means local answers until it is up.
     *
     * @throws IllegalArgumentException when {@code redis.addr} is neither {@code host:port} nor a URL
     */
    public static RoutingState of(RedisConfig redis, Clock clock, Log log) {
        return of(redis, clock, log, FLUSH_EVERY);
    }

    /** @param flushEvery null sends each start and finish at once, for tests that count calls to Redis */
    static RoutingState of(RedisConfig redis, Clock clock, Log log, Duration flushEvery) {
        LocalRoutingState local = new LocalRoutingState(clock);
        if (!redis.configured()) {
            return local;
        }
        RedisErrors errors = new RedisErrors(clock, log, "routing state is");
        RedisRoutingState shared = new RedisRoutingState(
                RedisClients.create(redis),
                clock,
                RedisKeys.DEFAULT_PREFIX,
                LEASE_TTL,
                HEARTBEAT_EVERY,
                flushEvery,
                e -> errors.failed("heartbeat", e));
        return new FallbackRoutingState(shared, local, errors);
    }
}
