package io.llmux.routing;

import io.llmux.routing.state.DeploymentStats;
import io.llmux.routing.state.RoutingState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A first pick's stats read, started on its own virtual thread as soon as the request's model is known
 * ({@link StatsPrefetchStage}), so that with the routing state in Redis its round trip overlaps the budget and rate
 * limit round trips instead of following them. A read, so starting it early changes nothing but its age (that of
 * the round trips it overlaps); a refused request drops it, and one the response cache may answer never starts it.
 */
public record StatsPrefetch(List<String> deploymentIds, FutureTask<Map<String, DeploymentStats>> stats) {

    public static StatsPrefetch start(RoutingState state, List<String> deploymentIds) {
        FutureTask<Map<String, DeploymentStats>> read = new FutureTask<>(() -> state.stats(deploymentIds));
        Thread.startVirtualThread(read);
        return new StatsPrefetch(deploymentIds, read);
    }

    /** The stats, when they were read for exactly these deployments; null tells the caller to read them itself. */
    Map<String, DeploymentStats> take(List<String> ids) {
        if (!deploymentIds.equals(ids)) {
            return null;
        }
        try {
            return stats.get();
        } catch (ExecutionException e) {
            return null; // the state answers locally on Redis errors; anything else, the caller's own read meets too
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
