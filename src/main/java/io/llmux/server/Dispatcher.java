package io.llmux.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.llmux.GatewayException;
import io.llmux.telemetry.Log;
import java.io.IOException;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The server's one JDK handler: gives the request its id, finds its route, and turns whatever escapes a handler
 * into a SPEC §4 answer. Nothing leaves here as a stack trace; a bug is logged and answered with a plain 500.
 */
final class Dispatcher implements HttpHandler {
    private final Routes routes;
    private final Log log;
    private final LongSupplier nanoClock;

    Dispatcher(Routes routes, Log log, LongSupplier nanoClock) {
        this.routes = routes;
        this.log = log;
        this.nanoClock = nanoClock;
    }

    @Override
    public void handle(HttpExchange he) {
        long start = nanoClock.getAsLong();
        String requestId = RequestIds.acceptOrCreate(he.getRequestHeaders().getFirst("x-request-id"));
        he.getResponseHeaders().set("x-request-id", requestId);
        Request r = new Request(he, requestId, start);
        try {
            route(r).handle(r);
        } catch (GatewayException e) {
            answer(r, e);
        } catch (IOException clientGone) {
            // the client closed the connection; there is no one left to answer
        } catch (RuntimeException | Error bug) {
            log.error("request failed", bug, "request_id", requestId, "path", r.path());
            answer(r, GatewayException.internal(requestId));
        } finally {
            he.close();
        }
    }

    private Handler route(Request r) throws GatewayException {
        Map<String, Handler> byMethod = routes.find(r.path());
        if (byMethod == null) {
            throw GatewayException.notFound("Unknown path " + r.path() + " (" + r.method()
                    + "); the API lives under /v1, e.g. POST /v1/chat/completions.");
        }
        Handler handler = byMethod.get(r.methodUpper());
        if (handler == null && r.methodUpper().equals("HEAD")) {
            handler = byMethod.get("GET");
        }
        if (handler == null) {
            String allowed = String.join(", ", byMethod.keySet());
            r.exchange().getResponseHeaders().set("Allow", allowed);
            throw GatewayException.methodNotAllowed(r.method(), r.path(), allowed);
        }
        return handler;
    }

    private void answer(Request r, GatewayException e) {
        try {
            Responses.error(r, e);
        } catch (IOException ignored) {
            // the client is gone
        }
    }
}
