package io.llmux;

import io.llmux.admin.Management;
import io.llmux.auth.AccessStage;
import io.llmux.auth.AuthStage;
import io.llmux.auth.Authenticator;
import io.llmux.auth.KeyCache;
import io.llmux.auth.KeyGenerator;
import io.llmux.auth.ReservationAwaitStage;
import io.llmux.budget.FallbackLedger;
import io.llmux.cache.CacheStage;
import io.llmux.cache.ResponseCache;
import io.llmux.cache.ResponseCaches;
import io.llmux.config.Config;
import io.llmux.config.ConfigException;
import io.llmux.config.ConfigLoader;
import io.llmux.config.ConfigPrinter;
import io.llmux.config.Env;
import io.llmux.config.LoadedConfig;
import io.llmux.config.LoggingConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.RateLimitConfig;
import io.llmux.pipeline.Pipeline;
import io.llmux.pipeline.Stage;
import io.llmux.provider.Provider;
import io.llmux.provider.Providers;
import io.llmux.provider.Watchdog;
import io.llmux.ratelimit.FallbackRateLimiter;
import io.llmux.ratelimit.RateLimitSettlement;
import io.llmux.ratelimit.RateLimitStage;
import io.llmux.routing.Deployment;
import io.llmux.routing.ModelGroup;
import io.llmux.routing.ModelGroups;
import io.llmux.routing.RouterStage;
import io.llmux.routing.Sleeper;
import io.llmux.routing.StatsPrefetchStage;
import io.llmux.routing.state.DeploymentStats;
import io.llmux.routing.state.FallbackRoutingState;
import io.llmux.routing.state.RoutingState;
import io.llmux.routing.state.RoutingStates;
import io.llmux.routing.strategy.Strategies;
import io.llmux.server.ApiRoutes;
import io.llmux.server.HttpServerHost;
import io.llmux.spend.PriceTable;
import io.llmux.spend.Pricing;
import io.llmux.spend.SpendLogWriter;
import io.llmux.telemetry.AccessLog;
import io.llmux.telemetry.GatewayMetrics;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.telemetry.Redactor;
import io.llmux.telemetry.tracing.Tracing;
import io.llmux.wire.RequestStage;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The composition root. Reads top to bottom like a request's path: config, providers, router, stages, server. Every
 * part is made here with plain constructors; a feature that is off has no stage at all.
 *
 * <p>A reload builds a new {@link Snapshot} beside the running one and swaps it in whole; requests in flight keep
 * the snapshot they started with, and providers whose config did not change are carried over with their
 * connections.
 */
public final class Gateway implements AutoCloseable {

    /**
     * How to start.
     *
     * @param environment the process environment ({@code .env} in {@code workingDir} is layered under it)
     * @param spanExporter where spans go instead of {@code tracing.endpoint} (tests); tracing still needs
     *     {@code tracing.enabled}
     */
    public record Options(
            Path configPath,
            Path workingDir,
            Map<String, String> environment,
            OutputStream logOut,
            Clock clock,
            LongSupplier nanoClock,
            Optional<SpanExporter> spanExporter) {

        public Options(
                Path configPath,
                Path workingDir,
                Map<String, String> environment,
                OutputStream logOut,
                Clock clock,
                LongSupplier nanoClock) {
            this(configPath, workingDir, environment, logOut, clock, nanoClock, Optional.empty());
        }

        public static Options of(Path configPath) {
            return new Options(
                    configPath,
                    Path.of("").toAbsolutePath(),
                    System.getenv(),
                    System.out,
                    Clock.systemUTC(),
                    System::nanoTime);
        }
    }

    private final Options options;
    private final LogSink sink;
    /** Knows every secret of every config this process ran; scrubs log lines as they are written. */
    private final Redactor redactor;

    private final Log log;
    private final Watchdog watchdog;
    private final Providers providers;
    private final Pricing pricing;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    /** Kept across reloads: cooldowns and latency averages outlive a config change. */
    private final RoutingState routingState;
    /** Keys, budgets and spend: one database and one ledger for the process. */
    private final Governance governance;
    /** Process-wide like the server: {@code tracing} settings take effect at the next start. */
    private final Tracing tracing;
    /** One for the process: counts survive reloads. */
    private final GatewayMetrics metrics;

