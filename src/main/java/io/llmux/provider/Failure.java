package io.llmux.provider;

/**
 * Why an upstream attempt failed, in the few kinds the router acts on: retry elsewhere, cool the deployment down,
 * fall back to another group, or give the client the provider's answer.
 */
public enum Failure {
    /** The request itself is wrong (a provider 4xx): never retried, returned with the provider's status. */
    CALLER,
    /** The prompt does not fit the model's context: goes to context-window fallbacks, else to the client. */
    CONTEXT_LENGTH,
    /** The gateway's own credentials were refused (401/403): the deployment cools down; the client gets 502. */
    AUTH,
    /** The provider said 429: retried elsewhere, the deployment cools down for its Retry-After. */
    RATE_LIMITED,
    /** A 5xx, an overloaded answer, a refused or dropped connection, a broken answer: retried. */
    TRANSIENT,
    /** No answer within the provider's timeout: retried, then 504. */
    TIMEOUT,
    /** The provider is at its {@code max_concurrent} cap: tried elsewhere, else 503. */
    BUSY
}
