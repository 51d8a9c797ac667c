package io.llmux.server;

import io.llmux.GatewayException;
import io.llmux.Snapshot;
import java.util.function.Supplier;

/** Who may call the non-pipeline routes (models, admin health, reload): the same keys the pipeline's auth accepts. */
final class Callers {
    private Callers() {}

    /** The current snapshot, once the caller's key is checked (an open gateway checks nothing). */
    static Snapshot authorized(Supplier<Snapshot> snapshots, Request r) throws GatewayException {
        Snapshot s = snapshots.get();
        if (s.authenticator().isPresent()) {
            s.authenticator().get().authenticate(r::header);
        }
        return s;
    }
}
