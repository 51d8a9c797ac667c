package io.llmux.ratelimit;

import java.time.Duration;

/**
 * A request would pass a rate limit (429, SPEC §9). Carries the limit, when to retry, and that limit's header values.
 * The message names the scope and the limit: "key 'alice' reached its rpm limit of 10 requests per minute".
 */
public final class RateLimited extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Limit limit;
    private final Duration retryAfter;
    private final long remaining;
    private final Duration reset;

    public RateLimited(Limit limit, Duration retryAfter, long remaining, Duration reset) {
        super(
                limit.scope() + " reached its " + limit.kind().wire() + " limit of " + limit.value() + " "
                        + limit.kind().unit(),
                null,
                false,
                false);
        this.limit = limit;
        this.retryAfter = retryAfter;
        this.remaining = remaining;
        this.reset = reset;
    }

    public Limit limit() {
        return limit;
    }

    /**
     * When the request would fit, if nothing else came in meanwhile. A request whose estimate alone passes a TPM
     * limit never fits: a whole window. A parallel slot frees when some request finishes, which no one can tell:
     * {@link Window#PARALLEL_RETRY}.
     */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** What is left of the limit (for a TPM refusal, fewer tokens than the estimate). */
    public long remaining() {
        return remaining;
    }

    /** Until the window holds nothing of this limit again (zero for parallel slots). */
    public Duration reset() {
        return reset;
    }
}
