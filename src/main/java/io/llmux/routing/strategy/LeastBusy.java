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
 * {@code least-busy}: the deployment with the fewest requests in flight (across replicas when the routing state is
 * shared). Ties are broken at random so that idle deployments share a burst instead of the first one taking it.
 */
public final class LeastBusy implements Strategy {
    private final Supplier<RandomGenerator> random;

    public LeastBusy(Supplier<RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public Deployment pick(List<Deployment> candidates, Exchange ex, Map<String, DeploymentStats> stats) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        long fewest = Long.MAX_VALUE;
        List<Deployment> idlest = new ArrayList<>();
        for (Deployment d : candidates) {
            long inFlight = stats.getOrDefault(d.id(), DeploymentStats.FRESH).inFlight();
            if (inFlight < fewest) {
                fewest = inFlight;
                idlest.clear();
            }
            if (inFlight == fewest) {
                idlest.add(d);
            }
        }
        return Weighted.any(idlest, random.get());
    }
}
