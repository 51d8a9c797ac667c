package io.llmux.ratelimit;

import java.util.List;

/**
 * Rate limit counters, admit-then-settle (SPEC §9). Admission checks every limit of a request and takes its share of
 * each at once, or of none: a refused request consumes nothing. Tokens are taken from an estimate of the prompt and
 * corrected with the real usage when the answer is done, which also frees the request's parallel slot.
 *
 * <p>The window is {@link Window#DESCRIPTION}.
 */
public interface RateLimiter {

    /**
     * Checks and takes every limit, atomically: one request on each RPM limit, {@code estimatedTokens} on each TPM
     * limit, a slot on each PARALLEL limit.
     *
     * @throws RateLimited naming the first limit that has no room; nothing is taken then
     * @throws RateLimitsUnavailable when the limits cannot be checked and {@code redis.on_error} is fail-closed
     */
    Admission admit(List<Limit> limits, long estimatedTokens) throws RateLimited, RateLimitsUnavailable;

    /**
     * Replaces the admission's estimate with the tokens the provider reported (0 for a call that failed before any)
     * and frees its parallel slots. Called once per admission, streams included, disconnects too.
     */
    void settle(Admission admission, long actualTokens);
}
