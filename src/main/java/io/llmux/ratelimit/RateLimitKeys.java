package io.llmux.ratelimit;

/**
 * Names of the rate limiter's Redis keys. Every key carries the one hash tag {@code {r}}, for the reason
 * {@code LedgerKeys} gives: one admission touches a key's, its user's, its team's and its model's counters in one
 * script, and a script may only touch keys of one Redis Cluster slot; entities are shared in every combination, so the
 * limiter lives in one slot. The tag comes before the id, so an id with braces cannot move its key.
 *
 * <ul>
 *   <li>{@code llmux:ratelimit:{r}:rpm:<id>} and {@code ...:tpm:<id>} — hash: epoch second to what it holds
 *       ({@link Window}); expires a window after its last write.
 *   <li>{@code llmux:ratelimit:{r}:parallel:<id>} — sorted set of open slots, member the admission id, scored by
 *       when the slot lapses (epoch ms); expires with its last lease.
 * </ul>
 *
 * The kind comes before the id, so no id (which may hold colons) names another counter.
 */
record RateLimitKeys(String prefix) {
    static final String DEFAULT_PREFIX = "llmux:ratelimit:";

    String of(Limit limit) {
        return prefix + "{r}:" + limit.kind().wire() + ':' + limit.id();
    }
}
