package io.llmux.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;

/**
 * The real services that integration tests talk to, on their standard local ports. A service that is not there skips
 * the test with the reason printed, except when {@code LLMUX_IT_REQUIRED=1} (set by {@code .ci/run}, which starts
 * them): then its absence fails the test, so CI never passes by skipping.
 */
public final class Services {
    private static final int PROBE_TIMEOUT_MILLIS = 1_000;

    private Services() {}

    /** Where a service listens. */
    public record Endpoint(String host, int port) {
        /** {@code host:port}, as {@code redis.addr} takes it. */
        public String addr() {
            return host + ":" + port;
        }
    }

    /** Redis on 127.0.0.1:6379, answering PING. */
    public static Endpoint requireRedis() {
        Endpoint redis = new Endpoint("127.0.0.1", 6379);
        String problem = probe(redis, "PING\r\n", "+PONG");
        if (problem != null) {
            unavailable("Redis at " + redis.addr() + ": " + problem);
        }
        return redis;
    }

    /** A service that need only accept a TCP connection to count as there (PostgreSQL, say). */
    public static Endpoint requireListening(String name, String host, int port) {
        Endpoint endpoint = new Endpoint(host, port);
        String problem = probe(endpoint, null, null);
        if (problem != null) {
            unavailable(name + " at " + endpoint.addr() + ": " + problem);
        }
        return endpoint;
    }

    public static boolean required() {
        return "1".equals(System.getenv("LLMUX_IT_REQUIRED"));
    }

    /** @return null when the service answered as expected, else what went wrong */
    private static String probe(Endpoint endpoint, String send, String expect) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), PROBE_TIMEOUT_MILLIS);
            if (send == null) {
                return null;
            }
            socket.setSoTimeout(PROBE_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(send.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[expect.length()];
            int read = 0;
            while (read < reply.length) {
                int n = in.read(reply, read, reply.length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            String got = new String(reply, 0, read, StandardCharsets.US_ASCII);
            return got.equals(expect) ? null : "answered \"" + got.strip() + "\" instead of " + expect;
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void unavailable(String reason) {
        if (required()) {
            throw new AssertionError(reason + " (LLMUX_IT_REQUIRED=1: integration services must be running)");
        }
        System.out.println("skipped: " + reason + " (set LLMUX_IT_REQUIRED=1 to fail instead)");
        Assumptions.abort(reason);
    }
}
