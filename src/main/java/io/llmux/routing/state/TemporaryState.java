package io.llmux.routing.state;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Placeholder until the local and Redis states land: remembers nothing. To be removed in this issue. */
public final class TemporaryState implements RoutingState {
    public static final TemporaryState INSTANCE = new TemporaryState();

    private TemporaryState() {}

    @Override
    public Map<String, DeploymentStats> stats(List<String> deploymentIds) {
        Map<String, DeploymentStats> out = new HashMap<>();
        deploymentIds.forEach(id -> out.put(id, DeploymentStats.FRESH));
        return out;
    }

    @Override
    public Lease start(String deploymentId, long estimatedTokens) {
        return (Duration latency, long actualTokens) -> {};
    }

    @Override
    public boolean failed(String deploymentId, String error, boolean coolNow, int allowedFails, Instant until) {
        return false;
    }

    @Override
    public void setCooldown(String deploymentId, Instant until, String reason) {}

    @Override
    public void close() {}
}
