package io.llmux.store;

/**
 * The rate limits of a key, user, team or organization; null means none.
 *
 * @param maxParallelRequests requests in flight at once; always null for organizations (LiteLLM has none there)
 */
public record Limits(Long tpmLimit, Long rpmLimit, Integer maxParallelRequests) {
    public static final Limits NONE = new Limits(null, null, null);
}
