package io.llmux.auth;

import io.llmux.GatewayException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks who is calling: the master key (compared in constant time), else a virtual key looked up by its hash in
 * the key cache. Keys are never echoed.
 */
public final class Authenticator {
    private final byte[] masterKey;
    private final Optional<KeyCache> keys;
    private final Clock clock;

    /**
     * @param masterKey empty for none (then only virtual keys are accepted)
     * @param keys empty without a database: the master key is the only key
     */
    public Authenticator(String masterKey, Optional<KeyCache> keys, Clock clock) {
        this.masterKey = masterKey.getBytes(StandardCharsets.UTF_8);
        this.keys = keys;
        this.clock = clock;
    }

    public Authenticator(String masterKey) {
        this(masterKey, Optional.empty(), Clock.systemUTC());
    }

    /**
     * @param headers header lookup by lower-case name
     * @throws GatewayException 401 for a missing, unknown, blocked or expired key; 503 when a key cannot be checked
     */
    public Caller authenticate(Function<String, String> headers) throws GatewayException {
        String presented = presentedKey(headers);
        if (presented == null || presented.isEmpty()) {
            throw GatewayException.authentication(
                    "Missing API key: send it as 'Authorization: Bearer <key>' (or the 'x-api-key' header).");
        }
        if (masterKey.length > 0 && MessageDigest.isEqual(masterKey, presented.getBytes(StandardCharsets.UTF_8))) {
            return Caller.MASTER;
        }
        if (keys.isEmpty()) {
            throw unknownKey();
        }
        Principal p = keys.get().find(KeyHash.of(presented)).orElseThrow(Authenticator::unknownKey);
        String refusal = p.refusal(clock.instant());
        if (refusal != null) {
            throw GatewayException.authentication(refusal);
        }
        return new Caller(p.label(), p);
    }

    /** An admin route: the master key, or a key of a {@code proxy_admin} user. */
    public Caller authenticateAdmin(Function<String, String> headers) throws GatewayException {
        Caller caller = authenticate(headers);
        if (!caller.admin()) {
            throw GatewayException.permissionDenied(
                    null, "This route needs the master key or a key of a proxy_admin user.");
        }
        return caller;
    }

    private static GatewayException unknownKey() {
        return GatewayException.authentication("Invalid API key: this gateway does not know the key you sent.");
    }

    /** The key from {@code Authorization: Bearer …}, else from {@code x-api-key}; null when neither is sent. */
    static String presentedKey(Function<String, String> headers) {
        String authorization = headers.apply("authorization");
        if (authorization != null) {
            String value = authorization.strip();
            if (value.length() > 7 && value.regionMatches(true, 0, "bearer ", 0, 7)) {
                return value.substring(7).strip();
            }
        }
        String apiKey = headers.apply("x-api-key");
        return apiKey == null ? null : apiKey.strip();
    }
}
