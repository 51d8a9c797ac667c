package io.llmux.auth;

import io.llmux.GatewayException;
import io.llmux.budget.BudgetExceeded;
import io.llmux.budget.BudgetMessages;
import io.llmux.budget.BudgetScopes;
import io.llmux.budget.Ledger;
import io.llmux.budget.Nanos;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;
import io.llmux.routing.Deployment;
import io.llmux.routing.ModelGroup;
import io.llmux.routing.ModelGroups;
import io.llmux.spend.Pricing;
import io.llmux.wire.TokenEstimate;
import java.time.Clock;
import java.util.List;

/**
 * Admission for virtual keys (SPEC §8): the model must be on the key's, user's, team's and organization's lists,
 * and the request's estimated cost is reserved on their budgets, all at once or not at all. The reservation rides
 * on the exchange and is settled with the real cost when the answer is done. The master key passes untouched.
 */
public final class AccessStage implements Stage {
    /** LiteLLM's word in a key's model list for "whatever the key's team allows". */
    static final String ALL_TEAM_MODELS = "all-team-models";

    private final ModelGroups groups;
    private final Pricing pricing;
    private final Ledger ledger;
    private final Clock clock;

    public AccessStage(ModelGroups groups, Pricing pricing, Ledger ledger, Clock clock) {
        this.groups = groups;
        this.pricing = pricing;
        this.ledger = ledger;
        this.clock = clock;
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
        String requested = ex.model();
        ModelGroup group = groups.resolve(requested);
        String groupName = group == null ? requested : group.name();
        checkModel("key", p.label(), p.key().models(), requested, groupName);
        if (p.user() != null) {
            checkModel("user", p.user().userId(), p.user().models(), requested, groupName);
        }
        if (p.team() != null) {
            checkModel("team", p.teamLabel(), p.team().models(), requested, groupName);
        }
        if (p.organization() != null) {
            checkModel(
                    "organization",
                    p.organization().organizationId(),
                    p.organization().models(),
                    requested,
                    groupName);
        }
        if (group == null) {
            return next.proceed(ex); // the router answers 404 for an unknown model
        }
        try {
            ex.reservation(ledger.reserve(BudgetScopes.of(p, clock.instant()), estimate(ex, group)));
        } catch (BudgetExceeded e) {
            throw BudgetMessages.exceeded(e);
        }
        return next.proceed(ex);
    }

    /** The dearest deployment of the group at the request's prompt and expected answer length. */
    private long estimate(Exchange ex, ModelGroup group) {
        long prompt = TokenEstimate.prompt(ex.body());
        long completion = TokenEstimate.completion(ex.body());
        double most = 0;
        for (Deployment d : group.deployments()) {
            most = Math.max(most, pricing.estimate(d.model(), prompt, completion));
        }
        return Nanos.fromUsd(most);
    }

    private static void checkModel(String kind, String label, List<String> allowed, String requested, String group)
            throws GatewayException {
        if (allowed.isEmpty()
                || allowed.contains(requested)
                || allowed.contains(group)
                || allowed.contains(ALL_TEAM_MODELS)
                || allowed.contains("*")) {
            return;
        }
        String shown =
                allowed.size() <= 20 ? String.join(", ", allowed) : String.join(", ", allowed.subList(0, 20)) + ", …";
        throw GatewayException.permissionDenied(
                "model_not_allowed",
                "The " + kind + " '" + label + "' may not use model '" + requested + "'. Allowed: " + shown + ".");
    }
}
