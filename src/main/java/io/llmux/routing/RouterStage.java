package io.llmux.routing;

import io.llmux.GatewayException;
import io.llmux.config.RoutingConfig;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.routing.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The last stage: resolves the model group, picks a deployment and makes the upstream call. Retries live here
 * and only here: a failed attempt that another deployment could answer is tried on one it has not tried yet.
 */
public final class RouterStage implements Stage {
    private final ModelGroups groups;
    private final Strategy strategy;
    private final RoutingConfig routing;
    private final long writeTimeoutNanos;
    private final LongSupplier nanoClock;

    /** @param writeTimeout {@code server.write_timeout}: no retry starts after it for a non-streaming request */
    public RouterStage(
            ModelGroups groups,
            Strategy strategy,
            RoutingConfig routing,
            Duration writeTimeout,
            LongSupplier nanoClock) {
        this.groups = groups;
        this.strategy = strategy;
        this.routing = routing;
        this.writeTimeoutNanos = writeTimeout.toNanos();
        this.nanoClock = nanoClock;
    }

    @Override
    public String name() {
        return "router";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        ModelGroup group = groups.resolve(ex.model());
        if (group == null) {
            throw GatewayException.modelNotFound(ex.model());
        }
        ex.model(group.name());
        List<Deployment> candidates = new ArrayList<>(group.usable());
        if (candidates.isEmpty()) {
            throw GatewayException.unavailable(noUsableDeployment(group));
        }
        // weight 0 marks a standby (the example config's mock): used only while nothing else of the group can
        // answer, never as the retry target of a real deployment that failed
        if (candidates.stream().anyMatch(d -> d.model().weight() > 0)) {
            candidates.removeIf(d -> d.model().weight() == 0);
        }
        ProviderFailure last = null;
        String lastId = "";
        int maxAttempts = 1 + Math.max(0, routing.retryCount());
        while (!candidates.isEmpty() && ex.attempts() < maxAttempts && !pastWriteTimeout(ex)) {
            Deployment d = strategy.pick(candidates, ex, Map.of());
            ex.attempts(ex.attempts() + 1);
            ex.deployment(d.id());
            ex.deploymentConfig(d.model());
            ex.responseHeader("x-llmux-deployment", d.id());
            ex.responseHeader("x-llmux-attempts", Integer.toString(ex.attempts()));
            long started = nanoClock.getAsLong();
            try {
                Answer answer = d.provider().call(call(ex, d));
                return switch (answer) {
                    case Answer.Whole whole -> {
                        ex.usage(whole.usage());
                        yield new Reply.Json(200, whole.body());
                    }
                    case Answer.Streamed streamed -> new Reply.Stream(streamed.events());
                };
            } catch (ProviderFailure f) {
                last = f;
                lastId = d.id();
                if (!retryable(f.kind())) {
                    break;
                }
                candidates.remove(d);
            } finally {
                ex.addUpstreamNanos(nanoClock.getAsLong() - started);
            }
        }
        throw FailureReplies.toClient(last, lastId);
    }

    /** A client waiting on a whole answer gets the last failure rather than a retry past its write timeout. */
    private boolean pastWriteTimeout(Exchange ex) {
        return ex.attempts() > 0 && !ex.stream() && nanoClock.getAsLong() - ex.startNanos() >= writeTimeoutNanos;
    }

    private static Call call(Exchange ex, Deployment d) {
        return new Call(
                ex.endpoint(),
                ex.body(),
                d.model(),
                ex.stream(),
                ex.clientWantsUsage(),
                ex.requestId(),
                ex.header("traceparent"));
    }

    /** Request-caused failures are the client's to fix; sending them elsewhere would fail the same way. */
    private static boolean retryable(Failure kind) {
        return switch (kind) {
            case CALLER, CONTEXT_LENGTH -> false;
            case AUTH, RATE_LIMITED, TRANSIENT, TIMEOUT, BUSY -> true;
        };
    }

    private static String noUsableDeployment(ModelGroup group) {
        String reasons = group.deployments().stream()
                .map(d -> d.provider().config().name() + ": " + d.provider().disabledReason())
                .distinct()
                .collect(Collectors.joining("; "));
        boolean keyMissing = group.deployments().stream()
                .anyMatch(d -> !d.provider().config().enabled());
        return "No provider can serve model '" + group.name() + "' (" + reasons + ")."
                + (keyMissing
                        ? " Set the missing key in the environment or in .env, then reload the config (SIGHUP or"
                                + " POST /config/reload)."
                        : "");
    }
}
