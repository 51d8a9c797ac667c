package io.llmux.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The only form a virtual key is stored in: SHA-256 of the whole bearer value, lower-case hex. Any bearer value is
 * looked up this way, so keys issued elsewhere keep working once their hashes are imported (SPEC §8).
 */
public final class KeyHash {
    private KeyHash() {}

    public static String of(String key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** True when {@code value} looks like a stored hash (64 hex digits), so an API may take either form. */
    public static boolean looksLikeHash(String value) {
        if (value == null || value.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            if (Character.digit(value.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** How a key is shown after creation: its prefix and last four characters, e.g. {@code sk-...a1b2}. */
    public static String masked(String key) {
        return key.length() <= 8 ? "sk-..." : key.substring(0, 3) + "..." + key.substring(key.length() - 4);
    }
}
