package io.llmux.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks a provider {@code base_url}: {@code http(s)://host[:port][/path]} and nothing more. User info, query and
 * fragment are refused because adapters append paths and may put the URL in logs; messages never repeat the URL,
 * since a rejected one may hold a secret.
 */
final class BaseUrls {
    private static final String SHAPE = " (use http(s)://host[:port][/path])";
    // java.net.URI leaves the host null for names with underscores (docker-compose service names)
    private static final Pattern AUTHORITY = Pattern.compile("[A-Za-z0-9._~-]+(?::\\d{1,5})?");

    private BaseUrls() {}

    /** The URL without trailing slashes; throws with the reason it is refused. */
    static URI parse(String raw) {
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not a valid URL" + SHAPE, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("must start with http:// or https://" + SHAPE);
        }
        if (uri.getRawUserInfo() != null
                || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            throw new IllegalArgumentException("must not contain user info; put credentials in api_key or headers");
        }
        if (uri.getRawQuery() != null) {
            throw new IllegalArgumentException("must not contain a query string" + SHAPE);
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException("must not contain a fragment" + SHAPE);
        }
        boolean hostOk = uri.getHost() != null
                || (uri.getRawAuthority() != null
                        && AUTHORITY.matcher(uri.getRawAuthority()).matches());
        if (!hostOk) {
            throw new IllegalArgumentException("has no host" + SHAPE);
        }
        if (uri.getPort() > 65535) {
            throw new IllegalArgumentException("has a port out of range (1-65535)");
        }
        String trimmed = raw.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return URI.create(trimmed);
    }
}
