package io.llmux.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;
import java.util.Locale;

/**
 * Parses and checks the request body, after auth so an unauthenticated caller learns nothing about the API but
 * that it needs a key. Every later stage can trust {@link Exchange#body()} and the fields read from it.
 */
public final class RequestStage implements Stage {

    @Override
    public String name() {
        return "request";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        requireJson(ex.header("content-type"));
        ObjectNode body = Requests.parseObject(ex.rawBody());
        ex.accept(body, Requests.check(ex.endpoint(), body, ex::header));
        return next.proceed(ex);
    }

    /** A body without a Content-Type is taken as JSON; any other declared type is refused (SPEC §4: 415). */
    static void requireJson(String contentType) throws GatewayException {
        if (contentType == null || contentType.isBlank()) {
            return;
        }
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !type.endsWith("+json") && !type.equals("text/json")) {
            throw GatewayException.unsupportedMediaType(type);
        }
    }
}
