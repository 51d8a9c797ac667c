package io.llmux.admin;

/**
 * A management route and who may call it. A path may have one {@code {name}} segment, as LiteLLM's
 * {@code /key/{key}/regenerate}: the endpoint then finds that segment's value in the body field {@code name}.
 */
public record AdminRoute(String method, String path, Access access, AdminEndpoint endpoint) {

    /** Who may call a route. Admins are the master key and keys of {@code proxy_admin} users (SPEC §8). */
    public enum Access {
        /** Admins with a key that may manage ({@code key_type} {@code management} or the default). */
        ADMIN,
        /** Admins, also with a {@code read_only} key: info, list and spend routes. */
        READ,
        /** Any valid key; the endpoint limits a non-admin to what is its own (e.g. {@code /key/info} of itself). */
        SELF
    }

    public static AdminRoute read(String method, String path, AdminEndpoint endpoint) {
        return new AdminRoute(method, path, Access.READ, endpoint);
    }

    public static AdminRoute admin(String method, String path, AdminEndpoint endpoint) {
        return new AdminRoute(method, path, Access.ADMIN, endpoint);
    }

    public static AdminRoute self(String method, String path, AdminEndpoint endpoint) {
        return new AdminRoute(method, path, Access.SELF, endpoint);
    }
}
