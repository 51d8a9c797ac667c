package io.llmux.provider.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.config.ProviderConfig;
import io.llmux.provider.Call;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.wire.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One provider's HTTP transport, shared by every adapter: POST a JSON body and get the whole answer, or open its
 * event stream. Adapters build the request and translate the bytes; how long to wait, how to read and what a failed
 * exchange means is decided here once.
 *
 * <p>The blocking {@code send} is used rather than {@code sendAsync}, which would hop to the common pool on every call.
 */
public final class Upstream implements AutoCloseable {
    private final HttpClient http;
    private final Watchdog watchdog;
    private final Duration timeout;
    private final Duration streamTimeout;
    private final long maxLineBytes;
    private final Map<String, String> headers;

    /**
     * @param timeout bounds a whole non-streaming call, headers and body
     * @param streamTimeout bounds the wait for a stream's headers, then each silence between its bytes
     * @param maxLineBytes the longest stream line accepted ({@code server.max_body_size})
     * @param headers sent with every request (credential, API version, the provider's configured headers)
     */
    public Upstream(
            HttpClient http,
            Watchdog watchdog,
            Duration timeout,
            Duration streamTimeout,
            long maxLineBytes,
            Map<String, String> headers) {
        this.http = http;
        this.watchdog = watchdog;
        this.timeout = timeout;
        this.streamTimeout = streamTimeout;
        this.maxLineBytes = maxLineBytes;
        this.headers = Map.copyOf(headers);
    }

    /**
     * The transport of one configured provider: its timeouts, and {@code adapterHeaders} (the credential and
     * whatever the API requires) overlaid by the provider's configured {@code headers}, which win (a newer
     * {@code anthropic-version}, an extra beta flag). A credential header whose value is empty is not sent.
     */
    public static Upstream forProvider(
            ProviderConfig config,
            HttpClient http,
            Watchdog watchdog,
            long maxLineBytes,
            Map<String, String> adapterHeaders) {
        Map<String, String> headers = new LinkedHashMap<>();
        adapterHeaders.forEach((name, value) -> {
            if (!value.isEmpty()) {
                headers.put(name, value);
            }
        });
        config.headers().forEach((name, value) -> {
            headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
            headers.put(name, value);
        });
        return new Upstream(
                http,
                watchdog,
                config.timeout() != null ? config.timeout() : ProviderConfig.DEFAULT_TIMEOUT,
                config.streamTimeout() != null ? config.streamTimeout() : ProviderConfig.DEFAULT_STREAM_TIMEOUT,
                maxLineBytes,
                headers);
    }

    /**
     * A POST of a JSON body for {@code call}: the timeout and {@code Accept} right for a whole answer or a stream,
     * this provider's headers, and the caller's trace context.
     */
    public HttpRequest post(URI uri, Call call, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(call.stream() ? streamTimeout : timeout)
                .header("Content-Type", "application/json")
                .header("Accept", call.stream() ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::setHeader);
        if (call.traceparent() != null) {
            request.header("traceparent", call.traceparent());
            if (call.tracestate() != null) {
                request.header("tracestate", call.tracestate());
            }
        }
        return request.build();
    }

    /** A JSON tree as request bytes. */
    public static byte[] json(JsonNode body) {
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a JSON tree could not be written", e);
        }
    }

    /**
     * One whole answer, bounded as a whole by {@code timeout}: java.net.http's request timeout covers only the
     * headers, so the body is read under a watchdog deadline for the time that is left.
     *
     * @return the body of a 2xx answer
     * @throws ProviderFailure for a non-2xx answer (classified by {@code errors}) or a failed exchange
     */
    public byte[] whole(HttpRequest request, UpstreamErrors errors) throws ProviderFailure {
        long started = System.nanoTime();
        HttpResponse<InputStream> response = send(request, errors, timeout, "timeout");
        InputStream in = response.body();
        long left = Math.max(timeout.toNanos() - (System.nanoTime() - started), 1_000_000);
        Watchdog.Guard guard = watchdog.watch(Duration.ofNanos(left), () -> closeQuietly(in));
        boolean ok = response.statusCode() / 100 == 2;
        byte[] body;
        try {
            body = ok ? readAll(in, response.headers()) : readBounded(in);
        } catch (IOException e) {
            throw guard.expired() ? errors.timedOut(timeout, "timeout") : errors.broken(e);
        } finally {
            guard.cancel();
            closeQuietly(in);
        }
        if (guard.expired()) {
            throw errors.timedOut(timeout, "timeout");
        }
        if (!ok) {
            throw errors.ofStatus(response.statusCode(), response.headers(), body, Instant.now());
        }
        return body;
    }

    /**
     * Opens an event stream: {@code stream_timeout} bounds the wait for the headers, then becomes an idle timer on
     * the body, so a long answer that keeps arriving is never cut; the provider's {@code timeout} does not apply.
     *
     * @throws ProviderFailure for a non-2xx answer, a JSON answer where a stream was asked for, or a failed exchange
     */
    public UpstreamSse stream(HttpRequest request, UpstreamErrors errors) throws ProviderFailure {
        HttpResponse<InputStream> response = send(request, errors, streamTimeout, "stream_timeout");
        InputStream body = response.body();
        Watchdog.Guard guard = watchdog.watch(streamTimeout, () -> closeQuietly(body));
        int status = response.statusCode();
        if (status / 100 != 2 || isJson(response.headers())) {
            byte[] error = readBounded(body);
            guard.cancel();
            closeQuietly(body);
            throw status / 100 != 2
                    ? errors.ofStatus(status, response.headers(), error, Instant.now())
                    : errors.notAStream(error);
        }
        return new UpstreamSse(body, guard, maxLineBytes, errors, streamTimeout);
    }

    private HttpResponse<InputStream> send(HttpRequest request, UpstreamErrors errors, Duration limit, String setting)
            throws ProviderFailure {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw errors.ofException(e, limit, setting);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.interrupted();
        }
    }

    /** Waits for calls in flight to end, then releases the client's connections. */
    @Override
    public void close() {
        http.close();
    }

    /**
     * The whole answer, sized by Content-Length when there is one (which spares readAllBytes' 16 KB chunks); the
     * client ends the body at that length itself, so a shorter read means the provider cut it.
     */
    private static byte[] readAll(InputStream in, HttpHeaders headers) throws IOException {
        long length = headers.firstValueAsLong("content-length").orElse(-1);
        return length < 0 || length > Integer.MAX_VALUE - 16 ? in.readAllBytes() : in.readNBytes((int) length);
    }

    /** Reads an error body up to the limit; a read failure keeps what came. */
    private static byte[] readBounded(InputStream in) {
        byte[] buf = new byte[UpstreamErrors.MAX_ERROR_BODY];
        int total = 0;
        try {
            int n;
            while (total < buf.length && (n = in.read(buf, total, buf.length - total)) >= 0) {
                total += n;
            }
        } catch (IOException e) {
            // what arrived is the message
        }
        return Arrays.copyOf(buf, total);
    }

    private static boolean isJson(HttpHeaders headers) {
        return headers.firstValue("content-type")
                .map(type -> type.toLowerCase(Locale.ROOT).startsWith("application/json"))
                .orElse(false);
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }
}
