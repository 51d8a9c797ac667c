package io.llmux.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.Snapshot;
import io.llmux.routing.Deployment;
import io.llmux.routing.ModelGroup;
import io.llmux.wire.Json;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * Health: {@code /health/live} (the process runs), {@code /health/ready} (a config is loaded and what it depends on
 * answers), and the admin {@code /health} with every deployment's state.
 */
final class HealthHandler {
    private final Supplier<Snapshot> snapshots;

    HealthHandler(Supplier<Snapshot> snapshots) {
        this.snapshots = snapshots;
    }

    void live(Request r) throws IOException {
        Responses.json(r, 200, "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    void ready(Request r) throws IOException {
        Snapshot s = snapshots.get();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("status", "ready");
        root.put("providers", s.providers().size());
        root.put("model_groups", s.groups().names().size());
        Responses.json(r, 200, root);
    }

    void deployments(Request r) throws GatewayException, IOException {
        Snapshot s = Callers.authorized(snapshots, r);
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode healthy = root.putArray("healthy_deployments");
        ArrayNode unhealthy = root.putArray("unhealthy_deployments");
        for (ModelGroup g : s.groups().all()) {
            for (Deployment d : g.deployments()) {
                ObjectNode item = Json.MAPPER.createObjectNode();
                item.put("model_group", g.name());
                item.put("deployment", d.id());
                item.put("provider", d.provider().config().type().configName());
                if (d.usable()) {
                    item.put("state", "healthy");
                    healthy.add(item);
                } else {
                    item.put("state", d.provider().config().enabled() ? "unavailable" : "missing credential");
                    item.put("error", d.provider().disabledReason());
                    unhealthy.add(item);
                }
            }
        }
        root.put("healthy_count", healthy.size());
        root.put("unhealthy_count", unhealthy.size());
        Responses.json(r, 200, root);
    }
}
