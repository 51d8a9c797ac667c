package io.llmux.routing.state;

/**
 * One change to a deployment's leases in Redis, as {@link RedisRoutingScripts#LEASES} applies it: a request started
 * (its lease added, counted in its minute) or finished (its lease removed, its minute's tokens corrected, its latency
 * averaged in).
 *
 * @param member the lease's member in the deployment's lease set
 * @param minute the epoch minute the request started in: a start counts there and a finish corrects there, whenever
 *     either reaches Redis
 * @param tokens a start's estimate, or a finish's correction (actual minus estimated)
 * @param latencyMillis a finish's latency; NaN for none, and for every start
 */
record LeaseEvent(String deploymentId, String member, long minute, boolean start, long tokens, double latencyMillis) {

    static LeaseEvent started(String deploymentId, String member, long minute, long estimate) {
        return new LeaseEvent(deploymentId, member, minute, true, estimate, Double.NaN);
    }

    static LeaseEvent finished(String deploymentId, String member, long minute, long correction, double latency) {
        return new LeaseEvent(deploymentId, member, minute, false, correction, latency);
    }
}
