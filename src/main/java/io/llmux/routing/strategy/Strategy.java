package io.llmux.routing.strategy;

import io.llmux.GatewayException;
import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import java.util.List;
import java.util.Map;

/** Picks one deployment among those the router may use for a request (SPEC §6). */
public interface Strategy {

    /**
     * @param candidates at least one; all usable and not cooling down
     * @param stats the routing state of every candidate, by deployment id
     * @throws GatewayException when the strategy itself rules every candidate out: {@code lowest-tpm-rpm} with every
     *     deployment at its limits (429), {@code tag-based} with no deployment for the request's tags (400)
     */
    Deployment pick(List<Deployment> candidates, Exchange ex, Map<String, DeploymentStats> stats)
            throws GatewayException;
}
