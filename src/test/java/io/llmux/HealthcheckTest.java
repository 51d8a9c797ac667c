package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.llmux.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --healthcheck} (SPEC §11): the container's HEALTHCHECK, asking /health/live on the config's port. */
class HealthcheckTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicInteger status = new AtomicInteger(200);
    private HttpServer server;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int startLiveEndpoint() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health/live", exchange -> {
            byte[] body = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    private Path configOnPort(int port) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                server:
                  host: 0.0.0.0
                  port: %d
                providers:
                  - name: mock
                    type: mock
                    models: [mock-model]
                """.formatted(port));
        return config;
    }

    private int run(String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aLiveGatewayOnTheConfiguredPortIsExitZero() throws Exception {
        int port = startLiveEndpoint();
        assertThat(run("--healthcheck", "--config", configOnPort(port).toString()))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("127.0.0.1:" + port + "/health/live");
    }

    @Test
    void aNon200AnswerIsExitOne() throws Exception {
        int port = startLiveEndpoint();
        status.set(503);
        assertThat(run("--healthcheck", "--config", configOnPort(port).toString()))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("HTTP 503");
    }

    @Test
    void nothingListeningIsExitOne() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        assertThat(run("--healthcheck", "--config", configOnPort(port).toString()))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(":" + port + "/health/live");
    }

    @Test
    void anUnreadableConfigFallsBackToTheDefaultPort() {
        // the exit code depends on whether something else on this machine serves port 8080, so only the probe's
        // target is checked
        run("--healthcheck", "--config", dir.resolve("missing.yaml").toString());
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("probing the default port");
        assertThat(out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8))
                .contains("127.0.0.1:" + ServerConfig.DEFAULT_PORT + "/health/live");
    }

    @Test
    void aSpecificBindAddressIsProbedThere() {
        ServerConfig defaults = ServerConfig.defaults();
        ServerConfig v6 = new ServerConfig(
                "::1",
                9000,
                defaults.readTimeout(),
                defaults.writeTimeout(),
                defaults.idleTimeout(),
                defaults.maxBodySize(),
                defaults.shutdownTimeout());
        assertThat(Healthcheck.liveUri(v6)).hasToString("http://[::1]:9000/health/live");
        assertThat(Healthcheck.liveUri(defaults)).hasToString("http://127.0.0.1:8080/health/live");
    }
}
