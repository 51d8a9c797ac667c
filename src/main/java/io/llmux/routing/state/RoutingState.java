package io.llmux.routing.state;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Per-deployment routing state (SPEC §6): cooldowns, failure counts, latency averages, in-flight counts and
 * current-minute usage. In-process by default; shared through Redis when {@code redis} is configured, so replicas
 * agree. Deployments are named by their id ({@code provider/model}). Implementations never throw on the request
 * path: a shared store that fails falls back to local state and counts the failure.
 */
public interface RoutingState extends AutoCloseable {

    /** Everything the strategies and the cooldown check need, for all candidates at once. */
    Map<String, DeploymentStats> stats(List<String> deploymentIds);

    /** A request starts on a deployment: counts it in flight and in the minute's usage (tokens estimated). */
    Lease start(String deploymentId, long estimatedTokens);

    /** A finished attempt: releases the in-flight slot, corrects the minute's tokens, updates the latency average. */
    interface Lease {
        /**
         * @param latency the whole call, or the time to first token for a stream; a timeout counts its full duration
         * @param actualTokens tokens the provider reported, or -1 to keep the estimate
         */
        void finish(Duration latency, long actualTokens);
    }

    /**
     * Records a failure. Returns true when the deployment is now cooling down: when {@code coolNow} (a 429, a refused
     * credential), or when it failed {@code allowedFails} times within a minute.
     *
     * @param until the cooldown's end if this failure cools it; an existing later deadline is kept, never shortened
     */
    boolean failed(String deploymentId, String error, boolean coolNow, int allowedFails, Instant until);

    /** Sets a cooldown by hand, or clears it when {@code until} is null (admin {@code POST /deployments/cooldown}). */
    void setCooldown(String deploymentId, Instant until, String reason);

    /** Whether {@link #stats} costs a round trip to a shared store, so that reading it early pays. */
    default boolean remote() {
        return false;
    }

    /**
     * Why the shared state cannot be reached right now, for {@code /health/ready}; null when it can (always, for
     * in-process state). Asks the shared store, so not for the request path.
     */
    default String unreachable() {
        return null;
    }

    @Override
    void close();
}
