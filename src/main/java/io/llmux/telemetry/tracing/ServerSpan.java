package io.llmux.telemetry.tracing;

import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.Exchange;
import io.llmux.wire.Usage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.function.Function;

/**
 * A traced request's SERVER span, child of the client's {@code traceparent} when it sent one. Named
 * {@code {operation} {model}} once the model is known; attributes that need the answer are set when it ends. Never
 * carries a prompt, an answer, a key or a header value.
 */
final class ServerSpan implements RequestSpan {
    private final Tracer tracer;
    private final Span span;
    private final Endpoint endpoint;
    /** Of the last attempt: what answered, or what was tried last. */
    private String system;

    private String responseModel;
    private List<String> finishReasons = List.of();

    private ServerSpan(Tracer tracer, Span span, Endpoint endpoint) {
        this.tracer = tracer;
        this.span = span;
        this.endpoint = endpoint;
    }

    static ServerSpan start(Tracer tracer, Endpoint endpoint, String requestId, Function<String, String> headers) {
        Context parent =
                W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HeaderGetter.INSTANCE);
        String operation = GenAi.operation(endpoint);
        Span span = tracer.spanBuilder(operation)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(GenAi.OPERATION, operation)
                .setAttribute(GenAi.HTTP_METHOD, "POST")
                .setAttribute(GenAi.HTTP_ROUTE, GenAi.route(endpoint))
                .setAttribute(GenAi.REQUEST_ID, requestId)
                .startSpan();
        return new ServerSpan(tracer, span, endpoint);
    }

    @Override
    public void attach(Exchange ex) {
        ex.span(this);
        SpanContext context = span.getSpanContext();
        if (context.isSampled()) {
            ex.traceId(context.getTraceId());
        }
    }

    @Override
    public AttemptSpan attempt(ProviderConfig provider, DeploymentConfig model, String deployment) {
        system = GenAi.system(provider.type());
        return ClientSpan.start(tracer, this, span, endpoint, system, provider, model, deployment);
    }

    /** What an attempt's whole answer said about itself, for the request's span. */
    void answeredBy(AnswerFields fields) {
        if (fields.model() != null) {
            responseModel = fields.model();
        }
        finishReasons = fields.finishReasons();
    }

    @Override
    public void end(Exchange ex, int status, String errorCode) {
        if (span.isRecording()) {
            describe(ex, status, errorCode);
        }
        span.end();
    }

    private void describe(Exchange ex, int status, String errorCode) {
        span.setAttribute(GenAi.HTTP_STATUS, status);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
            span.setAttribute(GenAi.ERROR_TYPE, errorCode != null ? errorCode : Integer.toString(status));
        }
        if (ex == null) {
            return;
        }
        String requested = requestedModel(ex);
        if (requested != null) {
            span.updateName(GenAi.operation(endpoint) + " " + requested);
            span.setAttribute(GenAi.REQUEST_MODEL, requested);
        }
        if (system != null) {
            span.setAttribute(GenAi.SYSTEM, system);
            span.setAttribute(GenAi.PROVIDER, system);
        }
        String answered = responseModel != null
                ? responseModel
                : ex.deploymentConfig() != null ? ex.deploymentConfig().model() : null;
        if (answered != null && status < 400) {
            span.setAttribute(GenAi.RESPONSE_MODEL, answered);
        }
        if (!finishReasons.isEmpty()) {
            span.setAttribute(GenAi.FINISH_REASONS, finishReasons);
        }
        Usage usage = ex.usage();
        if (!usage.equals(Usage.NONE)) {
            span.setAttribute(GenAi.INPUT_TOKENS, usage.promptTokens());
            span.setAttribute(GenAi.OUTPUT_TOKENS, usage.completionTokens());
        }
        if (!ex.deployment().isEmpty()) {
            span.setAttribute(GenAi.DEPLOYMENT, ex.deployment());
        }
        span.setAttribute(GenAi.ATTEMPTS, ex.attempts());
        span.setAttribute(GenAi.CACHE_HIT, ex.cacheHit());
    }

    /** The model as the client named it: the router replaces {@code ex.model()} with the group an alias points to. */
    private static String requestedModel(Exchange ex) {
        if (ex.body() != null && ex.body().path("model").isTextual()) {
            return ex.body().path("model").asText();
        }
        return ex.model();
    }
}
