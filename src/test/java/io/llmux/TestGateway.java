package io.llmux;

import io.llmux.telemetry.Redactor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A gateway started in-process on port 0 from a YAML string, for integration tests. Its log lines are kept for
 * assertions (no secret in logs, one line per request), and copied with its error answers and its config's secrets
 * to the {@link TelemetryCapture} folder, where {@link TelemetryLeakScan} looks for leaks once every test ran.
 */
public final class TestGateway implements AutoCloseable {
    private final Path dir;
    private final Gateway gateway;
    private final SyncBuffer log;
    private final SyncBuffer responses;
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TestGateway(Path dir, Gateway gateway, SyncBuffer log) {
        this.dir = dir;
        this.gateway = gateway;
        this.log = log;
        this.responses = new SyncBuffer(TelemetryCapture.open("responses").orElse(null));
        TelemetryCapture.secrets(Redactor.secretsOf(gateway.current().config()));
    }

    public static TestGateway start(String yaml) throws Exception {
        return start(yaml, Map.of());
    }

    public static TestGateway start(String yaml, Map<String, String> env) throws Exception {
        Path dir = Files.createTempDirectory("llmux-it");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, yaml);
        return startFile(config, dir, env);
    }

    public static TestGateway startFile(Path config, Path workingDir, Map<String, String> env) throws Exception {
        return startFile(config, workingDir, env, Optional.empty());
    }

    /** A gateway whose spans go to {@code spans} instead of {@code tracing.endpoint} (tracing must be enabled). */
    public static TestGateway startTraced(String yaml, SpanExporter spans) throws Exception {
        Path dir = Files.createTempDirectory("llmux-it");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, yaml);
        return startFile(config, dir, Map.of(), Optional.of(new CapturedSpans(spans)));
    }

    private static TestGateway startFile(
            Path config, Path workingDir, Map<String, String> env, Optional<SpanExporter> spans) throws Exception {
        SyncBuffer log = new SyncBuffer(TelemetryCapture.open("logs").orElse(null));
        Map<String, String> environment = new HashMap<>(env);
        Gateway g;
        try {
            g = Gateway.start(new Gateway.Options(
                    config, workingDir, environment, log, Clock.systemUTC(), System::nanoTime, spans));
        } catch (Exception | Error e) {
            log.close();
            throw e;
        }
        return new TestGateway(workingDir, g, log);
    }

    public Gateway gateway() {
        return gateway;
    }

    public Path dir() {
        return dir;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    public HttpClient client() {
        return client;
    }

    public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        boolean typed = false;
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("content-type");
        }
        if (!typed) {
            b.header("Content-Type", "application/json");
        }
        return captured(client.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    public HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20))
                .GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return captured(client.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** Error answers go to the capture: they may carry a provider's or a library's words. */
    private HttpResponse<String> captured(HttpResponse<String> r) {
        if (r.statusCode() >= 400 && r.body() != null) {
            byte[] line = (r.body().replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
            responses.write(line, 0, line.length);
        }
        return r;
    }

    /**
     * Ends every cooldown and forgets recent failures through the admin API, so tests that share one gateway do not
     * see each other's failures (a test of cooldowns does its own). Works on an open gateway.
     */
    public void clearCooldowns(String... authHeader) throws Exception {
        com.fasterxml.jackson.databind.JsonNode health =
                io.llmux.wire.Json.MAPPER.readTree(get("/health", authHeader).body());
        for (String list : new String[] {"healthy_deployments", "unhealthy_deployments"}) {
            for (com.fasterxml.jackson.databind.JsonNode d : health.path(list)) {
                String body = "{\"deployment\":\"" + d.get("deployment").asText() + "\",\"clear\":true}";
                HttpResponse<String> r = post("/deployments/cooldown", body, authHeader);
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("clearing a cooldown failed: " + r.body());
                }
            }
        }
    }

    /** True once {@code /health/ready} answers 200 (the database migrated, Redis listening). */
    public boolean ready() {
        try {
            return get("/health/ready").statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /** Waits until the gateway is ready, as a client would before its first request. */
    public void awaitReady() {
        Fixtures.await(this::ready, Duration.ofSeconds(20), "the gateway to be ready (database migrated)");
    }

    /** A management call with the given admin key; asserts it answered 200 and returns the answer. */
    public com.fasterxml.jackson.databind.JsonNode manage(String adminKey, String path, String body) throws Exception {
        HttpResponse<String> r = post(path, body, "Authorization", "Bearer " + adminKey);
        if (r.statusCode() != 200) {
            throw new AssertionError(path + " answered " + r.statusCode() + ": " + r.body());
        }
        com.fasterxml.jackson.databind.JsonNode answer = Fixtures.json(r.body());
        if (answer.path("key").isTextual()) {
            TelemetryCapture.secrets(java.util.List.of(answer.path("key").asText()));
        }
        return answer;
    }

    /** Everything logged so far (waits for the log writer to catch up). */
    public String logs() {
        gateway.log().sink().flush();
        return log.text();
    }

    @Override
    public void close() {
        // a reload may have brought secrets of its own
        TelemetryCapture.secrets(Redactor.secretsOf(gateway.current().config()));
        TelemetryCapture.open("metrics").ifPresent(out -> {
            try (out) {
                gateway.metrics().scrape(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        gateway.drain();
        log.close();
        responses.close();
    }

    /** A log destination tests can read while the gateway writes to it; copied to the capture file when given. */
    static final class SyncBuffer extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final OutputStream capture;

        SyncBuffer() {
            this(null);
        }

        /** @param capture also receives everything written; null for none */
        SyncBuffer(OutputStream capture) {
            this.capture = capture;
        }

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
            if (capture != null) {
                try {
                    capture.write(b);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            if (capture != null) {
                try {
                    capture.write(b, off, len);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void flush() throws IOException {}

        @Override
        public synchronized void close() {
            if (capture != null) {
                try {
                    capture.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
