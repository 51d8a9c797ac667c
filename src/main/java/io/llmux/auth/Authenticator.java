package io.llmux.auth;

import io.llmux.GatewayException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.function.Function;

/**
 * Checks who is calling. This version knows one key, {@code auth.master_key}; virtual keys from the database come
 * later behind the same method. Keys are compared in constant time and never echoed.
 */
public final class Authenticator {
    private final byte[] masterKey;

    public Authenticator(String masterKey) {
        this.masterKey = masterKey.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param headers header lookup by lower-case name
     * @return a name for logs (never the key)
     */
    public String authenticate(Function<String, String> headers) throws GatewayException {
        String presented = presentedKey(headers);
        if (presented == null || presented.isEmpty()) {
            throw GatewayException.authentication(
                    "Missing API key: send it as 'Authorization: Bearer <key>' (or the 'x-api-key' header).");
        }
        if (!MessageDigest.isEqual(masterKey, presented.getBytes(StandardCharsets.UTF_8))) {
            throw GatewayException.authentication("Invalid API key: this gateway does not know the key you sent.");
        }
        return "master";
    }

    /** The key from {@code Authorization: Bearer …}, else from {@code x-api-key}; null when neither is sent. */
    static String presentedKey(Function<String, String> headers) {
        String authorization = headers.apply("authorization");
        if (authorization != null) {
            String value = authorization.strip();
            if (value.length() > 7
                    && value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
                return value.substring(7).strip();
            }
        }
        String apiKey = headers.apply("x-api-key");
        return apiKey == null ? null : apiKey.strip();
    }
}
