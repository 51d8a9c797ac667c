package io.llmux.routing.strategy;

import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * {@code lowest-latency}: the deployment with the lowest moving-average latency, as the routing state keeps it (time
 * to first token for streams, a timeout's full duration). Untried deployments go first, so every one gets measured.
 * Picking at random among those within {@code routing.lowest_latency_buffer} of the best keeps near-equal
 * deployments sharing the load instead of one taking all of it on a few milliseconds' lead.
 */
public final class LowestLatency implements Strategy {
    private final double buffer;
    private final Supplier<RandomGenerator> random;

    /** @param buffer a fraction of the best latency: 0.1 picks among those at most 10 % slower than the best */
    public LowestLatency(double buffer, Supplier<RandomGenerator> random) {
        if (!(buffer >= 0)) {
            throw new IllegalArgumentException("lowest_latency_buffer must be zero or more: " + buffer);
        }
        this.buffer = buffer;
        this.random = random;
    }

    @Override
    public Deployment pick(List<Deployment> candidates, Exchange ex, Map<String, DeploymentStats> stats) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        List<Deployment> untried = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (Deployment d : candidates) {
            double latency = latency(d, stats);
            if (Double.isNaN(latency)) {
                untried.add(d);
            } else {
                best = Math.min(best, latency);
            }
        }
        if (!untried.isEmpty()) {
            return Weighted.any(untried, random.get());
        }
        double limit = best * (1 + buffer);
        List<Deployment> near = new ArrayList<>();
        for (Deployment d : candidates) {
            if (latency(d, stats) <= limit) {
                near.add(d);
            }
        }
        return Weighted.any(near, random.get());
    }

    private static double latency(Deployment d, Map<String, DeploymentStats> stats) {
        return stats.getOrDefault(d.id(), DeploymentStats.FRESH).latencyMillis();
    }
}
