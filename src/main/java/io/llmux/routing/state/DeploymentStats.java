package io.llmux.routing.state;

import java.time.Instant;

/**
 * What the router knows about one deployment at pick time, read for every candidate in one go (one Redis round trip
 * when state is shared).
 *
 * @param cooledUntil the end of its cooldown, or null when it is not cooling down
 * @param lastError the last failure's message (for /health), or null
 * @param latencyMillis moving average of its latency (time to first token for streams), NaN while untried
 * @param inFlight requests on it right now (across replicas when state is shared)
 * @param minuteRequests requests started in the current minute
 * @param minuteTokens tokens used in the current minute (estimated at pick time, corrected on completion)
 */
public record DeploymentStats(
        Instant cooledUntil,
        String lastError,
        double latencyMillis,
        long inFlight,
        long minuteRequests,
        long minuteTokens) {

    public static final DeploymentStats FRESH = new DeploymentStats(null, null, Double.NaN, 0, 0, 0);

    public boolean coolingAt(Instant now) {
        return cooledUntil != null && cooledUntil.isAfter(now);
    }

    public boolean tried() {
        return !Double.isNaN(latencyMillis);
    }
}
