package io.llmux.auth;

/**
 * Who is calling.
 *
 * @param label for logs: {@code master}, a key's alias or masked form; never a key
 * @param principal the virtual key and what it belongs to; null for the master key
 */
public record Caller(String label, Principal principal) {
    public static final Caller MASTER = new Caller("master", null);

    public boolean master() {
        return principal == null;
    }

    /** May call the management API: the master key, or a key of a {@code proxy_admin} user (SPEC §8). */
    public boolean admin() {
        return principal == null || principal.proxyAdmin();
    }
}
