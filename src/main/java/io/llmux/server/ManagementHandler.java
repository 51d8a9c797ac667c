package io.llmux.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.Snapshot;
import io.llmux.admin.AdminRequest;
import io.llmux.admin.AdminRoute;
import io.llmux.auth.Caller;
import io.llmux.store.StoreException;
import io.llmux.wire.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The management API over HTTP (SPEC §8): checks who calls, reads the query and the JSON body, runs the endpoint
 * and writes its answer. Without a database every management route answers 501 saying how to enable it.
 */
final class ManagementHandler {
    /** Key types that may call management routes; {@code llm_api} keys may only call models. */
    private static final Set<String> MANAGING = Set.of("default", "management");

    private ManagementHandler() {}

    static void register(Routes routes, List<AdminRoute> api, boolean available, Supplier<Snapshot> snapshots) {
        for (AdminRoute route : api) {
            Routes.Template template = Routes.Template.of(route.path());
            routes.add(route.method(), route.path(), r -> handle(route, template, available, snapshots, r));
        }
    }

    private static void handle(
            AdminRoute route, Routes.Template template, boolean available, Supplier<Snapshot> snapshots, Request r)
            throws GatewayException, IOException {
        if (!available) {
            throw new GatewayException(
                    501,
                    "api_error",
                    "database_not_configured",
                    null,
                    "Keys, teams, users, organizations and spend need a database. Add `database: {type: embedded}`"
                            + " (or a PostgreSQL `host`) and `auth.master_key` to the config and restart.");
        }
        Snapshot s = snapshots.get();
        Caller caller = authorize(s, route.access(), r);
        Map<String, String> query = query(r.exchange().getRequestURI().getRawQuery());
        JsonNode body = body(s, r);
        if (template != null) {
            body = withPathId(body, template.name(), template.id(r.path()));
        }
        try {
            JsonNode answer = route.endpoint().handle(new AdminRequest(r.method(), r.path(), query, body, caller));
            Responses.json(r, 200, answer);
        } catch (StoreException e) {
            if (e.kind() == StoreException.Kind.UNAVAILABLE) {
                throw GatewayException.unavailable(
                        "The database is not answering; nothing was changed. Try again shortly.",
                        Duration.ofSeconds(1));
            }
            if (e.kind() == StoreException.Kind.CONFLICT) {
                throw GatewayException.invalidRequest(null, "conflict", e.getMessage());
            }
            if (e.kind() == StoreException.Kind.INVALID) {
                // the endpoints bound what they read; this is the net under a field they missed
                throw GatewayException.invalidRequest(
                        null,
                        "A value in the request is longer or larger than the gateway can store; nothing was changed.");
            }
            throw e;
        }
    }

    private static Caller authorize(Snapshot s, AdminRoute.Access access, Request r) throws GatewayException {
        if (s.authenticator().isEmpty()) {
            throw GatewayException.authentication("This gateway has no keys configured.");
        }
        Caller caller = s.authenticator().get().authenticate(r::header);
        if (caller.master() || access == AdminRoute.Access.SELF) {
            return caller;
        }
        String type = caller.principal().key().keyType();
        boolean allowed = caller.admin()
                && (MANAGING.contains(type) || (access == AdminRoute.Access.READ && type.equals("read_only")));
        if (!allowed) {
            throw GatewayException.permissionDenied(
                    null,
                    caller.admin()
                            ? "This key's key_type (" + type + ") may not call " + r.method() + " " + r.path() + "."
                            : "Management routes need the master key or a key of a proxy_admin user.");
        }
        return caller;
    }

    private static JsonNode body(Snapshot s, Request r) throws GatewayException, IOException {
        if (r.methodUpper().equals("GET") || r.methodUpper().equals("HEAD")) {
            return Json.MAPPER.createObjectNode();
        }
        byte[] raw = BodyReader.read(r, s.config().server().maxBodySize());
        if (raw.length == 0) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(raw);
        } catch (JacksonException e) {
            throw GatewayException.invalidRequest(null, "The body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw GatewayException.invalidRequest(null, "The body must be a JSON object.");
        }
        return node;
    }

    /**
     * The id of a templated path as the body field of that name, so one endpoint serves both of LiteLLM's forms
     * ({@code POST /key/{key}/regenerate} and {@code POST /key/regenerate} with {@code key}). A body naming another
     * value is refused rather than one of the two silently winning.
     */
    private static JsonNode withPathId(JsonNode body, String name, String id) throws GatewayException {
        JsonNode sent = body.get(name);
        if (sent != null && !sent.isNull() && !sent.asText().equals(id)) {
            throw GatewayException.invalidRequest(
                    name, "'" + name + "' in the body differs from the one in the path; send it in one place.");
        }
        ObjectNode merged = ((ObjectNode) body).deepCopy();
        merged.put(name, id);
        return merged;
    }

    /** The first value of each query parameter, decoded. */
    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(name, value);
        }
        return out;
    }
}
