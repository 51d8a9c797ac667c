package io.llmux.routing.strategy;

import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import java.util.List;

/** Picks one deployment among those the router may use for a request (SPEC §6). */
public interface Strategy {

    /** @param candidates at least one; all usable and not cooling down */
    Deployment pick(List<Deployment> candidates, Exchange ex);
}
