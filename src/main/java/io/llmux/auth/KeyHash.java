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
    /**
     * Cloned for each hash: every request with a key is hashed, and a clone skips the provider lookup of
     * {@code getInstance}. Never used itself, so sharing it across threads is safe.
     */
    private static final MessageDigest SHA_256 = sha256();

    private static final HexFormat HEX = HexFormat.of();

    private KeyHash() {}

    public static String of(String key) {
        MessageDigest sha;
        try {
            sha = (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            sha = sha256();
        }
        return HEX.formatHex(sha.digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
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