    private final HttpServerHost server;

    private Gateway(Options options, LoadedConfig first) throws IOException {
        this.options = options;
        this.redactor = Redactor.of(first.config());
        this.sink = new LogSink(
                options.logOut(),
                () -> {
                    Snapshot s = current.get();
                    LoggingConfig logging =
                            s == null ? first.config().logging() : s.config().logging();
                    return logging.format() == LoggingConfig.Format.JSON;
                },
                redactor);
        this.log = new Log(sink, first.config().logging().level(), options.clock()::millis);
        this.watchdog = new Watchdog(options.nanoClock());
        this.providers = new Providers(watchdog, options.clock());
        // one table for the process: the prices ship with the jar, and config overrides are read per request
        this.pricing = new Pricing(PriceTable.builtIn(), log);
        // in-process, or shared through Redis so replicas agree; a change of redis settings needs a restart
        this.routingState = RoutingStates.of(first.config().redis(), options.clock(), log);
        this.governance = Governance.start(first.config(), options.workingDir(), options.clock(), log);
        this.tracing = Tracing.of(first.config().tracing(), options.spanExporter());
        this.metrics = new GatewayMetrics(metricSources());
        current.set(build(first, Map.of()));
        Optional<Management> management = governance
                .stores()
                .map(stores -> new Management(
                        stores,
                        governance.invalidation().orElseThrow(),
                        governance.ledger(),
                        new KeyGenerator(new SecureRandom()),
                        options.clock()));
        this.server = new HttpServerHost(
                first.config().server(),
                ApiRoutes.build(
                        current::get,
                        new AccessLog(log),
                        pricing,
                        this::reload,
                        options.nanoClock(),
                        options.clock(),
                        governance.accounting(),
                        new RateLimitSettlement(governance.rateLimiter()),
                        tracing,
                        management,
                        this::notReady,
                        metrics,
                        first.config().metrics()),
                log,
                options.nanoClock());
    }

    /** Loads the config, builds everything and starts listening. */
    public static Gateway start(Options options) throws ConfigException, IOException {
        LoadedConfig loaded = load(options);
        Gateway gateway = new Gateway(options, loaded);
        gateway.server.start();
        gateway.banner(loaded);
        return gateway;
    }

    static LoadedConfig load(Options options) throws ConfigException {
        Env env = Env.load(options.workingDir(), options.environment());
        LoadedConfig loaded = new ConfigLoader().load(options.configPath(), env);
        ConfigLoader.requireUsableProvider(loaded.config());
        return loaded;
    }

    /** What the metrics read when scraped, from the parts that count it anyway. */
    private GatewayMetrics.Sources metricSources() {
        Map<String, LongSupplier> redisErrors = new LinkedHashMap<>();
        if (routingState instanceof FallbackRoutingState shared) {
            redisErrors.put("routing", shared::redisErrors);
        }
        if (governance.rateLimiter() instanceof FallbackRateLimiter shared) {
            redisErrors.put("rate_limit", shared::redisErrors);
        }
        if (governance.ledger() instanceof FallbackLedger shared) {
            redisErrors.put("budget", shared::redisErrors);
        }
        // the cache of the current config: a reload that replaces it starts its count again (a counter reset)
        redisErrors.put("cache", () -> {
            Snapshot s = current.get();
            return s == null ? 0 : s.cache().map(ResponseCache::errors).orElse(0L);
        });
        Optional<SpendLogWriter> writer = governance.writer();
        return new GatewayMetrics.Sources(
                () -> writer.map(SpendLogWriter::dropped).orElse(0L),
                sink::dropped,
                () -> writer.map(SpendLogWriter::queued).orElse(0),
                () -> writer.map(SpendLogWriter::spillBytes).orElse(0L),
                pricing::unknownCostCounts,
                this::deploymentHealth,
                redisErrors);
    }

