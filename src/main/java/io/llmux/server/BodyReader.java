package io.llmux.server;

import io.llmux.GatewayException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a request body up to {@code server.max_body_size}. A declared length over the limit is refused before a byte
 * is read; an undeclared (chunked) body is read only up to the limit. Either way the rest never enters memory.
 */
final class BodyReader {
    private BodyReader() {}

    static byte[] read(Request r, long maxBytes) throws GatewayException, IOException {
        String declared = r.header("Content-Length");
        int expected = 0;
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                throw GatewayException.invalidRequest(null, "Content-Length is not a number.");
            }
            if (length > maxBytes) {
                throw GatewayException.tooLarge(maxBytes);
            }
            expected = (int) length;
        }
        try (InputStream in = r.exchange().getRequestBody()) {
            byte[] buf = new byte[declared != null ? expected : 8192];
            int n = 0;
            while (true) {
                if (n == buf.length) {
                    if (declared != null) {
                        break;
                    }
                    if (n > maxBytes) {
                        throw GatewayException.tooLarge(maxBytes);
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, maxBytes + 1));
                }
                int read = in.read(buf, n, buf.length - n);
                if (read < 0) {
                    break;
                }
                n += read;
            }
            if (n > maxBytes) {
                throw GatewayException.tooLarge(maxBytes);
            }
            if (declared != null && n < expected) {
                throw GatewayException.invalidRequest(
                        null, "The request body ended after " + n + " of " + expected + " bytes.");
            }
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
        }
    }
}
