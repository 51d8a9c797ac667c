package io.llmux.routing.state;

import io.llmux.redis.RedisErrors;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Shared state that degrades to local state (SPEC §6: "Redis errors degrade to local state (counted in a metric)").
 * Every write goes to both, so the local copy already knows this replica's recent history when Redis stops
 * answering; reads come from Redis while it answers and from the local copy while it does not. Nothing is merged
 * back when Redis returns: what other replicas wrote meanwhile is there, and this replica's writes resume. A request
 * never fails because of Redis.
 */
public final class FallbackRoutingState implements RoutingState {
    private final RoutingState shared;
    private final LocalRoutingState local;
    private final RedisErrors errors;

    FallbackRoutingState(RoutingState shared, LocalRoutingState local, RedisErrors errors) {
        this.shared = shared;
        this.local = local;
        this.errors = errors;
    }

    /** Calls to Redis that failed (connection refused, timeout, any error reply): the metric's source. */
    public long redisErrors() {
        return errors.count();
    }

    @Override
    public Map<String, DeploymentStats> stats(List<String> deploymentIds) {
        if (errors.worthTrying()) {
            try {
                Map<String, DeploymentStats> stats = shared.stats(deploymentIds);
                errors.answered();
                return stats;
            } catch (RuntimeException e) {
                errors.failed("stats", e);
            }
        }
        return local.stats(deploymentIds);
    }

    /**
     * Counted locally always, and in the shared state unless Redis was just found failing. The shared start is usually
     * held back rather than sent ({@link RedisRoutingState}), so its return says nothing of whether Redis answers:
     * that is for {@link #stats}, read for the pick just before, to tell. A held-back batch that Redis refuses is
     * counted through the heartbeat's report, and its leases lapse; the local copy has them all the same.
     */
    @Override
    public Lease start(String deploymentId, long estimatedTokens) {
        Lease mine = local.start(deploymentId, estimatedTokens);
        if (!errors.worthTrying()) {
            return mine;
        }
        try {
            Lease theirs = shared.start(deploymentId, estimatedTokens);
            return new Both(mine, theirs, errors);
        } catch (RuntimeException e) {
            errors.failed("start", e);
            return mine;
        }
    }

    @Override
    public boolean failed(String deploymentId, String error, boolean coolNow, int allowedFails, Instant until) {
        boolean cooled = local.failed(deploymentId, error, coolNow, allowedFails, until);
        if (errors.worthTrying()) {
            try {
                cooled = shared.failed(deploymentId, error, coolNow, allowedFails, until);
                errors.answered();
            } catch (RuntimeException e) {
                errors.failed("failed", e);
            }
        }
        return cooled;
    }

    /** Always tried, even right after a failure: it is a person's explicit act, not the request path. */
    @Override
    public void setCooldown(String deploymentId, Instant until, String reason) {
        local.setCooldown(deploymentId, until, reason);
        try {
            shared.setCooldown(deploymentId, until, reason);
            errors.answered();
        } catch (RuntimeException e) {
            errors.failed("setCooldown", e);
        }
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public String unreachable() {
        return shared.unreachable();
    }

    @Override
    public void close() {
        try {
            shared.close();
        } catch (RuntimeException e) {
            errors.failed("close", e);
        }
        local.close();
    }

    /**
     * A request counted in both states. The shared finish is tried even right after a failure: it is what stops the
     * heartbeat keeping the lease alive, and it gives that up before it touches Redis.
     */
    private record Both(Lease local, Lease shared, RedisErrors errors) implements Lease {
        @Override
        public void finish(Duration latency, long actualTokens) {
            local.finish(latency, actualTokens);
            try {
                shared.finish(latency, actualTokens);
            } catch (RuntimeException e) {
                errors.failed("finish", e);
            }
        }
    }
}
