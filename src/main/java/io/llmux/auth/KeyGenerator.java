package io.llmux.auth;

import java.security.SecureRandom;
import java.util.Base64;

/** New virtual keys: {@code sk-} and 32 random bytes, URL-safe Base64 (43 characters), shown once. */
public final class KeyGenerator {
    private final SecureRandom random;

    public KeyGenerator(SecureRandom random) {
        this.random = random;
    }

    public String next() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return "sk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
