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
        Caller caller = authenticator.authenticate(ex::header);
        ex.caller(caller.label());
        ex.principal(caller.principal());
        return next.proceed(ex);
    }
}
