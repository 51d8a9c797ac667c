package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.wire.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Real provider payloads from {@code src/test/resources/fixtures/}, and small readers shared by the ITs. */
final class Fixtures {
    private Fixtures() {}

    /** A fixture's exact bytes as text, e.g. {@code openai("chat.json")}. */
    static String openai(String name) {
        String path = "/fixtures/openai/" + name;
        try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
            assertThat(in).as("fixture %s", path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code data:} payloads of an SSE body, in order, {@code [DONE]} included. */
    static List<String> dataPayloads(String sse) {
        List<String> out = new ArrayList<>();
        for (String line : sse.lines().toList()) {
            if (line.startsWith("data: ")) {
                out.add(line.substring(6));
            } else if (line.startsWith("data:")) {
                out.add(line.substring(5));
            }
        }
        return out;
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts the SPEC §4 error shape: status, {@code error.type}, JSON content type, an {@code x-request-id}, a
     * message a person can act on, and no stack trace. Returns the {@code error} object for further checks.
     */
    static JsonNode error(HttpResponse<String> r, int status, String type) {
        assertThat(r.statusCode()).as("status of %s", r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        assertThat(r.headers().firstValue("x-request-id")).isPresent();
        JsonNode root = json(r.body());
        assertThat(root.fieldNames()).toIterable().containsExactly("error");
        JsonNode error = root.get("error");
        assertThat(error.fieldNames()).toIterable().containsExactlyInAnyOrder("message", "type", "param", "code");
        assertThat(error.get("type").asText()).isEqualTo(type);
        assertThat(error.get("message").asText()).as("an actionable message").hasSizeGreaterThan(20);
        assertThat(r.body()).doesNotContain("Exception", "\tat ", "\\tat ", "io.llmux.");
        return error;
    }

    /** A TCP port nothing listens on (bound, then released). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits until {@code condition} holds, up to {@code timeout}. For facts written after the response has left
     * (the request log line is recorded once the answer is sent); each check is itself a bounded wait on the log.
     */
    static void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }
}
