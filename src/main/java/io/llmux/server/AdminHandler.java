package io.llmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.Snapshot;
import io.llmux.config.ConfigException;
import io.llmux.config.ConfigProblem;
import io.llmux.wire.Json;
import io.llmux.wire.Requests;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Supplier;

/** {@code POST /config/reload}: an admin asks the gateway to re-read its config file. */
final class AdminHandler {
    private final Supplier<Snapshot> snapshots;
    private final Reloader reloader;
    private final Clock wallClock;

    AdminHandler(Supplier<Snapshot> snapshots, Reloader reloader, Clock wallClock) {
        this.snapshots = snapshots;
        this.reloader = reloader;
        this.wallClock = wallClock;
    }

    void reload(Request r) throws GatewayException, IOException {
        Callers.admin(snapshots, r);
        List<String> warnings;
        try {
            warnings = reloader.reload();
        } catch (ConfigException e) {
            List<String> problems =
                    e.problems().stream().map(ConfigProblem::toString).toList();
            throw new GatewayException(
                    400,
                    "invalid_request_error",
                    "invalid_config",
                    null,
                    "The config file was not reloaded; the running config stays. Problems: "
                            + String.join("; ", problems));
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("status", "reloaded");
        warnings.forEach(root.putArray("warnings")::add);
        Responses.json(r, 200, root);
    }

    /**
     * {@code POST /deployments/cooldown}: {@code {"deployment": "openai/gpt-4o", "seconds": 300, "reason": "…"}} cools
     * a deployment by hand (it gets no traffic until then, on every replica sharing state); {@code "clear": true}
     * ends a cooldown at once.
     */
    void cooldown(Request r) throws GatewayException, IOException {
        Snapshot s = Callers.admin(snapshots, r);
        JsonNode body = Requests.parseObject(BodyReader.read(r, 64 * 1024));
        JsonNode id = body.get("deployment");
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw GatewayException.invalidRequest(
                    "deployment", "Missing 'deployment': name it as provider/model, e.g. \"openai/gpt-4o\".");
        }
        boolean known = s.groups().all().stream()
                .flatMap(g -> g.deployments().stream())
                .anyMatch(d -> d.id().equals(id.asText()));
        if (!known) {
            throw GatewayException.notFound("No deployment " + id.asText() + "; GET /health lists them.");
        }
        boolean clear = body.path("clear").asBoolean(false);
        JsonNode seconds = body.get("seconds");
        if (!clear && (seconds == null || !seconds.canConvertToLong() || seconds.asLong() <= 0)) {
            throw GatewayException.invalidRequest(
                    "seconds", "Give 'seconds' (a positive whole number) to cool down, or \"clear\": true to end it.");
        }
        // whole milliseconds, as shared state keeps deadlines: the answer is what /health shows on every replica
        Instant until =
                clear ? null : wallClock.instant().plusSeconds(seconds.asLong()).truncatedTo(ChronoUnit.MILLIS);
        String reason = body.path("reason").asText("set by hand");
        s.routingState().setCooldown(id.asText(), until, reason);
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("deployment", id.asText());
        if (until == null) {
            root.putNull("cooldown_until");
        } else {
            root.put("cooldown_until", until.toString());
        }
        Responses.json(r, 200, root);
    }
}
