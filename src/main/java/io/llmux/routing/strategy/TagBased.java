package io.llmux.routing.strategy;

import io.llmux.GatewayException;
import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * {@code tag-based}: a request's tags ({@code metadata.tags}, a top-level {@code tags}, or {@code x-llmux-tags})
 * choose the deployments sharing at least one of them; when none does, those tagged {@code default}. An untagged
 * request goes to the {@code default}-tagged deployments, else to the whole group. Among the chosen, the weighted
 * random of {@code simple-shuffle}.
 */
public final class TagBased implements Strategy {
    static final String DEFAULT_TAG = "default";

    private final Supplier<RandomGenerator> random;

    public TagBased(Supplier<RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public Deployment pick(List<Deployment> candidates, Exchange ex, Map<String, DeploymentStats> stats)
            throws GatewayException {
        List<String> wanted = ex.tags();
        List<Deployment> chosen = wanted.isEmpty()
                ? List.of()
                : candidates.stream()
                        .filter(d -> !Collections.disjoint(d.model().tags(), wanted))
                        .toList();
        if (chosen.isEmpty()) {
            chosen = candidates.stream()
                    .filter(d -> d.model().tags().contains(DEFAULT_TAG))
                    .toList();
        }
        if (chosen.isEmpty() && wanted.isEmpty()) {
            chosen = candidates;
        }
        if (chosen.isEmpty()) {
            throw noneTagged(candidates, wanted);
        }
        return Weighted.pick(chosen, random.get());
    }

    private static GatewayException noneTagged(List<Deployment> candidates, List<String> wanted) {
        TreeSet<String> present = new TreeSet<>();
        candidates.forEach(d -> present.addAll(d.model().tags()));
        return GatewayException.invalidRequest(
                "metadata.tags",
                "No available deployment of model '" + candidates.get(0).model().name() + "' has any of the tags "
                        + wanted + " and none is tagged '" + DEFAULT_TAG + "'; "
                        + (present.isEmpty()
                                ? "its deployments have no tags. Tag a deployment with one of these, or '" + DEFAULT_TAG
                                        + "', in the config."
                                : "the tags of its deployments are " + present + ". Send one of those, or tag a"
                                        + " deployment '" + DEFAULT_TAG + "' in the config."));
    }
}
