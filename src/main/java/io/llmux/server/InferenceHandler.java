package io.llmux.server;

import io.llmux.GatewayException;
import io.llmux.Snapshot;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.ratelimit.RateLimitSettlement;
import io.llmux.routing.ModelGroup;
import io.llmux.spend.Pricing;
import io.llmux.spend.SpendAccounting;
import io.llmux.spend.Usd;
import io.llmux.telemetry.AccessLog;
import io.llmux.telemetry.GatewayMetrics;
import io.llmux.telemetry.PayloadCapture;
import io.llmux.telemetry.tracing.RequestSpan;
import io.llmux.telemetry.tracing.Tracing;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The data plane: chat completions, legacy completions and embeddings. Reads and checks the body, runs the
 * pipeline of the current config snapshot, writes the reply, and logs one line for the request.
 *
 * <p>An answer is priced here, where its usage is final: a whole answer before it is written, so its cost goes out
 * in {@code x-llmux-response-cost}; a stream once it ended, since its usage arrives last and its headers went out
 * first, so a stream's cost is in the request log only.
 */
final class InferenceHandler implements Handler {
    private final Endpoint endpoint;
    private final Supplier<Snapshot> snapshots;
    private final AccessLog accessLog;
    private final Pricing pricing;
    private final SpendAccounting accounting;
    private final RateLimitSettlement limits;
    private final Tracing tracing;
    private final GatewayMetrics metrics;
    private final LongSupplier nanoClock;
    private final Clock wallClock;

    InferenceHandler(
            Endpoint endpoint,
            Supplier<Snapshot> snapshots,
            AccessLog accessLog,
            Pricing pricing,
            SpendAccounting accounting,
            RateLimitSettlement limits,
            Tracing tracing,
            GatewayMetrics metrics,
            LongSupplier nanoClock,
            Clock wallClock) {
        this.endpoint = endpoint;
        this.snapshots = snapshots;
        this.accessLog = accessLog;
        this.pricing = pricing;
        this.accounting = accounting;
        this.limits = limits;
        this.tracing = tracing;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.wallClock = wallClock;
    }

    @Override
    public void handle(Request r) throws IOException {
        Snapshot snapshot = snapshots.get();
        Function<String, String> headers = r::header;
        RequestSpan span = tracing.start(endpoint, r.requestId(), headers);
        Exchange ex = null;
        int status = 500;
        String errorCode = null;
        metrics.requestStarted();
        PayloadCapture payloads = snapshot.config().logging().logPayloads() ? new PayloadCapture() : null;
        try {
            byte[] raw = BodyReader.read(r, snapshot.config().server().maxBodySize());
            ex = new Exchange(r.requestId(), endpoint, raw, headers, r.startNanos());
            ex.clientAddress(r::clientAddress);
            span.attach(ex);
            Reply reply = snapshot.pipeline().handle(ex);
            switch (reply) {
                case Reply.Json json -> {
                    status = json.status();
                    if (payloads != null && status < 400) {
                        payloads.answer(json.body());
                    }
                    price(ex);
                    ex.responseHeader("x-llmux-response-cost", Usd.plain(ex.costUsd()));
                    limits.beforeLastByte(ex, status);
                    Responses.json(r, json.status(), json.body(), withTiming(ex));
                }
                case Reply.Stream stream -> {
                    Exchange streamed = ex;
                    EventStream events = payloads == null ? stream.events() : payloads.watch(stream.events());
                    SseWriter.Outcome outcome = SseWriter.write(r, events, ex.responseHeaders(), () -> {
                        streamed.usage(stream.events().usage());
                        limits.beforeLastByte(streamed, 200);
                    });
                    status = outcome.status();
                    errorCode = outcome.errorCode();
                    ex.usage(stream.events().usage());
                    price(ex);
                }
            }
        } catch (GatewayException e) {
            status = e.status();
            errorCode = e.code();
            if (ex != null) {
                limits.beforeLastByte(ex, status);
            }
            Responses.error(r, e, ex == null ? Map.of() : ex.responseHeaders());
        } finally {
            span.end(ex, status, errorCode);
            long now = nanoClock.getAsLong();
            metrics.requestEnded(ex, modelGroup(snapshot, ex), status, now - r.startNanos());
            if (ex != null) {
                limits.settle(ex, status);
                long end = wallClock.millis();
                accounting.record(
                        ex,
                        status,
                        Instant.ofEpochMilli(end - (now - r.startNanos()) / 1_000_000),
                        Instant.ofEpochMilli(end));
            }
            if (payloads != null && ex != null) {
                payloads.request(ex.body());
            }
            accessLog.record(AccessLog.Entry.of(
                    wallClock.millis(),
                    r.requestId(),
                    r.method(),
                    r.path(),
                    ex,
                    status,
                    now - r.startNanos(),
                    errorCode,
                    payloads));
        }
    }

    /** The model group the request named, for metric labels: null when the config knows no such group or alias. */
    private static String modelGroup(Snapshot snapshot, Exchange ex) {
        ModelGroup g =
                ex == null || ex.model() == null ? null : snapshot.groups().resolve(ex.model());
        return g == null ? null : g.name();
    }

    /** The answer's cost at the price of the deployment that gave it; 0 when no deployment did (a cached answer). */
    private void price(Exchange ex) {
        if (ex.deploymentConfig() != null) {
            ex.costUsd(pricing.cost(ex.deploymentConfig(), ex.usage()));
        }
    }

    /** Nanoseconds as milliseconds with three decimals, without a Formatter (this runs on every request). */
    static String millis(long nanos) {
        long micros = Math.max(0, nanos / 1000);
        long frac = micros % 1000;
        return (micros / 1000) + "." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + frac;
    }

    /** {@code Server-Timing}: time in the gateway and time waiting on providers, for non-streaming answers. */
    private Map<String, String> withTiming(Exchange ex) {
        long total = nanoClock.getAsLong() - ex.startNanos();
        long upstream = ex.upstreamNanos();
        ex.responseHeader(
                "Server-Timing", "gateway;dur=" + millis(total - upstream) + ", upstream;dur=" + millis(upstream));
        return ex.responseHeaders();
    }
}
