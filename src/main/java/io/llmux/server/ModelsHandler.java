package io.llmux.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.Snapshot;
import io.llmux.auth.Caller;
import io.llmux.routing.ModelGroup;
import io.llmux.routing.ModelGroups;
import io.llmux.wire.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** {@code GET /v1/models} and {@code /v1/models/{id}}: the model groups and aliases a caller may use, in OpenAI's shape. */
final class ModelsHandler {
    private static final String PREFIX = "/v1/models/";
    private final Supplier<Snapshot> snapshots;
    private final long created;

    ModelsHandler(Supplier<Snapshot> snapshots, long createdEpochSeconds) {
        this.snapshots = snapshots;
        this.created = createdEpochSeconds;
    }

    void list(Request r) throws GatewayException, IOException {
        Callers.Checked checked = Callers.any(snapshots, r);
        Snapshot s = checked.snapshot();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        ModelGroups groups = s.groups();
        // a group no provider can serve (missing key, no adapter) is left out: it would only ever answer 503
        for (String name : groups.names()) {
            if (!groups.resolve(name).usable().isEmpty() && mayUse(checked.caller(), name, name)) {
                data.add(model(name));
            }
        }
        for (String alias : groups.aliases().keySet().stream().sorted().toList()) {
            ModelGroup target = groups.resolve(alias);
            if (target != null && !target.usable().isEmpty() && mayUse(checked.caller(), alias, target.name())) {
                data.add(model(alias));
            }
        }
        Responses.json(r, 200, root);
    }

    void one(Request r) throws GatewayException, IOException {
        Callers.Checked checked = Callers.any(snapshots, r);
        Snapshot s = checked.snapshot();
        String prefix = r.path().startsWith(PREFIX) ? PREFIX : "/models/";
        String id = URLDecoder.decode(r.path().substring(prefix.length()), StandardCharsets.UTF_8);
        ModelGroup group = s.groups().resolve(id);
        // a model the key may not use is as absent to it as an unknown one
        if (group == null || !mayUse(checked.caller(), id, group.name())) {
            throw GatewayException.modelNotFound(id);
        }
        Responses.json(r, 200, model(id));
    }

    /** A virtual key sees only the models its lists allow; the master key and an open gateway see all. */
    private static boolean mayUse(Caller caller, String requested, String group) {
        return caller == null
                || caller.principal() == null
                || caller.principal().modelRefusal(requested, group) == null;
    }

    private ObjectNode model(String id) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "llmux");
        return m;
    }
}
