package io.llmux;

import io.llmux.config.ConfigException;
import io.llmux.config.ConfigLoader;
import io.llmux.config.Env;
import io.llmux.config.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code llmux --healthcheck}: asks a running gateway's {@code /health/live} and exits 0 when it answers 200, else
 * 1. It exists so a container's {@code HEALTHCHECK} runs through the JVM that is already in the image, with no curl
 * or wget to ship, patch and scan.
 */
final class Healthcheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private Healthcheck() {}

    /**
     * Reads the port and address from the same config the gateway started on. A config that no longer loads (a bad
     * edit the running gateway refused to reload) must not mark a healthy gateway unhealthy, so it falls back to the
     * defaults and says so.
     */
    static int run(Path config, Env env, PrintStream out, PrintStream err) {
        ServerConfig server;
        try {
            server = new ConfigLoader().load(config, env).config().server();
        } catch (ConfigException e) {
            err.println("config not readable, probing the default port: " + e.getMessage());
            server = ServerConfig.defaults();
        }
        return probe(liveUri(server), out, err);
    }

    static URI liveUri(ServerConfig server) {
        String host = server.host();
        // a wildcard bind answers on loopback; a specific address is where the gateway listens
        if (host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + server.port() + "/health/live");
    }

    static int probe(URI uri, PrintStream out, PrintStream err) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build();
        try (HttpClient client = HttpClient.newBuilder()
                .connectTimeout(TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                out.println(uri + ": " + response.body());
                return Main.OK;
            }
            err.println(uri + ": HTTP " + response.statusCode() + " " + response.body());
            return Main.FAILED;
        } catch (IOException e) {
            err.println(uri + ": " + e);
            return Main.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(uri + ": interrupted");
            return Main.FAILED;
        }
    }
}
