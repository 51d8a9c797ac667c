package io.llmux.store;

import java.time.Instant;

/**
 * One answered (or failed) request as {@code /spend/logs} shows it and the spend writer stores it. Written once per
 * request id, so a batch retried after an outage never stores or charges a request twice.
 *
 * @param apiKey the SHA-256 hex of the key that called; null for the master key or an open gateway
 * @param deployment {@code provider/model} that answered; empty when none did
 * @param spend USD
 */
public record SpendLogRow(
        String requestId,
        String apiKey,
        String keyAlias,
        String userId,
        String teamId,
        String organizationId,
        String model,
        String modelGroup,
        String deployment,
        String provider,
        long promptTokens,
        long completionTokens,
        double spend,
        boolean cacheHit,
        int status,
        Instant startTime,
        Instant endTime) {

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
