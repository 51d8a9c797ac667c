package io.llmux.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.auth.Principal;
import io.llmux.budget.PendingReservation;
import io.llmux.budget.Reservation;
import io.llmux.config.DeploymentConfig;
import io.llmux.ratelimit.Admission;
import io.llmux.routing.StatsPrefetch;
import io.llmux.telemetry.tracing.RequestSpan;
import io.llmux.wire.RequestShape;
import io.llmux.wire.TokenEstimate;
import io.llmux.wire.Usage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One data-plane request on its way through the pipeline: what the client asked, who asked, and what the stages
 * decided. Owned by one thread at a time; stages write their decisions here instead of passing maps around.
 */
public final class Exchange {
    private final String requestId;
    private final Endpoint endpoint;
    private final byte[] rawBody;
    private final Function<String, String> requestHeaders;
    private final long startNanos;
    private final Map<String, String> responseHeaders = new LinkedHashMap<>();

    private ObjectNode body;
    private boolean stream;
    private boolean clientWantsUsage;
    private RequestShape.CacheControl cacheControl = RequestShape.CacheControl.NONE;
    private String model;
    private String requestedModel;
    private List<String> tags = List.of();
    private String caller = "";
    private Principal principal;
    private Reservation reservation;
    private Admission rateAdmission;
    private StatsPrefetch statsPrefetch;
    private PendingReservation pendingReservation;
    private Supplier<String> clientAddress = () -> "unknown";
    private String deployment = "";
    private DeploymentConfig deploymentConfig;
    private int attempts;
    private long upstreamNanos;
    private Usage usage = Usage.NONE;
    private double costUsd;
    private boolean cacheHit;
    private long promptEstimate = -1;
    private long completionEstimate = -1;
    private String traceId = "";
    private RequestSpan span = RequestSpan.NONE;

    /**
     * @param rawBody the request body as received; parsed by the request stage, after auth
     * @param requestHeaders header lookup by lower-case name, null when absent
     */
    public Exchange(
            String requestId,
            Endpoint endpoint,
            byte[] rawBody,
            Function<String, String> requestHeaders,
            long startNanos) {
        this.requestId = requestId;
        this.endpoint = endpoint;
        this.rawBody = rawBody;
        this.requestHeaders = requestHeaders;
        this.startNanos = startNanos;
    }

    /** Records the parsed, checked body and what the gateway read from it. */
    public void accept(ObjectNode checkedBody, RequestShape shape) {
        this.body = checkedBody;
        this.model = shape.model();
        this.requestedModel = shape.model();
        this.stream = shape.stream();
        this.clientWantsUsage = shape.includeUsage();
        this.tags = shape.tags();
        this.cacheControl = shape.cacheControl();
    }

    public byte[] rawBody() {
        return rawBody;
    }

