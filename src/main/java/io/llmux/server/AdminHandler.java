package io.llmux.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.Snapshot;
import io.llmux.config.ConfigException;
import io.llmux.config.ConfigProblem;
import io.llmux.wire.Json;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/** {@code POST /config/reload}: an admin asks the gateway to re-read its config file. */
final class AdminHandler {
    private final Supplier<Snapshot> snapshots;
    private final Reloader reloader;

    AdminHandler(Supplier<Snapshot> snapshots, Reloader reloader) {
        this.snapshots = snapshots;
        this.reloader = reloader;
    }

    void reload(Request r) throws GatewayException, IOException {
        Callers.authorized(snapshots, r);
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
}
