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
import io.llmux.routing.state.DeploymentStats;
import io.llmux.routing.state.RoutingState;
import io.llmux.routing.strategy.Strategy;
import io.llmux.telemetry.GatewayMetrics;
import io.llmux.telemetry.tracing.AttemptSpan;
import io.llmux.telemetry.tracing.W3cTraceContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The last stage: resolves the model group, picks a deployment and makes the upstream call (SPEC §6). Retries,
 * cooldowns and fallbacks live here and only here. Each group gets up to {@code 1 + retry_count} attempts, preferring
 * deployments it has not tried; when the group is exhausted, its {@code fallbacks} are tried in order (its
 * {@code context_window_fallbacks} when the prompt was too long). What to do after a failure is
 * {@link FailurePolicy}'s decision.
 */
public final class RouterStage implements Stage {
    private final ModelGroups groups;
    private final Strategy strategy;
    private final RoutingConfig routing;
    private final RoutingState state;
    private final long writeTimeoutNanos;
    private final Clock wallClock;
    private final LongSupplier nanoClock;
    private final Supplier<RandomGenerator> random;
    private final Sleeper sleeper;
    private final GatewayMetrics metrics;

    /** @param writeTimeout {@code server.write_timeout}: no retry starts after it for a non-streaming request */
    public RouterStage(
            ModelGroups groups,
            Strategy strategy,
            RoutingConfig routing,
            RoutingState state,
            Duration writeTimeout,
            Clock wallClock,
            LongSupplier nanoClock,
            Supplier<RandomGenerator> random,
            Sleeper sleeper,
            GatewayMetrics metrics) {
        this.groups = groups;
        this.strategy = strategy;
        this.routing = routing;
        this.state = state;
        this.writeTimeoutNanos = writeTimeout.toNanos();
        this.wallClock = wallClock;
        this.nanoClock = nanoClock;
        this.random = random;
        this.sleeper = sleeper;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "router";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        ModelGroup requested = groups.resolve(ex.model());
        if (requested == null) {
            throw GatewayException.modelNotFound(ex.model());
        }
        ex.model(requested.name());
        Trail trail = new Trail();
        Set<String> visited = new HashSet<>();
        Deque<String> pending = new ArrayDeque<>();
        ModelGroup group = requested;
        while (group != null) {
            visited.add(group.name());
            Reply reply = tryGroup(ex, group, trail);
            if (reply != null) {
                return reply;
            }
            if (!routing.fallbackEnabled() || trail.final_ != null) {
                break;
            }
            if (trail.contextTooLong) {
                // a larger-context group replaces whatever was queued: the others would fail the same way
                pending.clear();
                pending.addAll(routing.contextWindowFallbacks().getOrDefault(group.name(), List.of()));
                trail.contextTooLong = false;
            } else if (group.name().equals(requested.name())) {
                pending.addAll(routing.fallbacks().getOrDefault(group.name(), List.of()));
            }
            group = nextGroup(pending, visited);
            if (group != null) {
                metrics.fellBack();
                ex.responseHeader("x-llmux-fallback", group.name());
            }
        }
        // the header names the group that answered; when none did, there is nothing to name
        ex.responseHeaders().remove("x-llmux-fallback");
        throw trail.toClient(requested.name());
    }

    /**
     * The deployments of a group a pick chooses among, before cooldowns: the usable ones, standbys (weight 0, the
     * example config's mock) only while nothing else of the group can answer, never as the retry target of a real
     * deployment that failed.
     */
    private static List<Deployment> candidates(ModelGroup group) {
        List<Deployment> candidates = new ArrayList<>(group.usable());
        if (candidates.stream().anyMatch(d -> d.model().weight() > 0)) {
            candidates.removeIf(d -> d.model().weight() == 0);
        }
        return candidates;
    }

    private static List<Deployment> fitting(List<Deployment> candidates, long estimate) {
        return candidates.stream()
                .filter(d -> d.model().maxInputTokens() == null
                        || estimate <= d.model().maxInputTokens())
                .toList();
    }

