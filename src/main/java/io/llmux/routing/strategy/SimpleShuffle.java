package io.llmux.routing.strategy;

import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * {@code simple-shuffle}: weighted random by {@code weight}; when no deployment sets a weight of its own, by
 * {@code rpm}, else by {@code tpm}, else uniform. A weight of 0 marks a standby: picked only when every candidate
 * has weight 0 (the example config uses this so the mock answers only until a real key is set).
 */
public final class SimpleShuffle implements Strategy {
    private final java.util.function.Supplier<RandomGenerator> random;

    public SimpleShuffle(java.util.function.Supplier<RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public Deployment pick(List<Deployment> candidates, Exchange ex, Map<String, DeploymentStats> stats) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        Function<Deployment, Double> weightOf = weighting(candidates);
        double total = 0;
        for (Deployment d : candidates) {
            total += weightOf.apply(d);
        }
        RandomGenerator rnd = random.get();
        if (total <= 0) {
            return candidates.get(rnd.nextInt(candidates.size()));
        }
        double point = rnd.nextDouble(total);
        for (Deployment d : candidates) {
            point -= weightOf.apply(d);
            if (point < 0) {
                return d;
            }
        }
        return candidates.get(candidates.size() - 1);
    }

    private static Function<Deployment, Double> weighting(List<Deployment> candidates) {
        boolean weightsDiffer = candidates.stream()
                        .mapToDouble(d -> d.model().weight())
                        .distinct()
                        .count()
                > 1;
        if (weightsDiffer) {
            return d -> d.model().weight();
        }
        if (candidates.stream().allMatch(d -> d.model().rpm() != null)) {
            return d -> d.model().weight() == 0 ? 0.0 : d.model().rpm().doubleValue();
        }
        if (candidates.stream().allMatch(d -> d.model().tpm() != null)) {
            return d -> d.model().weight() == 0 ? 0.0 : d.model().tpm().doubleValue();
        }
        return d -> d.model().weight();
    }
}
