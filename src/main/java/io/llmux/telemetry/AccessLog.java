package io.llmux.telemetry;

import io.llmux.auth.Principal;
import io.llmux.config.LoggingConfig;
import io.llmux.pipeline.Exchange;
import io.llmux.spend.Usd;
import io.llmux.wire.Usage;

/**
 * One line per data-plane request (SPEC §10): who, what, where it went, how it ended, how long it took. The entry is
 * captured as plain values and formatted on the log thread. It names the caller by its key's alias (or masked name,
 * or {@code master}), never by the key or its hash, and carries the prompt and answer only when {@code
 * logging.log_payloads} made the handler capture them.
 *
 * <p>The line's level follows its status (info, warn for 4xx, error for 5xx) and {@code logging.level} filters it
 * like any other message, so {@code level: warn} keeps only failed requests.
 */
public final class AccessLog {
    private final Log log;

    public AccessLog(Log log) {
        this.log = log;
    }

    /**
     * The facts of one finished request. Latencies in nanoseconds; cost in USD (0 when nothing was paid for).
     *
     * @param traceId empty when tracing is off
     * @param keyAlias the virtual key's alias or masked name, {@code master}, or empty on an open gateway
     * @param team the key's team alias (else id); null when none
     * @param user the key's user id; null when none
     * @param model the model as the client asked for it
     * @param modelGroup the model group routing resolved it to; null when it never got that far
     * @param deployment {@code provider/model} that answered or was tried last; empty before routing
     * @param fallback the fallback group that answered, null when the requested group did
     * @param payloads the prompt and answer, only with {@code logging.log_payloads}; else null
     */
    public record Entry(
            long epochMillis,
            String requestId,
            String traceId,
            String method,
            String path,
            String keyAlias,
            String team,
            String user,
            String model,
            String modelGroup,
            String deployment,
            int status,
            boolean stream,
            int attempts,
            long latencyNanos,
            long upstreamNanos,
            Usage usage,
            double costUsd,
            boolean cacheHit,
            String fallback,
            String errorCode,
            PayloadCapture payloads) {

        /**
         * The entry of a request, read off its exchange ({@code null} when the request failed before it had one: a
         * body too large, a read that broke).
         */
        public static Entry of(
                long epochMillis,
                String requestId,
                String method,
                String path,
                Exchange ex,
                int status,
                long latencyNanos,
                String errorCode,
                PayloadCapture payloads) {
            if (ex == null) {
                return new Entry(
                        epochMillis,
                        requestId,
                        "",
                        method,
                        path,
                        "",
                        null,
                        null,
                        null,
                        null,
                        "",
                        status,
                        false,
                        0,
                        latencyNanos,
                        0,
                        Usage.NONE,
                        0,
                        false,
                        null,
                        errorCode,
                        payloads);
            }
            Principal p = ex.principal();
            String team = p == null
                    ? null
                    : p.team() != null ? p.teamLabel() : p.key().teamId();
            String user = p == null ? null : p.key().userId();
            String requested = ex.requestedModel();
            boolean routed = !ex.deployment().isEmpty() || (requested != null && !requested.equals(ex.model()));
            return new Entry(
                    epochMillis,
                    requestId,
                    ex.traceId(),
                    method,
                    path,
                    ex.caller(),
                    team,
                    user,
                    requested,
                    routed ? ex.model() : null,
                    ex.deployment(),
                    status,
                    ex.stream(),
                    ex.attempts(),
                    latencyNanos,
                    ex.upstreamNanos(),
                    ex.usage(),
                    ex.costUsd(),
                    ex.cacheHit(),
                    status < 400 ? ex.responseHeaders().get("x-llmux-fallback") : null,
                    errorCode,
                    payloads);
        }
    }

    public void record(Entry e) {
        LoggingConfig.Level at = e.status() >= 500
                ? LoggingConfig.Level.ERROR
                : e.status() >= 400 ? LoggingConfig.Level.WARN : LoggingConfig.Level.INFO;
        if (!log.enabled(at)) {
            return;
        }
        String level = at == LoggingConfig.Level.ERROR ? "error" : at == LoggingConfig.Level.WARN ? "warn" : "info";
        log.sink().offer(f -> {
            f.begin(e.epochMillis(), level, "request")
                    .field("request_id", e.requestId())
                    .field("trace_id", e.traceId().isEmpty() ? null : e.traceId())
                    .field("method", e.method())
                    .field("path", e.path())
                    .field("key_alias", e.keyAlias().isEmpty() ? null : e.keyAlias())
                    .field("team", e.team())
                    .field("user", e.user())
                    .field("model", e.model())
                    .field("model_group", e.modelGroup())
                    .field("deployment", e.deployment().isEmpty() ? null : e.deployment())
                    .field("provider", provider(e.deployment()))
                    .field("status", e.status())
                    .field("stream", e.stream())
                    .field("attempts", e.attempts())
                    .millis("latency_ms", e.latencyNanos())
                    .millis("upstream_ms", e.upstreamNanos())
                    .field("prompt_tokens", e.usage().promptTokens())
                    .field("completion_tokens", e.usage().completionTokens())
                    .field("cached_tokens", e.usage().cachedTokens())
                    .number("cost_usd", Usd.plain(e.costUsd()))
                    .field("cache_hit", e.cacheHit())
                    .field("fallback", e.fallback())
                    .field("error", e.errorCode());
            if (e.payloads() != null) {
                f.field("request", e.payloads().requestText())
                        .field("answer", e.payloads().answerText());
            }
        });
    }

    /** The provider's name: a deployment id is {@code provider/model}, and provider names hold no slash. */
    private static String provider(String deployment) {
        int slash = deployment.indexOf('/');
        return slash > 0 ? deployment.substring(0, slash) : null;
    }
}