    public String requestId() {
        return requestId;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The client's JSON, checked; null until the request stage ran. */
    public ObjectNode body() {
        return body;
    }

    /**
     * The prompt's tokens as {@link TokenEstimate#prompt} estimates them, worked out once: admission, the router
     * and some strategies all ask. Only after the request stage.
     */
    public long promptEstimate() {
        if (promptEstimate < 0) {
            promptEstimate = TokenEstimate.prompt(body);
        }
        return promptEstimate;
    }

    /** The answer's expected tokens ({@link TokenEstimate#completion}), worked out once. */
    public long completionEstimate() {
        if (completionEstimate < 0) {
            completionEstimate = TokenEstimate.completion(body);
        }
        return completionEstimate;
    }

    /** Cache directives of the request (SPEC §3 {@code cache} extension or {@code Cache-Control}). */
    public RequestShape.CacheControl cacheControl() {
        return cacheControl;
    }

    /** The model the client asked for (null before the request stage); after routing, the model group. */
    public String model() {
        return model;
    }

    public void model(String modelGroup) {
        this.model = modelGroup;
    }

    /** The model exactly as the client named it (an alias stays an alias); null before the request stage. */
    public String requestedModel() {
        return requestedModel;
    }

    public boolean stream() {
        return stream;
    }

    /** True when the client set {@code stream_options.include_usage}; only then is the usage chunk forwarded. */
    public boolean clientWantsUsage() {
        return clientWantsUsage;
    }

    public String header(String lowerCaseName) {
        return requestHeaders.apply(lowerCaseName);
    }

    public long startNanos() {
        return startNanos;
    }

    /** Routing tags from {@code metadata.tags}, a top-level {@code tags} array or {@code x-llmux-tags}. */
    public List<String> tags() {
        return tags;
    }

    public void tags(List<String> value) {
        this.tags = List.copyOf(value);
    }

    /** Who is calling, for logs: a key alias or a fixed word, never the key itself. */
    public String caller() {
        return caller;
    }

    public void caller(String value) {
        this.caller = value;
    }

    /** The virtual key calling, with its user, team and organization; null for the master key or an open gateway. */
    public Principal principal() {
        return principal;
    }

    public void principal(Principal value) {
        this.principal = value;
    }

    /** The budget reservation admission took; settled once the answer's cost is known. Null when none. */
    public Reservation reservation() {
        return reservation;
    }

    public void reservation(Reservation value) {
        this.reservation = value;
    }

    /** A budget reservation started and not yet awaited ({@code AccessStage}); null otherwise. */
    public PendingReservation pendingReservation() {
        return pendingReservation;
    }

    public void pendingReservation(PendingReservation value) {
        this.pendingReservation = value;
    }

    /** The router's first stats read, started ahead of the budget and limit stages; null when none was. */
    public StatsPrefetch statsPrefetch() {
        return statsPrefetch;
    }

    public void statsPrefetch(StatsPrefetch value) {
        this.statsPrefetch = value;
    }

    /** The rate limits admission took; settled once the answer's usage is known. Null when none applied. */
    public Admission rateAdmission() {
        return rateAdmission;
    }

    public void rateAdmission(Admission value) {
        this.rateAdmission = value;
    }

    /** The client's IP address: an open gateway's rate limits are per client. Worked out when asked. */
    public String clientAddress() {
        return clientAddress.get();
    }

    public void clientAddress(Supplier<String> value) {
        this.clientAddress = value;
    }

    /** {@code provider/model} of the deployment that answered (or was tried last); empty before routing. */
    public String deployment() {
        return deployment;
    }

    public void deployment(String value) {
        this.deployment = value;
    }

    /** The config of the deployment that answered (or was tried last), for its prices; null before routing. */
    public DeploymentConfig deploymentConfig() {
        return deploymentConfig;
    }

    public void deploymentConfig(DeploymentConfig value) {
        this.deploymentConfig = value;
    }

    public int attempts() {
        return attempts;
    }

    public void attempts(int value) {
        this.attempts = value;
    }

    /** Time spent waiting on providers, summed over attempts (for {@code Server-Timing} and gateway overhead). */
    public long upstreamNanos() {
        return upstreamNanos;
    }

    public void addUpstreamNanos(long nanos) {
        this.upstreamNanos += nanos;
    }

    public Usage usage() {
        return usage;
    }

    public void usage(Usage value) {
        this.usage = value;
    }

    /** What the answer cost in USD, once its usage is final; 0 until then, and for answers nobody was paid for. */
    public double costUsd() {
        return costUsd;
    }

    public void costUsd(double value) {
        this.costUsd = value;
    }

    /** True when the answer came from the response cache: nobody was paid for it. */
    public boolean cacheHit() {
        return cacheHit;
    }

    public void cacheHit(boolean value) {
        this.cacheHit = value;
    }

    /** Headers the stages want on the response, in the order they were set. */
    public Map<String, String> responseHeaders() {
        return responseHeaders;
    }

    public void responseHeader(String name, String value) {
        responseHeaders.put(name, value);
    }

    /** The W3C trace id of the request's span when it is sampled (exported), for the request log; else empty. */
    public String traceId() {
        return traceId;
    }

    public void traceId(String value) {
        this.traceId = value;
    }

    /** The request's server span; {@link RequestSpan#NONE} when tracing is off. */
    public RequestSpan span() {
        return span;
    }

    public void span(RequestSpan value) {
        this.span = value;
    }
}
