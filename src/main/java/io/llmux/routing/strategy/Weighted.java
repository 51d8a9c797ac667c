package io.llmux.routing.strategy;

import io.llmux.routing.Deployment;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.random.RandomGenerator;

/**
 * The weighted random pick of {@code simple-shuffle}, shared with {@code tag-based}: by {@code weight}; when every
 * candidate has the same weight, by {@code rpm}, else by {@code tpm} (when all set one), else uniform. A weight of 0
 * marks a standby: picked only when every candidate has weight 0, and then uniformly.
 */
final class Weighted {
    private Weighted() {}

    /** @param candidates at least one */
    static Deployment pick(List<Deployment> candidates, RandomGenerator rnd) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        ToDoubleFunction<Deployment> weightOf = weighting(candidates);
        double total = 0;
        for (Deployment d : candidates) {
            total += weightOf.applyAsDouble(d);
        }
        if (total <= 0) {
            return candidates.get(rnd.nextInt(candidates.size()));
        }
        double point = rnd.nextDouble(total);
        for (Deployment d : candidates) {
            point -= weightOf.applyAsDouble(d);
            if (point < 0) {
                return d;
            }
        }
        // rounding can leave a sliver past the last weight; it belongs to the last one that has any
        for (int i = candidates.size() - 1; i > 0; i--) {
            if (weightOf.applyAsDouble(candidates.get(i)) > 0) {
                return candidates.get(i);
            }
        }
        return candidates.get(0);
    }

    /** Uniform among equals: how every strategy breaks a tie. */
    static Deployment any(List<Deployment> tied, RandomGenerator rnd) {
        return tied.size() == 1 ? tied.get(0) : tied.get(rnd.nextInt(tied.size()));
    }

    private static ToDoubleFunction<Deployment> weighting(List<Deployment> candidates) {
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
