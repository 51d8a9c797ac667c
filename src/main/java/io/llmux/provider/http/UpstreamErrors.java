package io.llmux.provider.http;

import io.llmux.GatewayException;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.telemetry.Redactor;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns what went wrong with one upstream attempt into a {@link ProviderFailure} the router can act on, for every
 * adapter: each brings only the parser of its provider's error body. A failure's message is the provider's own words,
 * or what went wrong when it said nothing: the router puts the deployment ({@code openai/gpt-4o-mini}) and the status
 * in front. Messages never carry the credential, and a URL they mention has no query string.
 */
public final class UpstreamErrors {
    /** An error answer is read this far at most: enough for any real error object, bounded for a broken upstream. */
    public static final int MAX_ERROR_BODY = 64 * 1024;

    private final String provider;
    private final String model;
    private final URI uri;
    private final String secret;
    private final ErrorParser parser;

    /** @param secret the provider's credential, scrubbed from any message that echoes it */
    public UpstreamErrors(String provider, String model, URI uri, String secret, ErrorParser parser) {
        this.provider = provider;
        this.model = model;
        this.uri = uri;
        this.secret = secret;
        this.parser = parser;
    }

    /** A non-2xx answer. Its guard clauses are the whole classification: each says why. */
    public ProviderFailure ofStatus(int status, HttpHeaders headers, byte[] body, Instant now) {
        ErrorFields error = parser.parse(body);
        String message = said(error);
        Failure kind;
        if (status == 401 || status == 403) { // the gateway's own credential: the client gets a 502, never a 401
            kind = Failure.AUTH;
        } else if (status == 429) { // cool down for as long as the provider says
            kind = Failure.RATE_LIMITED;
        } else if (status >= 400 && status < 500 && error.authentication()) { // a key refused with a 400 (Gemini)
            kind = Failure.AUTH;
        } else if (status == 408 || status >= 500) { // the provider's trouble, not the request's: retried
            kind = Failure.TRANSIENT;
        } else if (status >= 400 && error.contextLength()) { // may go to a larger-context fallback
            kind = Failure.CONTEXT_LENGTH;
        } else if (status >= 400) { // the request itself is wrong: the client gets the provider's answer
            kind = Failure.CALLER;
        } else { // a redirect or an informational status: a misconfigured base_url, try elsewhere
            kind = Failure.TRANSIENT;
            message = "not an answer (redirects are never followed; check base_url " + where() + ")";
        }
        Duration retryAfter = kind == Failure.RATE_LIMITED ? RetryAfter.parse(headers, now) : null;
        return new ProviderFailure(kind, status, message, error.type(), error.code(), error.param(), retryAfter);
    }

    /** An {@code {"error":{…}}} event in a stream: no status, so its code and type decide. */
    public ProviderFailure ofEvent(byte[] data) {
        ErrorFields error = parser.parse(data);
        Failure kind;
        int status = 0;
        if (error.contextLength()) {
            kind = Failure.CONTEXT_LENGTH;
            status = 400;
        } else if (error.rateLimited()) {
            kind = Failure.RATE_LIMITED;
        } else if (error.authentication()) {
            kind = Failure.AUTH;
        } else if ("invalid_request_error".equals(error.type())) {
            kind = Failure.CALLER;
            status = 400;
        } else {
            kind = Failure.TRANSIENT;
        }
        return new ProviderFailure(kind, status, said(error), error.type(), error.code(), error.param(), null);
    }

    /** A failure to exchange at all: connecting, timing out, a dropped connection. */
    public ProviderFailure ofException(Throwable thrown, Duration timeout, String setting) {
        Throwable t = thrown;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof HttpConnectTimeoutException) {
            return ProviderFailure.of(Failure.TIMEOUT, "could not connect to " + where() + " in time");
        }
        if (t instanceof HttpTimeoutException) {
            return timedOut(timeout, setting);
        }
        if (t instanceof ConnectException) {
            return ProviderFailure.of(
                    Failure.TRANSIENT, "could not connect to " + where() + " (" + scrub(describe(t)) + ")");
        }
        return ProviderFailure.of(Failure.TRANSIENT, "the connection to " + where() + " failed: " + scrub(describe(t)));
    }

    public ProviderFailure timedOut(Duration timeout, String setting) {
        return ProviderFailure.of(Failure.TIMEOUT, "did not answer within " + format(timeout) + " (" + setting + ")");
    }

    public ProviderFailure stalled(Duration idle) {
        return ProviderFailure.of(
                Failure.TIMEOUT, "sent nothing for " + format(idle) + " (stream_timeout); the stream was ended");
    }

    public ProviderFailure endedEarly() {
        return ProviderFailure.of(Failure.TRANSIENT, "the provider closed the stream before it finished");
    }

    public ProviderFailure broken(IOException e) {
        String reason = e.getMessage() != null && e.getMessage().contains("max_body_size")
                ? e.getMessage()
                : "the connection broke: " + scrub(describe(e));
        return ProviderFailure.of(Failure.TRANSIENT, reason);
    }

    public ProviderFailure malformed() {
        return ProviderFailure.of(Failure.TRANSIENT, "returned a malformed answer (not a JSON object)");
    }

    public ProviderFailure notAStream(byte[] body) {
        ErrorFields error = parser.parse(body);
        return new ProviderFailure(
                Failure.TRANSIENT,
                200,
                "JSON instead of an event stream: " + said(error),
                error.type(),
                error.code(),
                error.param(),
                null);
    }

    public ProviderFailure interrupted() {
        return ProviderFailure.of(Failure.TRANSIENT, "the call was interrupted");
    }

    /**
     * After the first byte went to the client there is no retry, so no router to name the deployment: the failure
     * becomes the stream's error event here, in the router's words ({@code RouterStage}'s FailureReplies).
     */
    public GatewayException midStream(ProviderFailure failure) {
        String message = deployment() + ": " + failure.getMessage();
        return switch (failure.kind()) {
            case TIMEOUT -> GatewayException.timeout(message);
            case AUTH -> GatewayException.upstream("provider_auth_error", message);
            default -> GatewayException.upstream("provider_error", message);
        };
    }

    /** A failure the adapter itself found (a translation it cannot make, a malformed event), in its words. */
    public ProviderFailure ofMessage(Failure kind, int status, String message) {
        return new ProviderFailure(kind, status, scrub(message), null, null, null, null);
    }

    /** The deployment, for messages the adapter writes itself. */
    public String deployment() {
        return provider + "/" + model;
    }

    /** The URL without its query string, which may carry a secret. */
    private String where() {
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        return uri.getScheme() + "://" + uri.getHost() + port + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /** The provider's own words, never the credential (some servers echo the key they were sent). */
    private String said(ErrorFields error) {
        String message = error.message();
        if (message.isEmpty()) {
            return "the provider sent no message";
        }
        return scrub(message);
    }

    /**
     * Some servers echo the key they were sent, and library messages may quote a URL with its {@code ?key=}: neither
     * goes further. Runs on failures only.
     */
    private String scrub(String message) {
        String own = secret.length() >= 8 && message.contains(secret) ? message.replace(secret, "****") : message;
        return Redactor.scrubPatterns(own);
    }

    /**
     * The first message along the cause chain: java.net.http wraps the socket's "Connection refused" in a
     * {@code ConnectException} without a message, and a Java class name tells the reader nothing.
     */
    private static String describe(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c != null && depth < 8; depth++, c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return c.getMessage();
            }
        }
        return t instanceof ConnectException
                ? "connection refused"
                : t.getClass().getSimpleName();
    }

    public static String format(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
