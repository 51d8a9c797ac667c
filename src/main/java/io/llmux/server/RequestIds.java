package io.llmux.server;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids (SPEC §3): a client's {@code x-request-id} is kept when it is at most 128 characters of
 * {@code [A-Za-z0-9._:-]}, so it can go into logs and headers as is; otherwise a new random one is made.
 */
final class RequestIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {}

    static String acceptOrCreate(String fromClient) {
        return valid(fromClient) ? fromClient : create();
    }

    static boolean valid(String id) {
        if (id == null || id.isEmpty() || id.length() > 128) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == ':'
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * 32 hex digits: the time in milliseconds (48 bits), then 80 random bits. Unique enough for logs and not worth
     * a secure generator; ordered by time, so the spend log's unique index on request ids grows at its end instead
     * of rewriting pages all over it (in H2 that write amplification filled a gigabyte in a minute and a half).
     */
    static String create() {
        return create(System.currentTimeMillis(), ThreadLocalRandom.current());
    }

    static String create(long millis, ThreadLocalRandom rnd) {
        char[] out = new char[36];
        "req_".getChars(0, 4, out, 0);
        for (int i = 0; i < 12; i++) {
            out[4 + i] = HEX[(int) (millis >>> (44 - 4 * i)) & 0xf];
        }
        long hi = rnd.nextLong();
        long lo = rnd.nextLong();
        for (int i = 0; i < 4; i++) {
            out[16 + i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
        }
        for (int i = 0; i < 16; i++) {
            out[20 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out);
    }
}
