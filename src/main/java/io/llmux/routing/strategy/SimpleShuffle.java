package io.llmux.routing.strategy;

import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * {@code simple-shuffle}: weighted random by {@code weight}; when no deployment sets a weight of its own, by
 * {@code rpm}, else by {@code tpm}, else uniform. A weight of 0 marks a standby: picked only when every candidate
 * has weight 0 (the example config uses this so the mock answers only until a real key is set).
 */
public final class SimpleShuffle implements Strategy {
    private final Supplier<RandomGenerator> random;

    public SimpleShuffle(Supplier<RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public Deployment pick(List<Deployment> candidates, Exchange ex, Map<String, DeploymentStats> stats) {
        return Weighted.pick(candidates, random.get());
    }
}
