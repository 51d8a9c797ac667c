package io.llmux.routing.strategy;

import static io.llmux.routing.strategy.Candidates.latency;
import static io.llmux.routing.strategy.Candidates.picks;
import static io.llmux.routing.strategy.Candidates.plain;
import static io.llmux.routing.strategy.Candidates.request;
import static io.llmux.routing.strategy.Candidates.seeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.GatewayException;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §6 {@code lowest-latency}. */
class LowestLatencyTest {
    private final Deployment a = plain("a");
    private final Deployment b = plain("b");
    private final Deployment c = plain("c");
    private final List<Deployment> all = List.of(a, b, c);

    private static Map<String, Integer> run(double buffer, List<Deployment> ds, Map<String, DeploymentStats> stats)
            throws GatewayException {
        return picks(new LowestLatency(buffer, seeded(11)), ds, request(), stats, 4000);
    }

    @Test
    void theLowestMovingAverageLatencyWins() throws GatewayException {
        var c1 = run(0, all, Map.of("a/m", latency(300), "b/m", latency(120), "c/m", latency(450)));
        assertThat(c1).containsOnlyKeys("b");
    }

    @Test
    void untriedDeploymentsFirstRandomAmongThem() throws GatewayException {
        var c1 = run(0.1, all, Map.of("a/m", latency(5), "b/m", DeploymentStats.FRESH));
        // c has no stats at all: as untried as b
        assertThat(c1).containsOnlyKeys("b", "c");
        assertThat(c1.get("b")).isBetween(1800, 2200);
    }

    @Test
    void withABufferOf0OnlyTheBestIsPicked() throws GatewayException {
        var c1 = run(0, all, Map.of("a/m", latency(100), "b/m", latency(100.5), "c/m", latency(101)));
        assertThat(c1).containsOnlyKeys("a");
    }

    @Test
    void withABufferOf0EqualBestLatenciesShareTheTrafficAtRandom() throws GatewayException {
        var c1 = run(0, all, Map.of("a/m", latency(100), "b/m", latency(100), "c/m", latency(150)));
        assertThat(c1).containsOnlyKeys("a", "b");
        assertThat(c1.get("a")).isBetween(1800, 2200);
    }

    @Test
    void randomAmongThoseWithinLowestLatencyBufferOfTheBest() throws GatewayException {
        // 0.1: up to 110 ms when the best is 100 ms
        var c1 = run(0.1, all, Map.of("a/m", latency(100), "b/m", latency(110), "c/m", latency(111)));
        assertThat(c1).containsOnlyKeys("a", "b");
        assertThat(c1.get("a")).isBetween(1800, 2200);
    }

    @Test
    void aSingleCandidateIsReturned() throws GatewayException {
        assertThat(new LowestLatency(0.1, seeded(1)).pick(List.of(c), request(), Map.of("c/m", latency(9e9))))
                .isSameAs(c);
    }

    @Test
    void aNegativeBufferIsRefused() {
        assertThatThrownBy(() -> new LowestLatency(-0.1, seeded(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lowest_latency_buffer");
    }
}
