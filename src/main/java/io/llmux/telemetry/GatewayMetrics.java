package io.llmux.telemetry;

import io.llmux.pipeline.Exchange;
import io.llmux.wire.Usage;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The Prometheus metrics of SPEC §10, in a registry of the gateway's own (never the library's global one), for the
 * life of the process: a config reload keeps every count. Request metrics are recorded at fixed points (the end of a
 * request, a stream opening, a retry); counts that other parts keep anyway (dropped spend rows, unpriced answers,
 * Redis errors, deployment health) are read when scraped.
 *
 * <p>Labels are bounded: {@code model} is a model group of the config ({@value #UNKNOWN} for a name the config does
 * not know), {@code provider} a provider name of the config ({@value #NONE} when no provider answered, e.g. a cache
 * hit), {@code status} the HTTP status code the client got. No key, user or request id is ever a label.
 *
 * <p>Recording is allocation-free after a series' first use: the data points of each (model group, deployment) are
 * looked up once and kept, since the library's {@code labelValues} allocates on every call.
 */
public final class GatewayMetrics {
    public static final String UNKNOWN = "unknown";
    public static final String NONE = "none";

    /** Whole requests and time to first token: a cache hit in milliseconds to a long generation in minutes. */
    static final double[] LATENCY_BUCKETS = {
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300
    };
    /** Time in the gateway itself: tens of microseconds when all is well, a slow Redis or database shows above 10 ms. */
    static final double[] OVERHEAD_BUCKETS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1
    };

    private static final double NANOS_PER_SECOND = 1e9;
    private static final List<String> RATE_LIMIT_SCOPES =
            List.of("key", "model", "user", "team", "organization", "client", "other");
    /** Status codes as label values, made once: an HTTP status is below 600. */
    private static final int STATUSES = 600;

    /**
     * Where the scrape-time values come from.
     *
     * @param spendLogDropped spend rows dropped because memory and the spill file were full
     * @param logLinesDropped log lines dropped because the log writer's queue was full
     * @param spendLogQueued spend rows waiting in memory to be written
     * @param spendLogSpillBytes bytes of spend rows waiting in the spill file to be written
     * @param costUnknown answers priced at 0 for want of a price, by upstream model name (a config value)
     * @param deploymentHealthy every deployment of the current config by id ({@code provider/model}): usable and not
     *     cooling down
     * @param redisErrors failed Redis calls by component (routing, rate_limit, budget, cache)
     */
    public record Sources(
            LongSupplier spendLogDropped,
            LongSupplier logLinesDropped,
            LongSupplier spendLogQueued,
            LongSupplier spendLogSpillBytes,
            Supplier<Map<String, Long>> costUnknown,
            Supplier<Map<String, Boolean>> deploymentHealthy,
            Map<String, LongSupplier> redisErrors) {

        public Sources {
            redisErrors = Map.copyOf(redisErrors);
        }

        /** Nothing to read: for tests and parts built without the rest. */
        public static Sources none() {
            return new Sources(() -> 0, () -> 0, () -> 0, () -> 0, Map::of, Map::of, Map.of());
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private final Counter requests;
    private final Histogram duration;
    private final Histogram timeToFirstToken;
    private final Histogram overhead;
    private final Counter tokens;
    private final Counter spend;
    private final Counter cacheLookups;
    private final Counter rateLimited;
    private final Gauge inflight;
    private final Counter cooldowns;
    private final Counter retries;
    private final Counter fallbacks;

    /** model group → deployment id → its data points; both levels are config values, so bounded. */
    private final Map<String, Map<String, Series>> series = new ConcurrentHashMap<>();

    /** Every scope has its series from the start, so a rate over it is defined before the first refusal. */
    private final Map<String, CounterDataPoint> rateLimitedByScope;

    public GatewayMetrics(Sources sources) {
        requests = Counter.builder()
                .name("llmux_requests_total")
                .help("Data-plane requests by model group, provider and the HTTP status the client got")
                .labelNames("model", "provider", "status")
                .withoutExemplars()
                .register(registry);
        duration = latency("llmux_request_duration_seconds", "Data-plane requests from arrival to last byte");
        timeToFirstToken = latency(
                "llmux_time_to_first_token_seconds",
                "Streams from the request's arrival until the upstream's first event was at hand");
        overhead = Histogram.builder()
                .name("llmux_gateway_overhead_seconds")
                .help("Time spent in the gateway itself: a whole answer's total time minus its time waiting on"
                        + " providers; a stream's time until it opened minus its wait on providers")
                .classicOnly()
                .classicUpperBounds(OVERHEAD_BUCKETS)
                .withoutExemplars()
                .register(registry);
        tokens = Counter.builder()
                .name("llmux_tokens_total")
                .help("Tokens providers reported, by type (prompt or completion) and the key's team (none without one)")
                .labelNames("model", "provider", "type", "team")
                .withoutExemplars()
                .register(registry);
        spend = Counter.builder()
                .name("llmux_spend_usd_total")
                .help("What answers cost in USD at the deployments' prices, by the key's team (none without one)")
                .labelNames("model", "provider", "team")
                .withoutExemplars()
                .register(registry);
        cacheLookups = Counter.builder()
                .name("llmux_cache_lookups_total")
                .help("Response cache lookups by layer (local, redis, dual) and result: hit, miss, or bypass when"
                        + " the request or its model group rules the cache out")
                .labelNames("layer", "result")
                .withoutExemplars()
                .register(registry);
        rateLimited = Counter.builder()
                .name("llmux_rate_limited_total")
                .help("Requests refused with 429 by the limit that refused them: key, user, team, organization,"
                        + " model (a key's per-model limit) or client (an open gateway's per-address defaults)")
                .labelNames("scope")
                .withoutExemplars()
                .register(registry);
        Map<String, CounterDataPoint> byScope = new HashMap<>();
        for (String scope : RATE_LIMIT_SCOPES) {
            byScope.put(scope, rateLimited.labelValues(scope));
        }
        rateLimitedByScope = Map.copyOf(byScope);
        inflight = Gauge.builder()
                .name("llmux_inflight_requests")
                .help("Data-plane requests being answered right now, streams included")
                .withoutExemplars()
                .register(registry);
        cooldowns = Counter.builder()
                .name("llmux_deployment_cooldowns_total")
                .help("Cooldowns a failure started, by deployment (provider/model)")
                .labelNames("deployment")
                .withoutExemplars()
                .register(registry);
        retries = Counter.builder()
                .name("llmux_retries_total")
                .help("Upstream attempts after a failed one within a model group")
                .withoutExemplars()
                .register(registry);
        fallbacks = Counter.builder()
                .name("llmux_fallbacks_total")
                .help("Requests passed on to a fallback model group")
                .withoutExemplars()
                .register(registry);
        readAtScrape(sources);
        jvm();
    }

    private Histogram latency(String name, String help) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .labelNames("model", "provider")
                .classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS)
                .withoutExemplars()
                .register(registry);
    }

    private void readAtScrape(Sources sources) {
        GaugeWithCallback.builder()
                .name("llmux_deployment_healthy")
                .help("1 when a deployment of the current config can be picked (usable, not cooling down), else 0")
                .labelNames("deployment")
                .callback(cb -> sources.deploymentHealthy().get().forEach((id, ok) -> cb.call(ok ? 1 : 0, id)))
                .register(registry);
        CounterWithCallback.builder()
                .name("llmux_spend_log_dropped_total")
                .help("Spend rows dropped because the database was away and the spill file full")
                .callback(cb -> cb.call((double) sources.spendLogDropped().getAsLong()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("llmux_spend_log_queued")
                .help("Spend rows waiting in memory to be written (a backlog grows while the database is slow or away)")
                .callback(cb -> cb.call((double) sources.spendLogQueued().getAsLong()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("llmux_spend_log_spill_bytes")
                .help("Bytes of spend rows in the spill file not yet written to the database (rows that did not fit"
                        + " in memory; replayed once the database keeps up)")
                .unit(Unit.BYTES)
                .callback(cb -> cb.call((double) sources.spendLogSpillBytes().getAsLong()))
                .register(registry);
        CounterWithCallback.builder()
                .name("llmux_log_lines_dropped_total")
                .help(
                        "Log lines dropped because the log writer's queue was full (output or the writer could not keep up)")
                .callback(cb -> cb.call((double) sources.logLinesDropped().getAsLong()))
                .register(registry);
        CounterWithCallback.builder()
                .name("llmux_cost_unknown_total")
                .help("Answers that cost 0 because their model has no price, by upstream model")
                .labelNames("model")
                .callback(cb -> sources.costUnknown().get().forEach((model, n) -> cb.call(n, model)))
                .register(registry);
        CounterWithCallback.builder()
                .name("llmux_redis_errors_total")
                .help("Failed Redis calls by component; the component answered from local state meanwhile")
                .labelNames("component")
                .callback(cb ->
                        sources.redisErrors().forEach((component, n) -> cb.call((double) n.getAsLong(), component)))
                .register(registry);
    }

    /**
     * The JVM collectors one by one rather than {@code JvmMetrics}, which remembers every registry in a static set;
     * without the memory-pool allocation metrics, which add a GC listener per registry that is never removed.
     */
    private void jvm() {
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** The registry scraped by {@code GET /metrics}. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** The exposition's content type: Prometheus text format 0.0.4. */
    public String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** Writes every metric in the Prometheus text format. */
    public void scrape(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    /** A data-plane request arrived; every call is followed by one {@link #requestEnded}. */
    public void requestStarted() {
        inflight.inc();
    }

    /**
     * A data-plane request is over: counts it with its status and time, and its tokens and cost.
     *
     * @param ex the exchange, or null when the request ended before it had one (a body too large)
     * @param modelGroup the model group the request named, or null when the config knows no such group or alias
     * @param totalNanos from arrival to last byte
     */
    public void requestEnded(Exchange ex, String modelGroup, int status, long totalNanos) {
        Series s = series(modelGroup == null ? UNKNOWN : modelGroup, ex == null ? "" : ex.deployment());
        s.duration.observe(totalNanos / NANOS_PER_SECOND);
        if (ex != null) {
            answered(ex, s, status, totalNanos);
        }
        s.status(status).inc();
        // last: a reader that sees no request in flight sees every finished one fully counted
        inflight.dec();
    }

    private void answered(Exchange ex, Series s, int status, long totalNanos) {
        // a stream's total includes the client reading it; its overhead was taken when it opened
        if (!ex.stream()) {
            overhead.observe(Math.max(0, totalNanos - ex.upstreamNanos()) / NANOS_PER_SECOND);
        }
        if (ex.cacheHit()) {
            return; // no provider processed these tokens and nobody was paid
        }
        Usage u = ex.usage();
        if (u.promptTokens() <= 0 && u.completionTokens() <= 0 && ex.costUsd() <= 0) {
            return;
        }
        TeamPoints team = s.team(
                ex.principal() == null || ex.principal().team() == null
                        ? NONE
                        : ex.principal().teamLabel());
        if (u.promptTokens() > 0) {
            team.promptTokens.inc(u.promptTokens());
        }
        if (u.completionTokens() > 0) {
            team.completionTokens.inc(u.completionTokens());
        }
        if (status < 400 && ex.costUsd() > 0) {
            team.spend.inc(ex.costUsd());
        }
    }

    /**
     * A stream opened: its first event is at hand. Records the time to first token as the client waits for it, and
     * the gateway's share of that wait.
     *
     * @param ex the exchange, after routing: its model is the model group, its deployment the one streaming
     */
    public void streamOpened(Exchange ex, long nowNanos) {
        long sinceArrival = nowNanos - ex.startNanos();
        series(ex.model(), ex.deployment()).timeToFirstToken().observe(sinceArrival / NANOS_PER_SECOND);
        overhead.observe(Math.max(0, sinceArrival - ex.upstreamNanos()) / NANOS_PER_SECOND);
    }

    /** Data points of the cache lookups of one layer, for the cache stage to keep. */
    public CacheCounts cacheCounts(String layer) {
        return new CacheCounts(
                cacheLookups.labelValues(layer, "hit"),
                cacheLookups.labelValues(layer, "miss"),
                cacheLookups.labelValues(layer, "bypass"));
    }

    /** The cache lookups of one layer by result. */
    public record CacheCounts(CounterDataPoint hit, CounterDataPoint miss, CounterDataPoint bypass) {}

    /**
     * A request was refused with 429 by a limit of {@code scope}: key, model, user, team, organization or client
     * (anything else counts as other).
     */
    public void rateLimited(String scope) {
        CounterDataPoint p = rateLimitedByScope.get(scope);
        (p != null ? p : rateLimitedByScope.get("other")).inc();
    }

    /** A failure started a cooldown of the deployment ({@code provider/model}). */
    public void cooldownStarted(String deploymentId) {
        cooldowns.labelValues(deploymentId).inc();
    }

    public void retried() {
        retries.inc();
    }

    public void fellBack() {
        fallbacks.inc();
    }

    private Series series(String group, String deployment) {
        Map<String, Series> byDeployment = series.get(group);
        if (byDeployment == null) {
            byDeployment = series.computeIfAbsent(group, g -> new ConcurrentHashMap<>());
        }
        Series s = byDeployment.get(deployment);
        return s != null ? s : byDeployment.computeIfAbsent(deployment, d -> new Series(group, provider(d)));
    }

    /** The provider of a deployment id ({@code provider/model}); provider names have no slash. */
    private static String provider(String deploymentId) {
        int slash = deploymentId.indexOf('/');
        return slash > 0 ? deploymentId.substring(0, slash) : NONE;
    }

    private record TeamPoints(
            CounterDataPoint promptTokens, CounterDataPoint completionTokens, CounterDataPoint spend) {}

    /** The data points of one model group on one deployment. */
    private final class Series {
        final String model;
        final String provider;
        final DistributionDataPoint duration;
        /** Made by the first stream: most series (refusals, unknown models, embeddings) never stream. */
        private volatile DistributionDataPoint timeToFirstToken;

        final AtomicReferenceArray<CounterDataPoint> byStatus = new AtomicReferenceArray<>(STATUSES);
        /** Tokens and spend by the team of the key (bounded: teams are made by administrators). */
        final ConcurrentHashMap<String, TeamPoints> byTeam = new ConcurrentHashMap<>();

        Series(String model, String provider) {
            this.model = model;
            this.provider = provider;
            this.duration = GatewayMetrics.this.duration.labelValues(model, provider);
        }

        DistributionDataPoint timeToFirstToken() {
            DistributionDataPoint p = timeToFirstToken;
            if (p == null) {
                // labelValues hands every caller the same data point, so a race makes no second series
                p = GatewayMetrics.this.timeToFirstToken.labelValues(model, provider);
                timeToFirstToken = p;
            }
            return p;
        }

        TeamPoints team(String team) {
            TeamPoints p = byTeam.get(team);
            return p != null
                    ? p
                    : byTeam.computeIfAbsent(
                            team,
                            t -> new TeamPoints(
                                    tokens.labelValues(model, provider, "prompt", t),
                                    tokens.labelValues(model, provider, "completion", t),
                                    spend.labelValues(model, provider, t)));
        }

        CounterDataPoint status(int status) {
            int i = status >= 0 && status < STATUSES ? status : 0;
            CounterDataPoint p = byStatus.get(i);
            if (p == null) {
                p = requests.labelValues(model, provider, Integer.toString(i));
                byStatus.compareAndSet(i, null, p);
            }
            return p;
        }
    }
}
