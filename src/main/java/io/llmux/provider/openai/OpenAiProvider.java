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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code openai} provider: any OpenAI-compatible upstream, passed through. The body goes up as the client sent it
 * with {@code model} rewritten; answers come back as the provider's bytes. Azure reuses it with another
 * {@link OpenAiAddress}.
 */
public final class OpenAiProvider implements Provider {
    /** 2xx bodies are kept whole (they are the answer); error bodies are read only as far as a message needs. */
    private static final HttpResponse.BodyHandler<byte[]> WHOLE = info -> info.statusCode() / 100 == 2
            ? HttpResponse.BodySubscribers.ofByteArray()
            : new BoundedBody(OpenAiErrors.MAX_ERROR_BODY);

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
     * headers, so the wait on the future bounds the body too, and cancelling it aborts the exchange.
     */
    private Answer whole(HttpRequest request, OpenAiErrors errors) throws ProviderFailure {
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(request, WHOLE);
        HttpResponse<byte[]> response;
        try {
            response = pending.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw errors.timedOut(timeout, "timeout");
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw errors.interrupted();
        } catch (ExecutionException e) {
            throw errors.ofException(e, timeout, "timeout");
        }
        byte[] body = response.body();
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
