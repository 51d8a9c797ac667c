package io.llmux.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the small sections about the gateway process itself: {@code server}, {@code auth}, {@code rate_limit},
 * {@code metrics}, {@code tracing}, {@code logging}. Defaults come from each record's {@code defaults()}, so every
 * default has one home.
 */
final class ServiceSections {
    private static final Map<String, TracingConfig.Protocol> PROTOCOLS =
            Walker.names(TracingConfig.Protocol.values(), p -> lower(p).replace('_', '/'));
    private static final Map<String, LoggingConfig.Level> LEVELS =
            Walker.names(LoggingConfig.Level.values(), ServiceSections::lower);
    private static final Map<String, LoggingConfig.Format> FORMATS =
            Walker.names(LoggingConfig.Format.values(), ServiceSections::lower);

    private final Findings findings;

    ServiceSections(Walker walker) {
        this.findings = walker.findings();
    }

    ServerConfig server(Section root) {
        Section s = root.section("server");
        ServerConfig d = ServerConfig.defaults();
        return new ServerConfig(
                s.string("host", d.host()).strip(),
                s.integer("port", d.port(), 0, 65535),
                s.positiveDuration("read_timeout", d.readTimeout()),
                s.positiveDuration("write_timeout", d.writeTimeout()),
                s.positiveDuration("idle_timeout", d.idleTimeout()),
                s.size("max_body_size", d.maxBodySize()),
                s.duration("shutdown_timeout", d.shutdownTimeout()));
    }

    AuthConfig auth(Section root) {
        Section a = root.section("auth");
        if (a.deprecated("enabled", "ignored: keys are required whenever auth.master_key or a database is set")) {
            a.bool("enabled", false);
        }
        if (a.deprecated("skip_paths", "ignored: the health and metrics endpoints never need a key")) {
            a.strings("skip_paths", List.of());
        }
        return new AuthConfig(a.string("master_key", "").strip());
    }

    /**
     * On unless {@code enabled: false}: limits set on a key through the management API hold without a config change,
     * as a platform team expects of them.
     */
    RateLimitConfig rateLimit(Section root) {
        Section r = root.section("rate_limit");
        RateLimitConfig d = RateLimitConfig.defaults();
        boolean enabled = r.bool("enabled", d.enabled());
        long legacyRpm = r.deprecated("requests_per_minute", "use rate_limit.default_rpm")
                ? r.whole("requests_per_minute", d.defaultRpm(), 0)
                : d.defaultRpm();
        if (r.deprecated("burst_size", "ignored: limits are sliding 60 s windows")) {
            r.whole("burst_size", 0);
        }
        return new RateLimitConfig(
                enabled, r.whole("default_rpm", legacyRpm, 0), r.whole("default_tpm", d.defaultTpm(), 0));
    }

    MetricsConfig metrics(Section root) {
        Section m = root.section("metrics");
        MetricsConfig d = MetricsConfig.defaults();
        boolean enabled = m.bool("enabled", d.enabled());
        String path = m.string("path", d.path()).strip();
        if (!path.startsWith("/")) {
            findings.problem(m.pathOf("path"), m.node("path"), Walker.quote(path) + " must start with /");
        }
        return new MetricsConfig(enabled, path);
    }

    TracingConfig tracing(Section root) {
        Section t = root.section("tracing");
        TracingConfig d = TracingConfig.defaults();
        boolean insecure = t.deprecated("insecure", "still honoured; the endpoint's scheme is the better place")
                ? t.bool("insecure", d.insecure())
                : d.insecure();
        boolean enabled = t.bool("enabled", d.enabled());
        TracingConfig.Protocol protocol = t.choice("protocol", d.protocol(), "tracing protocol", PROTOCOLS);
        // a collector listens for OTLP/HTTP on 4318: the default endpoint follows the protocol
        String endpoint = t.string(
                        "endpoint",
                        protocol == TracingConfig.Protocol.HTTP_PROTOBUF ? TracingConfig.HTTP_ENDPOINT : d.endpoint())
                .strip();
        TracingConfig tracing = new TracingConfig(
                enabled,
                endpoint,
                protocol,
                t.string("service_name", d.serviceName()).strip(),
                t.decimal("sample_rate", d.sampleRate(), 0, 1),
                insecure);
        if (enabled && protocol == TracingConfig.Protocol.GRPC) {
            // OTLP/gRPC needs HTTP/2 trailers, which java.net.http cannot read; the only gRPC senders bring OkHttp
            // and Kotlin (about 3 MB) or grpc-java and Netty into the jar, for what OTLP/HTTP does as well
            findings.problem(
                    t.pathOf("protocol"),
                    t.node("protocol") != null ? Findings.line(t.node("protocol")) : t.line(),
                    "grpc export is not built in; set protocol: http/protobuf and point endpoint at the collector's"
                            + " OTLP/HTTP port (4318), e.g. endpoint: http://localhost:4318");
        } else if (enabled && tracing.tracesUrl() == null) {
            findings.problem(
                    t.pathOf("endpoint"),
                    t.node("endpoint"),
                    Walker.quote(endpoint) + " is not an OTLP endpoint (host:port or http(s)://host:port[/path])");
        }
        return tracing;
    }

    LoggingConfig logging(Section root) {
        Section l = root.section("logging");
        LoggingConfig d = LoggingConfig.defaults();
        return new LoggingConfig(
                l.choice("level", d.level(), "log level", LEVELS),
                l.choice("format", d.format(), "log format", FORMATS),
                l.bool("log_payloads", d.logPayloads()));
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
