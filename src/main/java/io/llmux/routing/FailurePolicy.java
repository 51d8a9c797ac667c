package io.llmux.routing;

import io.llmux.provider.ProviderFailure;

/**
 * What the router does after a failed attempt (SPEC §6). The guard clauses are the whole policy; each says why.
 */
final class FailurePolicy {
    private FailurePolicy() {}

    /**
     * @param toClient the request itself is wrong: answer now, retry nothing
     * @param contextFallback the prompt does not fit: go to the group's context-window fallbacks
     * @param countsAgainstDeployment record the failure on the deployment (toward {@code allowed_fails})
     * @param coolNow cool the deployment down at once, without waiting for {@code allowed_fails}
     */
    record Decision(boolean toClient, boolean contextFallback, boolean countsAgainstDeployment, boolean coolNow) {}

    /** @param available deployments of the group not cooling down, the failed one included */
    static Decision decide(ProviderFailure f, int available) {
        // the last deployment standing is never taken out by one failure: the next request would get a 503
        boolean others = available > 1;
        return switch (f.kind()) {
            // the request itself is wrong; any other deployment would refuse it the same way
            case CALLER -> new Decision(true, false, false, false);
            // a bigger context window may take it; the deployment did nothing wrong
            case CONTEXT_LENGTH -> new Decision(false, true, false, false);
            // our credential is refused: it will be refused again until someone fixes the config
            case AUTH -> new Decision(false, false, true, others);
            // the provider asked us to back off, for as long as its Retry-After says
            case RATE_LIMITED -> new Decision(false, false, true, others);
            // a 5xx, a broken connection or a timeout: cools only after allowed_fails within a minute
            case TRANSIENT, TIMEOUT -> new Decision(false, false, true, false);
            // our own concurrency cap for the provider: the deployment is fine, try another
            case BUSY -> new Decision(false, false, false, false);
        };
    }
}
