package io.llmux.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.Snapshot;
import io.llmux.routing.Deployment;
import io.llmux.routing.ModelGroup;
import io.llmux.routing.state.DeploymentStats;
import io.llmux.wire.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Health: {@code /health/live} (the process runs), {@code /health/ready} (a config is loaded and what it depends on
 * answers), and the admin {@code /health} with every deployment's state.
 */
final class HealthHandler {
    private final Supplier<Snapshot> snapshots;
    private final Clock wallClock;
    private final Supplier<String> notReady;

    /** @param notReady what the gateway waits for (the database, Redis), or null when it is ready */
    HealthHandler(Supplier<Snapshot> snapshots, Clock wallClock, Supplier<String> notReady) {
        this.snapshots = snapshots;
        this.wallClock = wallClock;
        this.notReady = notReady;
    }

    void live(Request r) throws IOException {
        Responses.json(r, 200, "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    void ready(Request r) throws IOException {
        Snapshot s = snapshots.get();
        ObjectNode root = Json.MAPPER.createObjectNode();
        String waiting = notReady.get();
        root.put("status", waiting == null ? "ready" : "not_ready");
        if (waiting != null) {
            root.put("reason", waiting);
        }
        root.put("providers", s.providers().size());
        root.put("model_groups", s.groups().names().size());
        Responses.json(r, waiting == null ? 200 : 503, root);
    }

    void deployments(Request r) throws GatewayException, IOException {
        Snapshot s = Callers.admin(snapshots, r);
        List<String> ids = new ArrayList<>();
        s.groups().all().forEach(g -> g.deployments().forEach(d -> ids.add(d.id())));
        Map<String, DeploymentStats> stats = s.routingState().stats(ids);
        Instant now = wallClock.instant();
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode healthy = root.putArray("healthy_deployments");
        ArrayNode unhealthy = root.putArray("unhealthy_deployments");
        for (ModelGroup g : s.groups().all()) {
            for (Deployment d : g.deployments()) {
                DeploymentStats st = stats.getOrDefault(d.id(), DeploymentStats.FRESH);
                ObjectNode item = Json.MAPPER.createObjectNode();
                item.put("model_group", g.name());
                item.put("deployment", d.id());
                item.put("provider", d.provider().config().type().configName());
                if (!d.usable()) {
                    item.put("state", d.provider().config().enabled() ? "unavailable" : "missing credential");
                    item.put("error", d.provider().disabledReason());
                } else if (st.coolingAt(now)) {
                    item.put("state", "cooling down");
                    item.put("cooldown_until", st.cooledUntil().toString());
                } else {
                    item.put("state", "healthy");
                }
                if (st.lastError() != null) {
                    item.put("last_error", st.lastError());
                }
                if (st.tried()) {
                    item.put("latency_ms", Math.round(st.latencyMillis() * 10) / 10.0);
                }
                item.put("in_flight", st.inFlight());
                (item.get("state").asText().equals("healthy") ? healthy : unhealthy).add(item);
            }
        }
        root.put("healthy_count", healthy.size());
        root.put("unhealthy_count", unhealthy.size());
        Responses.json(r, 200, root);
    }
}
