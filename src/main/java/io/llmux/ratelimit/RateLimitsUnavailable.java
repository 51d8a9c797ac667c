package io.llmux.ratelimit;

/**
 * Limits could not be checked: Redis failed and {@code redis.on_error} is fail-closed. Not a {@link RateLimited}:
 * the client is not over a limit, the gateway cannot tell, so the answer is a 503 (retry after a second, when Redis
 * is asked again), not a 429.
 */
public final class RateLimitsUnavailable extends Exception {
    private static final long serialVersionUID = 1L;

    public RateLimitsUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
