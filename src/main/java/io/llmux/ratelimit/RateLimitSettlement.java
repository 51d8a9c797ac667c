package io.llmux.ratelimit;

import io.llmux.pipeline.Exchange;
import io.llmux.wire.Usage;

/**
 * Settles a request's rate limit admission once its answer is done: the token estimate is replaced with the usage
 * the provider reported, and parallel slots are freed. Settling is normally left until the answer has gone out, so
 * the request's latency holds one limiter round trip, the admission; an admission holding parallel slots is settled
 * just before the answer's last byte instead, so that a client sending its next request the moment it has this
 * answer finds its slot free.
 */
public final class RateLimitSettlement {
    private final RateLimiter limiter;

    public RateLimitSettlement(RateLimiter limiter) {
        this.limiter = limiter;
    }

    /** Before the last byte of the answer: settles now only when the admission holds parallel slots. */
    public void beforeLastByte(Exchange ex, int status) {
        Admission a = ex.rateAdmission();
        if (a != null && holdsSlots(a)) {
            settle(ex, status);
        }
    }

    private static boolean holdsSlots(Admission a) {
        for (Limit l : a.limits()) {
            if (l.kind() == Limit.Kind.PARALLEL) {
                return true;
            }
        }
        return false;
    }

    /** Once the answer is done, whatever became of it; a second call does nothing. */
    public void settle(Exchange ex, int status) {
        Admission a = ex.rateAdmission();
        if (a == null) {
            return;
        }
        ex.rateAdmission(null);
        // a cached answer still took its request from the rpm window, but no provider worked on it
        limiter.settle(a, ex.cacheHit() ? 0 : tokens(a, ex.usage(), status));
    }

    /**
     * What the request used: the provider's count when it gave one. Without one, an answer that was delivered, or a
     * stream the client left (the provider worked on it), keeps the estimate; a failed call used nothing.
     */
    static long tokens(Admission a, Usage usage, int status) {
        if (usage.totalTokens() > 0) {
            return usage.totalTokens();
        }
        return status < 400 || status == 499 ? a.estimatedTokens() : 0;
    }
}
