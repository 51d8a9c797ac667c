package io.llmux.auth;

import io.llmux.GatewayException;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;

/** First stage: the request must carry a key the gateway knows. Not in the pipeline of an open gateway. */
public final class AuthStage implements Stage {
    private final Authenticator authenticator;

    public AuthStage(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    public String name() {
        return "auth";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        ex.caller(authenticator.authenticate(ex::header));
        return next.proceed(ex);
    }
}