    /** Every deployment of the current config: true when it can be picked (usable, not cooling down). */
    private Map<String, Boolean> deploymentHealth() {
        Snapshot s = current.get();
        if (s == null) {
            return Map.of();
        }
        Map<String, Boolean> usable = new LinkedHashMap<>();
        s.groups()
                .all()
                .forEach(g -> g.deployments().forEach(d -> usable.merge(d.id(), d.usable(), Boolean::logicalOr)));
        Map<String, DeploymentStats> stats = routingState.stats(List.copyOf(usable.keySet()));
        Instant now = options.clock().instant();
        Map<String, Boolean> healthy = new LinkedHashMap<>();
        usable.forEach((id, ok) -> healthy.put(
                id, ok && !stats.getOrDefault(id, DeploymentStats.FRESH).coolingAt(now)));
        return healthy;
    }

    /** What the gateway waits for before it is ready (the database, Redis), or null when nothing. */
    private String notReady() {
        String db = governance.notReady();
        return db != null ? db : routingState.unreachable();
    }

    /** The snapshot requests use right now. */
    public Snapshot current() {
        return current.get();
    }

    public int port() {
        return server.port();
    }

    /** The process's metrics (for tests that read them without an HTTP scrape). */
    public GatewayMetrics metrics() {
        return metrics;
    }

    public Log log() {
        return log;
    }

    /**
     * Re-reads the config file and swaps it in. A file with problems changes nothing.
     *
     * @return the new config's warnings
     */
    public synchronized List<String> reload() throws ConfigException {
        LoadedConfig loaded;
        try {
            loaded = load(options);
        } catch (ConfigException e) {
            log.error("config reload rejected; the running config stays", null, "problems", e.getMessage());
            throw e;
        }
        // before anything of the new config can be logged
        redactor.remember(Redactor.secretsOf(loaded.config()));
        Snapshot old = current.get();
        Snapshot next = build(loaded, old.providers());
        current.set(next);
        log.level(loaded.config().logging().level());
        if (!loaded.config().server().equals(old.config().server())) {
            log.warn("server settings changed; they take effect at the next restart");
        }
        if (!loaded.config().tracing().equals(old.config().tracing())) {
            log.warn("tracing settings changed; they take effect at the next restart");
        }
        retire(old, next);
        loaded.warnings().forEach(w -> log.warn(w));
        log.info(
                "config reloaded",
                "model_groups",
                String.join(",", next.groups().names()));
        return loaded.warnings();
    }

    /** Stops accepting, lets requests and streams in flight finish up to {@code server.shutdown_timeout}. */
    public void drain() {
        Config config = current().config();
        log.info("draining", "timeout", config.server().shutdownTimeout().toString());
        server.stop(config.server().shutdownTimeout());
        // after the server: requests that finished while draining have queued their spend rows by now
        governance.drain(config.server().shutdownTimeout());
        // every request has ended by now, so their spans are queued; the flush is bounded by the export timeout
        tracing.close();
        current().providers().values().forEach(Provider::close);
        routingState.close();
        current().cache().ifPresent(ResponseCache::close);
        watchdog.close();
        log.info("stopped");
        sink.close();
    }

    @Override
    public void close() {
        drain();
    }

