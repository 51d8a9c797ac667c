package io.llmux.spend;

import io.llmux.auth.Principal;
import io.llmux.budget.Ledger;
import io.llmux.budget.Nanos;
import io.llmux.budget.Reservation;
import io.llmux.pipeline.Exchange;
import io.llmux.store.SpendLogRow;
import io.llmux.wire.Usage;
import java.time.Instant;
import java.util.Optional;

/**
 * What happens to a request's cost once it is final: its budget reservation is settled with the real cost (0 when
 * the call failed) and, with a database, one spend row is queued for the batch writer, which also charges the
 * key, user, team and organization. Nothing here waits on the database.
 */
public final class SpendAccounting {
    private final Ledger ledger;
    private final Optional<SpendLogWriter> writer;

    public SpendAccounting(Ledger ledger, Optional<SpendLogWriter> writer) {
        this.ledger = ledger;
        this.writer = writer;
    }

    /** Called once per request, after its answer was priced (or it failed). */
    public void record(Exchange ex, int status, Instant start, Instant end) {
        Reservation r = ex.reservation();
        if (r != null) {
            ex.reservation(null);
            ledger.settle(r, status < 400 ? Nanos.fromUsd(ex.costUsd()) : 0);
        }
        if (writer.isEmpty() || ex.model() == null) {
            return;
        }
        Principal p = ex.principal();
        Usage u = ex.usage();
        String deployment = ex.deployment();
        int slash = deployment.indexOf('/');
        writer.get()
                .record(new SpendLogRow(
                        ex.requestId(),
                        p == null ? null : p.key().token(),
                        p == null ? null : p.key().keyAlias(),
                        p == null ? null : p.key().userId(),
                        p == null ? null : p.key().teamId(),
                        p == null || p.organization() == null
                                ? null
                                : p.organization().organizationId(),
                        ex.deploymentConfig() == null
                                ? ex.model()
                                : ex.deploymentConfig().model(),
                        ex.model(),
                        deployment,
                        slash > 0 ? deployment.substring(0, slash) : null,
                        Math.max(0, u.promptTokens()),
                        Math.max(0, u.completionTokens()),
                        status < 400 ? ex.costUsd() : 0,
                        ex.cacheHit(),
                        status,
                        start,
                        end));
    }
}
