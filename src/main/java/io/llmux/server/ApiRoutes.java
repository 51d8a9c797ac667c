package io.llmux.server;

import io.llmux.Snapshot;
import io.llmux.admin.Management;
import io.llmux.admin.ManagementApi;
import io.llmux.config.MetricsConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.ratelimit.RateLimitSettlement;
import io.llmux.spend.Pricing;
import io.llmux.spend.SpendAccounting;
import io.llmux.telemetry.AccessLog;
import io.llmux.telemetry.GatewayMetrics;
import io.llmux.telemetry.tracing.Tracing;
import java.time.Clock;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** The routes of SPEC §3, the admin routes and the management API of SPEC §8, wired to their handlers. */
public final class ApiRoutes {
    private ApiRoutes() {}

    public static Routes build(
            Supplier<Snapshot> snapshots,
            AccessLog accessLog,
            Pricing pricing,
            Reloader reloader,
            LongSupplier nanoClock,
            Clock wallClock,
            SpendAccounting accounting,
            RateLimitSettlement limits,
            Tracing tracing,
            Optional<Management> management,
            Supplier<String> notReady,
            GatewayMetrics metrics,
            MetricsConfig metricsConfig) {
        Routes routes = new Routes();
        for (Endpoint e : Endpoint.values()) {
            InferenceHandler h = new InferenceHandler(
                    e, snapshots, accessLog, pricing, accounting, limits, tracing, metrics, nanoClock, wallClock);
            String path = switch (e) {
                case CHAT -> "/chat/completions";
                case COMPLETIONS -> "/completions";
                case EMBEDDINGS -> "/embeddings";
            };
            routes.add("POST", "/v1" + path, h).add("POST", path, h);
        }
        ModelsHandler models = new ModelsHandler(snapshots, wallClock.millis() / 1000);
        routes.add("GET", "/v1/models", models::list).add("GET", "/models", models::list);
        routes.addPrefix("GET", "/v1/models/", models::one).addPrefix("GET", "/models/", models::one);

        HealthHandler health = new HealthHandler(snapshots, wallClock, notReady);
        routes.add("GET", "/health/live", health::live);
        routes.add("GET", "/health/ready", health::ready);
        routes.add("GET", "/health", health::deployments);

        // unauthenticated, as SPEC §3 lists it with the data plane (and as Prometheus scrapes without a key); the
        // path is read at start, like the server's settings
        if (metricsConfig.enabled()) {
            routes.add("GET", metricsConfig.path(), new MetricsHandler(metrics)::scrape);
        }

        AdminHandler admin = new AdminHandler(snapshots, reloader, wallClock);
        routes.add("POST", "/config/reload", admin::reload);
        routes.add("POST", "/deployments/cooldown", admin::cooldown);

        ManagementHandler.register(
                routes, ManagementApi.routes(management.orElse(null)), management.isPresent(), snapshots);
        return routes;
    }
}
