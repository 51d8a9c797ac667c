package io.llmux.telemetry.tracing;

import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.pipeline.ForwardingEventStream;
import io.llmux.provider.Failure;
import io.llmux.wire.Usage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.net.URI;
import java.util.Locale;

/**
 * One upstream attempt's CLIENT span, child of the request's span; its context is what the provider request carries
 * as {@code traceparent}, so the provider's own traces join the client's.
 */
final class ClientSpan implements AttemptSpan {
    private final Span span;
    private final ServerSpan request;
    private final boolean readAnswer;
    private String traceparent;
    private String tracestate;
    private boolean ended;

    private ClientSpan(Span span, ServerSpan request, boolean readAnswer) {
        this.span = span;
        this.request = request;
        this.readAnswer = readAnswer;
    }

    static ClientSpan start(
            Tracer tracer,
            ServerSpan request,
            Span parent,
            Endpoint endpoint,
            String system,
            ProviderConfig provider,
            DeploymentConfig model,
            String deployment) {
        String operation = GenAi.operation(endpoint);
        var builder = tracer.spanBuilder(operation + " " + model.model())
                .setParent(Context.root().with(parent))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(GenAi.OPERATION, operation)
                .setAttribute(GenAi.SYSTEM, system)
                .setAttribute(GenAi.PROVIDER, system)
                .setAttribute(GenAi.REQUEST_MODEL, model.model())
                .setAttribute(GenAi.DEPLOYMENT, deployment);
        URI base = provider.baseUrl();
        if (base != null && base.getHost() != null) {
            builder.setAttribute(GenAi.SERVER_ADDRESS, base.getHost());
            builder.setAttribute(GenAi.SERVER_PORT, port(base));
        }
        // an embeddings answer is mostly vectors: not worth parsing for a model name that the request already has
        ClientSpan attempt = new ClientSpan(builder.startSpan(), request, endpoint != Endpoint.EMBEDDINGS);
        W3CTraceContextPropagator.getInstance()
                .inject(Context.root().with(attempt.span), attempt, (carrier, key, value) -> {
                    if (carrier != null && key.equals("traceparent")) {
                        carrier.traceparent = value;
                    } else if (carrier != null && key.equals("tracestate")) {
                        carrier.tracestate = value;
                    }
                });
        return attempt;
    }

    private static long port(URI base) {
        if (base.getPort() >= 0) {
            return base.getPort();
        }
        return "http".equalsIgnoreCase(base.getScheme()) ? 80 : 443;
    }

    @Override
    public String traceparent() {
        return traceparent;
    }

    @Override
    public String tracestate() {
        return tracestate;
    }

    @Override
    public void failed(Failure kind, int upstreamStatus) {
        if (span.isRecording()) {
            if (upstreamStatus > 0) {
                span.setAttribute(GenAi.HTTP_STATUS, upstreamStatus);
            }
            span.setAttribute(GenAi.ERROR_TYPE, kind.name().toLowerCase(Locale.ROOT));
            span.setStatus(StatusCode.ERROR);
        }
        end();
    }

    @Override
    public void crashed(RuntimeException e) {
        if (span.isRecording()) {
            // the class, not the message: a message may quote what the provider sent
            span.setAttribute(GenAi.ERROR_TYPE, e.getClass().getName());
            span.setStatus(StatusCode.ERROR);
        }
        end();
    }

    @Override
    public void answered(byte[] body, Usage usage) {
        if (span.isRecording()) {
            span.setAttribute(GenAi.HTTP_STATUS, 200);
            if (readAnswer) {
                AnswerFields fields = AnswerFields.read(body);
                request.answeredBy(fields);
                if (fields.model() != null) {
                    span.setAttribute(GenAi.RESPONSE_MODEL, fields.model());
                }
                if (!fields.finishReasons().isEmpty()) {
                    span.setAttribute(GenAi.FINISH_REASONS, fields.finishReasons());
                }
            }
            recordUsage(usage);
        }
        end();
    }

    @Override
    public EventStream streamed(EventStream events) {
        if (span.isRecording()) {
            span.setAttribute(GenAi.HTTP_STATUS, 200);
        }
        return new Ending(events);
    }

    private void recordUsage(Usage usage) {
        if (!usage.equals(Usage.NONE)) {
            span.setAttribute(GenAi.INPUT_TOKENS, usage.promptTokens());
            span.setAttribute(GenAi.OUTPUT_TOKENS, usage.completionTokens());
        }
    }

    private void end() {
        if (!ended) {
            ended = true;
            span.end();
        }
    }

    /** Ends the attempt's span when the stream is closed, marked failed when the stream broke after it began. */
    private final class Ending extends ForwardingEventStream {
        Ending(EventStream events) {
            super(events);
        }

        @Override
        public byte[] next() throws GatewayException {
            try {
                return events.next();
            } catch (GatewayException e) {
                if (span.isRecording()) {
                    span.setAttribute(GenAi.ERROR_TYPE, e.code() != null ? e.code() : Integer.toString(e.status()));
                    span.setStatus(StatusCode.ERROR);
                }
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                events.close();
            } finally {
                if (span.isRecording()) {
                    recordUsage(events.usage());
                }
                end();
            }
        }
    }
}