    /** The ids whose stats a first pick in the group reads, in the order it reads them ({@link StatsPrefetch}). */
    static List<String> firstPickIds(ModelGroup group, long estimate) {
        return fitting(candidates(group), estimate).stream()
                .map(Deployment::id)
                .distinct()
                .toList();
    }

    /** The stats read ahead for this request, once, when they are for these deployments. */
    private static Map<String, DeploymentStats> prefetched(Exchange ex, List<String> ids) {
        StatsPrefetch p = ex.statsPrefetch();
        if (p == null) {
            return null;
        }
        ex.statsPrefetch(null);
        return p.take(ids);
    }

    /** One group's attempts; the reply, or null when the group is exhausted (what happened is in the trail). */
    private Reply tryGroup(Exchange ex, ModelGroup group, Trail trail) throws GatewayException {
        List<Deployment> candidates = candidates(group);
        if (candidates.isEmpty()) {
            trail.noUsable(group);
            return null;
        }
        long estimate = ex.promptEstimate();
        List<Deployment> fitting = fitting(candidates, estimate);
        if (fitting.isEmpty()) {
            trail.promptTooLong(group, estimate);
            return null;
        }
        Map<String, Deployment> byId = new LinkedHashMap<>();
        fitting.forEach(d -> byId.put(d.id(), d));
        Set<String> tried = new HashSet<>();
        int maxAttempts = 1 + Math.max(0, routing.retryCount());
        for (int attempt = 0; attempt < maxAttempts && !pastWriteTimeout(ex); attempt++) {
            List<String> ids = List.copyOf(byId.keySet());
            Map<String, DeploymentStats> stats = attempt == 0 ? prefetched(ex, ids) : null;
            if (stats == null) {
                stats = state.stats(ids);
            }
            Instant now = wallClock.instant();
            List<Deployment> available = new ArrayList<>();
            for (Deployment d : byId.values()) {
                if (!stats.getOrDefault(d.id(), DeploymentStats.FRESH).coolingAt(now)) {
                    available.add(d);
                }
            }
            if (available.isEmpty()) {
                trail.allCooling(byId.values(), stats);
                return null;
            }
            List<Deployment> pool = preferred(available, tried);
            Deployment d;
            try {
                d = strategy.pick(pool, ex, stats);
            } catch (GatewayException ruledOut) {
                // the strategy sees only what is available now: after a failure, or with deployments cooling down,
                // its refusal (no tag match, limits reached) hides the real reason, which the trail reports
                if (attempt > 0) {
                    return null;
                }
                if (available.size() < byId.size() && ruledOut.status() == 400) {
                    trail.allCooling(byId.values(), stats);
                    return null;
                }
                throw ruledOut;
            }
            if (attempt > 0 && !pause(trail, tried.contains(d.id()))) {
                return null;
            }
            ex.attempts(ex.attempts() + 1);
            ex.deployment(d.id());
            ex.deploymentConfig(d.model());
            ex.responseHeader("x-llmux-deployment", d.id());
            ex.responseHeader("x-llmux-attempts", Integer.toString(ex.attempts()));
            Reply reply = attempt(ex, d, estimate, available.size(), tried.contains(d.id()), trail);
            if (reply != null) {
                return reply;
            }
            tried.add(d.id());
            if (trail.final_ != null || trail.contextTooLong) {
                return null;
            }
            // a refused key is refused again (SPEC §4 retries no 401/403); another deployment's own key may pass
            if (trail.last.kind() == Failure.AUTH) {
                byId.remove(d.id());
                if (byId.isEmpty()) {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * One call; the reply, or null after recording the failure and its consequences.
     *
     * @param again this request already failed on this deployment: its failure is not counted twice, or a request
     *     retried on the last deployment of its group would reach {@code allowed_fails} alone and cool it (SPEC §6)
     */
    private Reply attempt(Exchange ex, Deployment d, long estimate, int available, boolean again, Trail trail) {
        RoutingState.Lease lease = state.start(d.id(), estimate + ex.completionEstimate());
        AttemptSpan span = ex.span().attempt(d.provider().config(), d.model(), ex.deployment());
        long started = nanoClock.getAsLong();
        Answer answer;
        try {
            answer = d.provider().call(call(ex, d, span));
        } catch (RuntimeException e) {
            span.crashed(e);
            throw e;
        } catch (ProviderFailure f) {
            span.failed(f.kind(), f.upstreamStatus());
            long elapsed = nanoClock.getAsLong() - started;
            ex.addUpstreamNanos(elapsed);
            lease.finish(Duration.ofNanos(elapsed), -1);
            FailurePolicy.Decision decision = FailurePolicy.decide(f, available);
            trail.failed(f, d.id(), decision);
            if (decision.countsAgainstDeployment() && !again) {
                Duration cool = decision.coolNow()
                                && f.retryAfter() != null
                                && f.retryAfter().compareTo(Duration.ZERO) > 0
                        ? f.retryAfter()
                        : routing.cooldownPeriod();
                boolean cooled = state.failed(
                        d.id(),
                        describe(f),
                        decision.coolNow(),
                        routing.allowedFails(),
                        wallClock.instant().plus(cool));
                if (cooled) {
                    metrics.cooldownStarted(d.id());
                }
            }
            return null;
        }
        long elapsed = nanoClock.getAsLong() - started;
        ex.addUpstreamNanos(elapsed);
        return switch (answer) {
            case Answer.Whole whole -> {
                ex.usage(whole.usage());
                span.answered(whole.body(), whole.usage());
                lease.finish(Duration.ofNanos(elapsed), whole.usage().totalTokens());
                yield new Reply.Json(200, whole.body());
            }
            case Answer.Streamed streamed -> {
                metrics.streamOpened(ex, started + elapsed);
                yield new Reply.Stream(
                        span.streamed(new TrackedStream(streamed.events(), lease, Duration.ofNanos(elapsed))));
            }
        };
    }

    /**
     * Waits before a retry: full-jitter backoff, or the provider's {@code Retry-After} when the same deployment is
     * tried again. A wait longer than {@code retry_max_backoff} is not worth holding the client for.
     *
     * @return false when the group should give up instead
     */
    private boolean pause(Trail trail, boolean sameDeployment) throws GatewayException {
        Duration wait =
                Backoff.delay(trail.retries + 1, routing.retryBackoff(), routing.retryMaxBackoff(), random.get());
        if (sameDeployment && trail.lastRetryAfter != null) {
            if (trail.lastRetryAfter.compareTo(routing.retryMaxBackoff()) > 0) {
                return false;
            }
            wait = trail.lastRetryAfter.compareTo(wait) > 0 ? trail.lastRetryAfter : wait;
        }
        trail.retries++;
        metrics.retried();
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GatewayException.unavailable("The gateway is shutting down; the request was not retried.");
        }
        return true;
    }

    /** Untried deployments first; of those, {@code routing.default_provider}'s when it has any. */
    private List<Deployment> preferred(List<Deployment> available, Set<String> tried) {
        List<Deployment> pool =
                available.stream().filter(d -> !tried.contains(d.id())).toList();
        if (pool.isEmpty()) {
            pool = available;
        }
        String preferred = routing.defaultProvider();
        if (preferred != null) {
            List<Deployment> own = pool.stream()
                    .filter(d -> d.provider().config().name().equals(preferred))
                    .toList();
            if (!own.isEmpty()) {
                return own;
            }
        }
        return pool;
    }

    private ModelGroup nextGroup(Deque<String> pending, Set<String> visited) {
        while (!pending.isEmpty()) {
            ModelGroup g = groups.resolve(pending.poll());
            if (g != null && !visited.contains(g.name())) {
                return g;
            }
        }
        return null;
    }

    /** A client waiting on a whole answer gets the last failure rather than a retry past its write timeout. */
    private boolean pastWriteTimeout(Exchange ex) {
        return ex.attempts() > 0 && !ex.stream() && nanoClock.getAsLong() - ex.startNanos() >= writeTimeoutNanos;
    }

    private static String describe(ProviderFailure f) {
        return (f.upstreamStatus() > 0 ? f.upstreamStatus() + " " : "") + f.getMessage();
    }

    /**
     * The attempt's input. Its trace context is the attempt's span; when tracing is off, the client's own
     * {@code traceparent} goes upstream unchanged if it is well formed, so a provider's traces still join the
     * client's.
     */
    private static Call call(Exchange ex, Deployment d, AttemptSpan span) {
        String traceparent = span.traceparent();
        String clients = traceparent != null ? null : W3cTraceContext.traceparent(ex.header("traceparent"));
        return new Call(
                ex.endpoint(),
                ex.body(),
                d.model(),
                ex.stream(),
                ex.clientWantsUsage(),
                ex.requestId(),
                traceparent != null ? traceparent : clients,
                traceparent != null ? span.tracestate() : W3cTraceContext.tracestate(clients, ex.header("tracestate")));
    }

    /** What happened to one request across its groups and attempts, and what the client is told when all failed. */
    private final class Trail {
        ProviderFailure last;
        String lastDeployment = "";
        Duration lastRetryAfter;
        int retries;
        boolean contextTooLong;
        /** An answer that ends the request: the client's own mistake. */
        GatewayException final_;

        private final List<String> unusable = new ArrayList<>();
        private Instant earliestRetry;
        private final List<String> cooling = new ArrayList<>();
        private String tooLong;

        void failed(ProviderFailure f, String deployment, FailurePolicy.Decision decision) {
            last = f;
            lastDeployment = deployment;
            lastRetryAfter = f.retryAfter();
            if (decision.toClient()) {
                final_ = FailureReplies.toClient(f, deployment);
            }
            contextTooLong = decision.contextFallback();
        }

        void noUsable(ModelGroup group) {
            group.deployments().stream()
                    .map(d -> d.provider().config().name() + ": " + d.provider().disabledReason())
                    .distinct()
                    .forEach(unusable::add);
            if (group.deployments().stream()
                    .anyMatch(d -> !d.provider().config().enabled())) {
                unusable.add("set the missing key in the environment or in .env, then reload the config (SIGHUP or"
                        + " POST /config/reload)");
            }
        }

        void promptTooLong(ModelGroup group, long estimate) {
            tooLong = "the prompt (about " + estimate + " tokens) is longer than max_input_tokens of every deployment"
                    + " of " + group.name();
            contextTooLong = true;
        }

        void allCooling(Iterable<Deployment> deployments, Map<String, DeploymentStats> stats) {
            for (Deployment d : deployments) {
                DeploymentStats s = stats.getOrDefault(d.id(), DeploymentStats.FRESH);
                if (s.cooledUntil() != null) {
                    cooling.add(d.id() + " until " + s.cooledUntil()
                            + (s.lastError() == null ? "" : " (" + s.lastError() + ")"));
                    if (earliestRetry == null || s.cooledUntil().isBefore(earliestRetry)) {
                        earliestRetry = s.cooledUntil();
                    }
                }
            }
        }

        GatewayException toClient(String requested) {
            if (final_ != null) {
                return final_;
            }
            if (last != null) {
                return FailureReplies.toClient(last, lastDeployment);
            }
            if (tooLong != null) {
                return GatewayException.invalidRequest(
                        "messages", "context_length_exceeded", "This request cannot be served: " + tooLong + ".");
            }
            if (!cooling.isEmpty()) {
                Duration wait = Duration.between(wallClock.instant(), earliestRetry);
                return GatewayException.unavailable(
                        "Every deployment of " + requested + " is cooling down: " + String.join(", ", cooling)
                                + ". Retry after " + earliestRetry + ".",
                        wait.isNegative() ? Duration.ofSeconds(1) : wait);
            }
            return GatewayException.unavailable(
                    "No provider can serve model '" + requested + "' (" + String.join("; ", unusable) + ").");
        }
    }
}