    private Snapshot build(LoadedConfig loaded, Map<String, Provider> previous) {
        Config config = loaded.config();
        long maxLine = config.server().maxBodySize();
        Map<String, Provider> made = new LinkedHashMap<>();
        for (ProviderConfig pc : config.providers()) {
            Provider old = previous.get(pc.name());
            boolean same = old != null
                    && old.config().equals(pc)
                    && maxLine == current().config().server().maxBodySize();
            made.put(pc.name(), same ? old : providers.create(pc, maxLine));
        }
        ModelGroups groups = ModelGroups.build(config, made);

        Optional<KeyCache> keys = governance.keyCache();
        Optional<Authenticator> auth = config.auth().hasMasterKey() || keys.isPresent()
                ? Optional.of(new Authenticator(config.auth().masterKey(), keys, options.clock()))
                : Optional.empty();
        Optional<ResponseCache> cache = cacheFor(config);
        List<Stage> stages = new ArrayList<>();
        auth.ifPresent(a -> stages.add(new AuthStage(a)));
        stages.add(new RequestStage());
        if (routingState.remote()) {
            stages.add(new StatsPrefetchStage(groups, routingState, cache.isPresent()));
        }
        // limits live on keys (a database) or in the defaults; with neither there is nothing to count
        RateLimitConfig rl = config.rateLimit();
        boolean limited = rl.enabled() && (keys.isPresent() || rl.defaultRpm() > 0 || rl.defaultTpm() > 0);
        // both in Redis: the budget's round trip overlaps the limiter's, awaited once the limiter has answered
        boolean overlap = keys.isPresent() && limited && governance.ledger().remote();
        if (keys.isPresent()) {
            stages.add(new AccessStage(groups, pricing, governance.ledger(), options.clock(), overlap));
        }
        if (limited) {
            stages.add(new RateLimitStage(governance.rateLimiter(), rl, groups, auth.isEmpty(), metrics));
        }
        if (overlap) {
            stages.add(new ReservationAwaitStage());
        }
        cache.ifPresent(c -> stages.add(new CacheStage(c, config.cache(), groups, metrics)));
        stages.add(new RouterStage(
                groups,
                Strategies.of(config.routing(), pricing, ThreadLocalRandom::current, options.clock()),
                config.routing(),
                routingState,
                config.server().writeTimeout(),
                options.clock(),
                options.nanoClock(),
                ThreadLocalRandom::current,
                Sleeper.REAL,
                metrics));
        return new Snapshot(loaded, made, groups, new Pipeline(stages), auth, routingState, cache);
    }

    /** The previous snapshot's cache when its settings are unchanged, else a new one (or none when disabled). */
    private Optional<ResponseCache> cacheFor(Config config) {
        if (!config.cache().enabled()) {
            return Optional.empty();
        }
        Snapshot previous = current.get();
        if (previous != null
                && previous.cache().isPresent()
                && previous.config().cache().equals(config.cache())
                && previous.config().redis().equals(config.redis())) {
            return previous.cache();
        }
        return Optional.of(ResponseCaches.of(config.cache(), config.redis(), options.clock(), log));
    }

    /** Closes providers the new config no longer uses, once their calls in flight end. */
    private void retire(Snapshot old, Snapshot next) {
        // the same instance when the reload kept it; only a replaced cache is closed
        if (old.cache().isPresent() && !next.cache().equals(old.cache())) {
            old.cache().get().close();
        }
        for (Provider p : old.providers().values()) {
            if (!next.providers().containsValue(p)) {
                Thread.ofVirtual().name("llmux-retire-" + p.config().name()).start(p::close);
            }
        }
    }

    private void banner(LoadedConfig loaded) {
        Config c = loaded.config();
        Snapshot s = current();
        loaded.warnings().forEach(w -> log.warn(w));
        log.info(
                "llmux " + Version.current() + " listening on http://"
                        + c.server().host() + ":" + port(),
                "config",
                loaded.source().toString(),
                "pipeline",
                String.join(" → ", s.pipeline().stageNames()));
        for (ModelGroup g : s.groups().all()) {
            log.info(
                    "model group " + g.name(),
                    "deployments",
                    g.deployments().stream().map(Gateway::describe).collect(Collectors.joining(", ")));
        }
        log.info("resolved config: " + ConfigPrinter.summary(c));
        if (s.authenticator().isEmpty()) {
            log.warn("no auth.master_key and no database: this gateway is open to anyone who can reach it");
        } else if (c.database().configured() && !c.auth().hasMasterKey()) {
            log.warn("a database but no auth.master_key: nobody can create the first key; set auth.master_key");
        }
    }

    private static String describe(Deployment d) {
        String reason = d.provider().disabledReason();
        return d.id() + (reason == null ? "" : " (disabled: " + reason + ")");
    }
}
