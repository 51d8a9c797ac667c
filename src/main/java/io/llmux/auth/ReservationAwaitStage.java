package io.llmux.auth;

import io.llmux.GatewayException;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;

/**
 * Waits for the budget reservation {@link AccessStage} started, once the rate limit stage between them has made its
 * own round trip: 403 when the budget refused. Wired only when the reservation is a Redis call; nothing past this
 * stage (cache, router, provider) runs before the budget has said yes.
 */
public final class ReservationAwaitStage implements Stage {

    @Override
    public String name() {
        return "budget-await";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        AccessStage.await(ex);
        return next.proceed(ex);
    }
}
