package io.llmux.routing.state;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Routing state held in this process: what one replica knows, and the whole truth when there is one replica. Also
 * the copy that {@link FallbackRoutingState} answers from while Redis is unreachable. Minutes are wall-clock
 * minutes of the injected clock, so tests move time by hand.
 */
public final class LocalRoutingState implements RoutingState {
    private final ConcurrentHashMap<String, LocalDeployment> deployments = new ConcurrentHashMap<>();
    private final Clock clock;

    public LocalRoutingState(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Map<String, DeploymentStats> stats(List<String> deploymentIds) {
        long now = clock.millis();
        Map<String, DeploymentStats> stats = HashMap.newHashMap(deploymentIds.size());
        for (String id : deploymentIds) {
            LocalDeployment d = deployments.get(id);
            stats.put(id, d == null ? DeploymentStats.FRESH : d.stats(now));
        }
        return stats;
    }

    @Override
    public Lease start(String deploymentId, long estimatedTokens) {
        LocalDeployment d = deployment(deploymentId);
        long minute = d.start(clock.millis(), estimatedTokens);
        return new LocalLease(d, minute, Math.max(0, estimatedTokens));
    }

    @Override
    public boolean failed(String deploymentId, String error, boolean coolNow, int allowedFails, Instant until) {
        return deployment(deploymentId).failed(clock.millis(), error, coolNow, allowedFails, until);
    }

    @Override
    public void setCooldown(String deploymentId, Instant until, String reason) {
        deployment(deploymentId).setCooldown(until, reason);
    }

    @Override
    public void close() {}

    private LocalDeployment deployment(String id) {
        LocalDeployment d = deployments.get(id); // the common case, without computeIfAbsent's lock on the bin
        return d != null ? d : deployments.computeIfAbsent(id, k -> new LocalDeployment());
    }

    /** The wall-clock minute that usage counts in, shared by both implementations. */
    static long epochMinute(long epochMillis) {
        return Math.floorDiv(epochMillis, 60_000L);
    }

    /** A latency as the fractional milliseconds the averages keep; NaN for none. */
    static double millis(Duration latency) {
        return latency == null ? Double.NaN : latency.toNanos() / 1e6;
    }

    /** One request on one deployment; the first {@link #finish} counts, any later one is ignored. */
    private static final class LocalLease implements Lease {
        private static final AtomicIntegerFieldUpdater<LocalLease> FINISHED =
                AtomicIntegerFieldUpdater.newUpdater(LocalLease.class, "finished");

        private final LocalDeployment deployment;
        private final long minute;
        private final long estimate;

        @SuppressWarnings("unused") // written through FINISHED, which saves an AtomicBoolean per request
        private volatile int finished;

        LocalLease(LocalDeployment deployment, long minute, long estimate) {
            this.deployment = deployment;
            this.minute = minute;
            this.estimate = estimate;
        }

        @Override
        public void finish(Duration latency, long actualTokens) {
            if (FINISHED.compareAndSet(this, 0, 1)) {
                deployment.finish(minute, millis(latency), actualTokens < 0 ? 0 : actualTokens - estimate);
            }
        }
    }
}
