package io.llmux.routing.strategy;

import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * {@code lowest-tpm-rpm}: among the deployments still under their {@code rpm} and {@code tpm} for the current
 * minute, the one that used the fewest tokens in it. This request's own estimated tokens count against {@code tpm},
 * so a pick never knowingly pushes a deployment past its limit. A deployment without {@code rpm} or {@code tpm} has
 * no such limit. When none is left the client gets a 429 telling it to come back when the minute turns.
 */
public final class LowestTpmRpm implements Strategy {
    private final Clock clock;
    private final Supplier<RandomGenerator> random;

    /** @param clock the wall clock, for the Retry-After until the next minute starts */
    public LowestTpmRpm(Clock clock, Supplier<RandomGenerator> random) {
        this.clock = clock;
        this.random = random;
    }

    @Override
    public Deployment pick(List<Deployment> candidates, Exchange ex, Map<String, DeploymentStats> stats)
            throws GatewayException {
        long tokens = ex.promptEstimate() + ex.completionEstimate();
        long least = Long.MAX_VALUE;
        List<Deployment> lightest = new ArrayList<>();
        for (Deployment d : candidates) {
            DeploymentStats s = stats.getOrDefault(d.id(), DeploymentStats.FRESH);
            if (!fits(d.model(), s, tokens)) {
                continue;
            }
            if (s.minuteTokens() < least) {
                least = s.minuteTokens();
                lightest.clear();
            }
            if (s.minuteTokens() == least) {
                lightest.add(d);
            }
        }
        if (lightest.isEmpty()) {
            throw exhausted(candidates, stats, tokens);
        }
        return Weighted.any(lightest, random.get());
    }

    private static boolean fits(DeploymentConfig limits, DeploymentStats s, long tokens) {
        boolean underRpm = limits.rpm() == null || s.minuteRequests() < limits.rpm();
        boolean underTpm = limits.tpm() == null || s.minuteTokens() + tokens <= limits.tpm();
        return underRpm && underTpm;
    }

    private GatewayException exhausted(List<Deployment> candidates, Map<String, DeploymentStats> stats, long tokens) {
        Instant now = clock.instant();
        Duration untilNextMinute =
                Duration.between(now, now.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES));
        String usage = candidates.stream()
                .map(d -> usage(d, stats.getOrDefault(d.id(), DeploymentStats.FRESH)))
                .collect(Collectors.joining("; "));
        return GatewayException.rateLimited(
                "Every deployment of model '" + candidates.get(0).model().name()
                        + "' is at its per-minute limits for this request (about " + tokens + " tokens): " + usage
                        + ". Retry after " + Math.max(1, (untilNextMinute.toMillis() + 999) / 1000)
                        + " s, when the next minute starts, or ask for fewer tokens (max_tokens).",
                untilNextMinute);
    }

    private static String usage(Deployment d, DeploymentStats s) {
        DeploymentConfig m = d.model();
        return d.id() + " used " + s.minuteRequests() + " requests (" + limit("rpm", m.rpm()) + ") and "
                + s.minuteTokens() + " tokens (" + limit("tpm", m.tpm()) + ")";
    }

    private static String limit(String name, Long value) {
        return value == null ? "no " + name : name + " " + value;
    }
}
