package io.llmux.ratelimit;

import java.time.Duration;
import java.util.List;

/**
 * What {@link RateLimiter#admit} took, to be settled once, and each limit's state after it for the
 * {@code x-ratelimit-*} headers.
 *
 * @param id unique per admission: it names the request's parallel leases
 * @param second the epoch second whose bucket holds the request's tokens ({@link Window})
 * @param states one per limit, in the order of {@code limits}
 */
public record Admission(String id, List<Limit> limits, long estimatedTokens, long second, List<State> states) {

    public Admission {
        limits = List.copyOf(limits);
        states = List.copyOf(states);
    }

    /**
     * A limit after this admission.
     *
     * @param remaining what is left of the limit: requests, tokens or slots
     * @param reset until the window holds nothing of this limit again, OpenAI's meaning of
     *     {@code x-ratelimit-reset-*}; zero for parallel slots, which free when requests finish
     */
    public record State(Limit limit, long remaining, Duration reset) {}
}
