package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Signals on the real jar (SPEC §1): SIGTERM lets an open stream finish, then exits 0; SIGHUP reloads. */
class ShutdownIT {

    @Test
    void sigtermDrainsAnOpenStreamAndExitsZero() throws Exception {
        Path jar = Path.of(System.getProperty("llmux.jar", "target/llmux.jar")).toAbsolutePath();
        assertThat(jar)
                .as("the fat jar is built in the package phase, before integration tests")
                .exists();
        CountDownLatch streamOpen = new CountDownLatch(1);
        CountDownLatch terminated = new CountDownLatch(1);
        try (ScriptedUpstream up = new ScriptedUpstream(ev -> {
            ev.content("before");
            streamOpen.countDown();
            assertThat(terminated.await(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(200);
            ev.content("after");
            ev.done();
        })) {
            Path dir = Files.createTempDirectory("llmux-shutdown");
            int port = freePort();
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    server:
                      host: 127.0.0.1
                      port: %d
                      shutdown_timeout: 10s
                    providers:
                      - name: up
                        type: openai
                        api_key: sk-up
                        base_url: %s
                        models: [m]
                    """.formatted(port, up.baseUrl()));
            Process p = launch(jar, config, dir);
            try {
                HttpClient client = HttpClient.newHttpClient();
                waitLive(client, port);
                HttpResponse<InputStream> r = client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertThat(streamOpen.await(10, TimeUnit.SECONDS)).isTrue();
                p.destroy(); // SIGTERM
                terminated.countDown();
                List<String> events = new ArrayList<>();
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("data: ")) {
                            events.add(line.substring(6));
                        }
                    }
                }
                assertThat(events).hasSize(3);
                assertThat(events.get(1)).contains("after");
                assertThat(events.get(2)).isEqualTo("[DONE]");
                assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue())
                        .as(Files.readString(dir.resolve("out.log")))
                        .isZero();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void sighupReloadsTheConfigFile() throws Exception {
        Path jar = Path.of(System.getProperty("llmux.jar", "target/llmux.jar")).toAbsolutePath();
        Path dir = Files.createTempDirectory("llmux-hup");
        int port = freePort();
        Path config = dir.resolve("config.yaml");
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: %d
                providers:
                  - name: m
                    type: mock
                    models: [%s]
                """;
        Files.writeString(config, yaml.formatted(port, "first"));
        Process p = launch(jar, config, dir);
        try {
            HttpClient client = HttpClient.newHttpClient();
            waitLive(client, port);
            Files.writeString(config, yaml.formatted(port, "second"));
            assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(p.pid()))
                            .start()
                            .waitFor())
                    .isZero();
            URI models = URI.create("http://127.0.0.1:" + port + "/v1/models/second");
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int status = 0;
            while (System.nanoTime() < end && status != 200) {
                status = client.send(HttpRequest.newBuilder(models).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode();
                if (status != 200) {
                    Thread.sleep(50);
                }
            }
            assertThat(status).as(Files.readString(dir.resolve("out.log"))).isEqualTo(200);
            assertThat(p.isAlive())
                    .as("SIGHUP reloads, it does not stop the gateway")
                    .isTrue();
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    /** The real jar on this JVM's java, its output appended to {@code dir/out.log} (a restart adds to it). */
    static Process launch(Path jar, Path config, Path dir) throws java.io.IOException {
        return new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-jar",
                        jar.toString(),
                        "--config",
                        config.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("out.log").toFile()))
                .start();
    }

    static void waitLive(HttpClient client, int port) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> r = client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the gateway did not come up on port " + port);
    }

    static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
