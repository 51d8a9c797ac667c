package io.llmux.wire;

import java.util.List;

/**
 * What the gateway itself needs from a validated data-plane request, read once at the edge; the rest of the body
 * travels as the client's JSON tree.
 *
 * @param tags routing tags from the request's extensions (SPEC §3), already removed from the body
 * @param cacheControl the request's {@code cache} extension or {@code Cache-Control} header, already removed
 */
public record RequestShape(
        String model, boolean stream, boolean includeUsage, List<String> tags, CacheControl cacheControl) {

    /** The per-request cache directives of SPEC §3. {@code ttlSeconds} is -1 when not given. */
    public record CacheControl(boolean noCache, boolean noStore, long ttlSeconds) {
        public static final CacheControl NONE = new CacheControl(false, false, -1);
    }
}
