package io.llmux.routing.state;

/**
 * Names of the Redis keys of one deployment. The id sits in braces, a Redis Cluster hash tag, so every key of a
 * deployment lands in one slot and one script may touch them all.
 *
 * <ul>
 *   <li>{@code llmux:rt:{id}} — hash: {@code until} (cooldown end, epoch ms), {@code err} (last error), {@code lat}
 *       (latency moving average, ms). No expiry: a few fields per configured deployment.
 *   <li>{@code llmux:rt:{id}:lease} — sorted set of in-flight requests, member {@code replica:seq}, score = epoch ms
 *       at which the lease lapses unless its replica's heartbeat pushes it on.
 *   <li>{@code llmux:rt:{id}:fail} — sorted set of the last minute's failures, scored by epoch ms.
 *   <li>{@code llmux:rt:{id}:m:<epoch minute>} — hash: {@code req}, {@code tok}; expires after two minutes.
 * </ul>
 */
record RedisKeys(String prefix) {
    static final String DEFAULT_PREFIX = "llmux:rt:";
    /** A minute's usage is read during that minute only; a second minute leaves room for late corrections. */
    static final long MINUTE_TTL_MILLIS = 120_000;

    String deployment(String id) {
        return prefix + '{' + id + '}';
    }

    String leases(String id) {
        return deployment(id) + ":lease";
    }

    String failures(String id) {
        return deployment(id) + ":fail";
    }

    String minute(String id, long epochMinute) {
        return deployment(id) + ":m:" + epochMinute;
    }
}
