package io.llmux.auth;

/**
 * Tells every replica's key cache that stored keys changed, so an update, block or delete takes effect at once
 * rather than at the next refresh. In one process it is the cache itself; with Redis it also publishes.
 */
public interface KeyInvalidation {
    /** One key changed (by its hash). */
    void key(String keyHash);

    /** A user, team or organization changed: any key may hang off it. */
    void all();
}
