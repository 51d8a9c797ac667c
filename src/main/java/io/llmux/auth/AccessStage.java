package io.llmux.auth;

import io.llmux.GatewayException;
import io.llmux.budget.BudgetExceeded;
import io.llmux.budget.BudgetMessages;
import io.llmux.budget.BudgetScope;
import io.llmux.budget.BudgetScopes;
import io.llmux.budget.Ledger;
import io.llmux.budget.Nanos;
import io.llmux.budget.PendingReservation;
import io.llmux.budget.Reservation;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;
import io.llmux.routing.Deployment;
import io.llmux.routing.ModelGroup;
import io.llmux.routing.ModelGroups;
import io.llmux.spend.Pricing;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/**
 * Admission for virtual keys (SPEC §8): the model must be on the key's, user's, team's and organization's lists,
 * and the request's estimated cost is reserved on their budgets (and on the key's budget for the model, when it has
 * one), all at once or not at all. The reservation rides on the exchange and is settled with the real cost when the
 * answer is done. The master key passes untouched.
 *
 * <p>When the reservation is a Redis round trip and so is the rate limit admission that follows, the reservation is
 * only started here ({@link PendingReservation}) and awaited by {@link ReservationAwaitStage}, after the limiter: the
 * two round trips overlap. A request the limiter refuses meanwhile still gets its reservation, to be settled at 0;
 * and when the budget refuses it too, the budget's 403 is the answer, as when the budget was checked first.
 */
public final class AccessStage implements Stage {
    /** Key types that may call models; {@code management} and {@code read_only} keys may not (SPEC §8). */
    private static final Set<String> DATA_PLANE_KEY_TYPES = Set.of("default", "llm_api");

    private final ModelGroups groups;
    private final Pricing pricing;
    private final Ledger ledger;
    private final Clock clock;
    private final boolean awaitedLater;

    /** @param awaitedLater start the reservation only: a {@link ReservationAwaitStage} further on waits for it */
    public AccessStage(ModelGroups groups, Pricing pricing, Ledger ledger, Clock clock, boolean awaitedLater) {
        this.groups = groups;
        this.pricing = pricing;
        this.ledger = ledger;
        this.clock = clock;
        this.awaitedLater = awaitedLater;
    }

    @Override
    public String name() {
        return "access";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        Principal p = ex.principal();
        if (p == null) {
            return next.proceed(ex);
        }
        if (!DATA_PLANE_KEY_TYPES.contains(p.key().keyType())) {
            throw GatewayException.permissionDenied(
                    "key_type_not_allowed",
                    "This key's key_type is " + p.key().keyType() + "; it may not call models.");
        }
        String requested = ex.model();
        ModelGroup group = groups.resolve(requested);
        String groupName = group == null ? requested : group.name();
        String refusal = p.modelRefusal(requested, groupName);
        if (refusal != null) {
            throw GatewayException.permissionDenied("model_not_allowed", refusal);
        }
        if (group == null) {
            return next.proceed(ex); // the router answers 404 for an unknown model
        }
        List<BudgetScope> scopes = BudgetScopes.of(p, requested, group.name(), clock.instant());
        long estimate = estimate(ex, group);
        if (awaitedLater) {
            ex.pendingReservation(PendingReservation.start(ledger, scopes, estimate));
            try {
                return next.proceed(ex);
            } catch (GatewayException | RuntimeException e) {
                await(ex); // refused before the await stage, by the limiter most likely: a refused budget answers first
                throw e;
            }
        }
        try {
            admitted(ex, ledger.reserve(scopes, estimate));
        } catch (BudgetExceeded e) {
            throw BudgetMessages.exceeded(e);
        }
        return next.proceed(ex);
    }

    /**
     * Waits for the reservation {@link #handle} started, if it was not awaited yet: puts it on the exchange, to be
     * settled with the answer; throws the budget's 403 when it was refused.
     */
    static void await(Exchange ex) throws GatewayException {
        PendingReservation pending = ex.pendingReservation();
        if (pending == null) {
            return;
        }
        ex.pendingReservation(null);
        try {
            admitted(ex, pending.await());
        } catch (BudgetExceeded e) {
            throw BudgetMessages.exceeded(e);
        }
    }

    private static void admitted(Exchange ex, Reservation r) {
        ex.reservation(r);
        Double soft = ex.principal().key().softBudget();
        // the key's scope comes first; a soft budget warns the caller, it never refuses
        if (soft != null && r.spentBefore().get(0) + r.estimateNanoUsd() >= Nanos.fromUsd(soft)) {
            ex.responseHeader("x-llmux-soft-budget-exceeded", "true");
        }
    }

    /** The dearest deployment of the group at the request's prompt and expected answer length. */
    private long estimate(Exchange ex, ModelGroup group) {
        long prompt = ex.promptEstimate();
        long completion = ex.completionEstimate();
        double most = 0;
        for (Deployment d : group.deployments()) {
            most = Math.max(most, pricing.estimate(d.model(), prompt, completion));
        }
        return Nanos.fromUsd(most);
    }
}
