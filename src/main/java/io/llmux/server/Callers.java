package io.llmux.server;

import io.llmux.GatewayException;
import io.llmux.Snapshot;
import io.llmux.auth.Caller;
import java.util.function.Supplier;

/** Who may call the non-pipeline routes: models (any valid key) and the admin routes (health, reload, cooldowns). */
final class Callers {
    private Callers() {}

    /**
     * The current snapshot and who calls, once the key is checked.
     *
     * @param caller null on an open gateway, which checks nothing
     */
    record Checked(Snapshot snapshot, Caller caller) {}

    static Checked any(Supplier<Snapshot> snapshots, Request r) throws GatewayException {
        Snapshot s = snapshots.get();
        Caller caller = s.authenticator().isPresent() ? s.authenticator().get().authenticate(r::header) : null;
        return new Checked(s, caller);
    }

    /** The current snapshot, once the caller is known to be an admin (an open gateway checks nothing). */
    static Snapshot admin(Supplier<Snapshot> snapshots, Request r) throws GatewayException {
        Snapshot s = snapshots.get();
        if (s.authenticator().isPresent()) {
            s.authenticator().get().authenticateAdmin(r::header);
        }
        return s;
    }
}
