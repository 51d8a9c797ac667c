package io.llmux.routing;

import io.llmux.GatewayException;
import io.llmux.cache.CacheStage;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;
import io.llmux.routing.state.RoutingState;
import java.util.List;

/**
 * Starts the router's first stats read ({@link StatsPrefetch}) right after the request is parsed, ahead of the
 * budget, rate limit and cache stages. Wired only when the routing state is shared through Redis: an in-process read
 * costs less than the thread that would overlap it. Not for a request the response cache may answer: a hit would
 * pay a Redis round trip for stats no one reads.
 */
public final class StatsPrefetchStage implements Stage {
    private final ModelGroups groups;
    private final RoutingState state;
    private final boolean cacheInFront;

    /** @param cacheInFront a response cache stage comes between this stage and the router */
    public StatsPrefetchStage(ModelGroups groups, RoutingState state, boolean cacheInFront) {
        this.groups = groups;
        this.state = state;
        this.cacheInFront = cacheInFront;
    }

    @Override
    public String name() {
        return "stats-prefetch";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        ModelGroup group = groups.resolve(ex.model());
        if (group != null && !(cacheInFront && CacheStage.mayAnswer(ex, group))) {
            List<String> ids = RouterStage.firstPickIds(group, ex.promptEstimate());
            if (!ids.isEmpty()) {
                ex.statsPrefetch(StatsPrefetch.start(state, ids));
            }
        }
        return next.proceed(ex);
    }
}
