package io.llmux.server;

import com.sun.net.httpserver.HttpServer;
import io.llmux.config.ServerConfig;
import io.llmux.telemetry.Log;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The JDK's HTTP server with one virtual thread per request. Listening settings are read once at start: the JDK
 * server takes them from system properties the first time a server is made, so they cannot change on reload.
 */
public final class HttpServerHost {
    /** How long a handler may still run after its connection closed at shutdown. */
    private static final Duration HANDLER_GRACE = Duration.ofSeconds(5);

    private final HttpServer server;
    private final ExecutorService executor;

    public HttpServerHost(ServerConfig config, Routes routes, Log log, LongSupplier nanoClock) throws IOException {
        applyJdkSettings(config);
        this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 4096);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", new Dispatcher(routes, log, nanoClock));
    }

    /**
     * The JDK server's knobs. Nagle's algorithm would hold small answers back for the client's delayed ACK (up to
     * 40 ms), and the default cap of 200 idle keep-alive connections would close busy clients' connections.
     */
    static void applyJdkSettings(ServerConfig config) {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        System.setProperty("sun.net.httpserver.maxIdleConnections", "100000");
        System.setProperty(
                "sun.net.httpserver.idleInterval",
                Long.toString(Math.max(1, config.idleTimeout().toSeconds())));
        System.setProperty(
                "sun.net.httpserver.maxReqTime",
                Long.toString(Math.max(1, config.readTimeout().toSeconds())));
    }

    public void start() {
        server.start();
    }

    /** The port actually bound (the configured one, or the one the OS chose for port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Stops accepting, waits for requests and streams in flight up to {@code timeout}, then closes what is left.
     * Blocks until done, handlers included: the JDK server counts an exchange done once its answer is sent, while
     * the handler still records the request's spend and log line after that, and those must not miss the drain
     * that follows.
     */
    public void stop(Duration timeout) {
        long seconds = Math.max(0, (timeout.toMillis() + 999) / 1000);
        server.stop((int) Math.min(Integer.MAX_VALUE, seconds));
        executor.shutdown();
        try {
            // the connections are closed by now, so a handler still running is only finishing its bookkeeping
            if (!executor.awaitTermination(HANDLER_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
