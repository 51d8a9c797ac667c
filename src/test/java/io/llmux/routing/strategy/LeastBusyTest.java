package io.llmux.routing.strategy;

import static io.llmux.routing.strategy.Candidates.inFlight;
import static io.llmux.routing.strategy.Candidates.picks;
import static io.llmux.routing.strategy.Candidates.plain;
import static io.llmux.routing.strategy.Candidates.request;
import static io.llmux.routing.strategy.Candidates.seeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.GatewayException;
import io.llmux.routing.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §6 {@code least-busy}. */
class LeastBusyTest {
    private final LeastBusy strategy = new LeastBusy(seeded(5));
    private final List<Deployment> all = List.of(plain("a"), plain("b"), plain("c"));

    @Test
    void fewestInFlightRequestsWins() throws GatewayException {
        var c = picks(
                strategy, all, request(), Map.of("a/m", inFlight(3), "b/m", inFlight(1), "c/m", inFlight(2)), 500);
        assertThat(c).containsOnlyKeys("b");
    }

    @Test
    void tiesAreBrokenAtRandom() throws GatewayException {
        var c = picks(
                strategy, all, request(), Map.of("a/m", inFlight(2), "b/m", inFlight(2), "c/m", inFlight(7)), 4000);
        assertThat(c).containsOnlyKeys("a", "b");
        assertThat(c.get("a")).isBetween(1800, 2200);
    }

    @Test
    void aDeploymentWithoutStatsHasNothingInFlight() throws GatewayException {
        var c = picks(strategy, all, request(), Map.of("a/m", inFlight(1), "b/m", inFlight(1)), 500);
        assertThat(c).containsOnlyKeys("c");
    }

    @Test
    void allIdleDeploymentsShareTheTrafficEvenly() throws GatewayException {
        var c = picks(strategy, all, request(), Map.of(), 6000);
        assertThat(c.values()).allSatisfy(n -> assertThat(n).isBetween(1800, 2200));
    }

    @Test
    void aSingleCandidateIsReturned() throws GatewayException {
        Deployment only = plain("only");
        assertThat(strategy.pick(List.of(only), request(), Map.of("only/m", inFlight(99))))
                .isSameAs(only);
    }
}
