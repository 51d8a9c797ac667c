package io.llmux.provider.openai;

import io.llmux.config.ProviderConfig;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Provider;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;

/**
 * The {@code openai} provider: any OpenAI-compatible upstream, passed through. The body goes up as the client sent it
 * with {@code model} rewritten; answers come back as the provider's bytes. Azure reuses it with another
 * {@link OpenAiAddress}.
 */
public final class OpenAiProvider implements Provider {
    private final ProviderConfig config;
    private final HttpClient http;
    private final Watchdog watchdog;
    private final long maxLineBytes;
    private final OpenAiAddress address;
    private final Duration timeout;
    private final Duration streamTimeout;
    private final HttpRequest.Builder template;

    /** @param maxLineBytes {@code server.max_body_size}: the longest stream line accepted from the provider */
    public OpenAiProvider(ProviderConfig config, HttpClient http, Watchdog watchdog, long maxLineBytes) {
        this(config, http, watchdog, maxLineBytes, OpenAiAddress.openAi(config));
    }

    /** @param address where requests go and how they authenticate (Azure passes its own) */
    public OpenAiProvider(
            ProviderConfig config, HttpClient http, Watchdog watchdog, long maxLineBytes, OpenAiAddress address) {
        this.config = config;
        this.http = http;
        this.watchdog = watchdog;
        this.maxLineBytes = maxLineBytes;
        this.address = address;
        this.timeout = config.timeout() != null ? config.timeout() : ProviderConfig.DEFAULT_TIMEOUT;
        this.streamTimeout =
                config.streamTimeout() != null ? config.streamTimeout() : ProviderConfig.DEFAULT_STREAM_TIMEOUT;
        // the headers every request carries, checked once here; each call copies the template
        HttpRequest.Builder builder = HttpRequest.newBuilder().header("Content-Type", "application/json");
        if (!address.credential().isEmpty()) {
            builder.header(address.authHeader(), address.credential());
        }
        config.headers().forEach(builder::setHeader);
        this.template = builder;
    }

    @Override
    public ProviderConfig config() {
        return config;
    }

    @Override
    public Answer call(Call call) throws ProviderFailure {
        URI uri = address.uri(call.endpoint(), call.deployment());
        OpenAiErrors errors = new OpenAiErrors(config.name(), call.deployment().model(), uri, config.apiKey());
        HttpRequest.Builder request = template.copy()
                .uri(uri)
                .timeout(call.stream() ? streamTimeout : timeout)
                .header("Accept", call.stream() ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(OpenAiWire.body(call)));
        if (call.traceparent() != null) {
            request.header("traceparent", call.traceparent());
        }
        return call.stream() ? stream(request.build(), call, errors) : whole(request.build(), errors);
    }

    /**
     * One answer, bounded as a whole by {@code timeout}: the request timeout of java.net.http covers only the
     * headers, so the body is read under a watchdog deadline for the time that is left. The blocking {@code send}
     * is used rather than {@code sendAsync}, which would hop to the common pool on every call.
     */
    private Answer whole(HttpRequest request, OpenAiErrors errors) throws ProviderFailure {
        long started = System.nanoTime();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw errors.ofException(e, timeout, "timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.interrupted();
        }
        InputStream in = response.body();
        long left = Math.max(timeout.toNanos() - (System.nanoTime() - started), 1_000_000);
        Watchdog.Guard guard = watchdog.watch(Duration.ofNanos(left), () -> OpenAiStream.closeQuietly(in));
        byte[] body;
        try {
            body = response.statusCode() / 100 == 2 ? readAll(in, response.headers()) : readBounded(in);
        } catch (IOException e) {
            throw guard.expired() ? errors.timedOut(timeout, "timeout") : errors.broken(e);
        } finally {
            guard.cancel();
            OpenAiStream.closeQuietly(in);
        }
        if (guard.expired()) {
            throw errors.timedOut(timeout, "timeout");
        }
        if (response.statusCode() / 100 != 2) {
            throw errors.ofStatus(response.statusCode(), response.headers(), body, Instant.now());
        }
        try {
            return new Answer.Whole(body, OpenAiUsage.ofBody(body));
        } catch (IOException e) {
            throw errors.malformed();
        }
    }

    /**
     * A stream: {@code stream_timeout} bounds the wait for the headers, then becomes an idle timer on the body, so a
     * long answer that keeps arriving is never cut; the provider's {@code timeout} does not apply.
     */
    private Answer stream(HttpRequest request, Call call, OpenAiErrors errors) throws ProviderFailure {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw errors.ofException(e, streamTimeout, "stream_timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.interrupted();
        }
        InputStream body = response.body();
        Watchdog.Guard guard = watchdog.watch(streamTimeout, () -> OpenAiStream.closeQuietly(body));
        int status = response.statusCode();
        if (status / 100 != 2 || isJson(response.headers())) {
            byte[] error = readBounded(body);
            guard.cancel();
            OpenAiStream.closeQuietly(body);
            throw status / 100 != 2
                    ? errors.ofStatus(status, response.headers(), error, Instant.now())
                    : errors.notAStream(error);
        }
        OpenAiStream events =
                new OpenAiStream(body, guard, maxLineBytes, call.clientWantsUsage(), errors, streamTimeout);
        events.start();
        return new Answer.Streamed(events);
    }

    /** Waits for calls in flight to end, then releases the client's connections and threads. */
    @Override
    public void close() {
        http.close();
    }

    private static boolean isJson(HttpHeaders headers) {
        return headers.firstValue("content-type")
                .map(type -> type.toLowerCase(Locale.ROOT).startsWith("application/json"))
                .orElse(false);
    }

    /**
     * The whole answer, sized by Content-Length when there is one (which spares readAllBytes' 16 KB chunks); the
     * client ends the body at that length itself, so a shorter read means the provider cut it.
     */
    private static byte[] readAll(InputStream in, HttpHeaders headers) throws IOException {
        long length = headers.firstValueAsLong("content-length").orElse(-1);
        return length < 0 || length > Integer.MAX_VALUE - 16 ? in.readAllBytes() : in.readNBytes((int) length);
    }

    /** Reads an error body up to the limit; the idle guard bounds the time, and a read failure keeps what came. */
    private static byte[] readBounded(InputStream in) {
        byte[] buf = new byte[OpenAiErrors.MAX_ERROR_BODY];
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
}
