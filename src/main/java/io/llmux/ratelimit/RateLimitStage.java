package io.llmux.ratelimit;

import io.llmux.GatewayException;
import io.llmux.config.RateLimitConfig;
import io.llmux.pipeline.Chain;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.pipeline.Stage;
import io.llmux.routing.ModelGroup;
import io.llmux.routing.ModelGroups;
import io.llmux.telemetry.GatewayMetrics;
import java.time.Duration;
import java.util.List;

/**
 * Rate limits (SPEC §9): every limit of the request ({@link RequestLimits}) is checked and taken at once, with the
 * prompt's estimated tokens on tpm limits; over one, 429 with {@code Retry-After} naming it. The admission rides on
 * the exchange and is settled with the real usage when the answer is done ({@link RateLimitSettlement}). The
 * {@code x-ratelimit-*} headers go on every answer of a limited caller, refusals included.
 */
public final class RateLimitStage implements Stage {
    /** What a fail-closed refusal asks the client to wait: Redis is tried again a second after a failure. */
    private static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(1);

    private final RateLimiter limiter;
    private final RateLimitConfig config;
    private final ModelGroups groups;
    private final boolean open;
    private final GatewayMetrics metrics;

    /** @param open no auth at all: the defaults apply per client address */
    public RateLimitStage(
            RateLimiter limiter, RateLimitConfig config, ModelGroups groups, boolean open, GatewayMetrics metrics) {
        this.limiter = limiter;
        this.config = config;
        this.groups = groups;
        this.open = open;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "rate-limit";
    }

    @Override
    public Reply handle(Exchange ex, Chain next) throws GatewayException {
        ModelGroup group = groups.resolve(ex.model());
        if (group == null) {
            return next.proceed(ex); // the router answers 404; an unknown model costs nothing to limit
        }
        String client = ex.principal() == null && open ? ex.clientAddress() : null;
        List<Limit> limits = RequestLimits.of(ex.principal(), client, ex.model(), group.name(), config);
        if (limits.isEmpty()) {
            return next.proceed(ex);
        }
        Admission admission;
        try {
            admission = limiter.admit(limits, ex.promptEstimate());
        } catch (RateLimited e) {
            metrics.rateLimited(RequestLimits.scopeOf(e.limit()));
            RateLimitHeaders.of(e, ex::responseHeader);
            long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
            throw GatewayException.rateLimited(e.getMessage() + "; try again in " + seconds + " s.", e.retryAfter());
        } catch (RateLimitsUnavailable e) {
            throw GatewayException.unavailable(e.getMessage() + ".", UNAVAILABLE_RETRY);
        }
        ex.rateAdmission(admission);
        RateLimitHeaders.of(admission, ex::responseHeader);
        return next.proceed(ex);
    }
}
