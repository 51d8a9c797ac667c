package io.llmux.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders a resolved config for people: the model groups {@code --check-config} prints (SPEC §1) and the one-line
 * summary logged at start. Never a secret: API keys, the master key and passwords are only said to be set.
 */
public final class ConfigPrinter {
    private ConfigPrinter() {}

    /** Everything {@code --check-config} shows: source, warnings, then {@link #modelGroups}. */
    public static List<String> describe(LoadedConfig loaded) {
        List<String> lines = new ArrayList<>();
        lines.add("config " + (loaded.source() == null ? "(text)" : loaded.source()) + " is valid");
        for (String warning : loaded.warnings()) {
            lines.add("warning: " + warning);
        }
        lines.addAll(modelGroups(loaded.config()));
        return lines;
    }

    /** Each model group in first-seen order with its deployments as {@code provider/model}, then routing. */
    public static List<String> modelGroups(Config config) {
        RoutingConfig routing = config.routing();
        List<String> lines = new ArrayList<>();
        lines.add("routing: " + routing.strategy().configName() + ", " + routing.retryCount() + " retries, fallbacks "
                + (routing.fallbackEnabled() ? "on" : "off"));
        lines.add("model groups:");
        for (Map.Entry<String, List<Groups.Member>> group :
                Groups.of(config.providers()).entrySet()) {
            lines.add("  " + group.getKey());
            for (Groups.Member m : group.getValue()) {
                lines.add("    " + deployment(m));
            }
        }
        section(lines, "aliases:", routing.aliases());
        section(lines, "fallbacks:", join(routing.fallbacks()));
        section(lines, "context window fallbacks:", join(routing.contextWindowFallbacks()));
        if (routing.defaultProvider() != null) {
            lines.add("default provider: " + routing.defaultProvider());
        }
        return lines;
    }

    /** One line for the start log. */
    public static String summary(Config config) {
        ServerConfig server = config.server();
        String providers = config.providers().stream()
                .map(p -> p.enabled() ? p.name() : p.name() + " (disabled: " + p.disabledReason() + ")")
                .collect(Collectors.joining(", "));
        DatabaseConfig db = config.database();
        String database = switch (db.type()) {
            case NONE -> "none";
            case EMBEDDED -> "embedded " + db.path();
            case POSTGRES -> "postgres " + db.host() + ":" + db.port() + "/" + db.name();
        };
        CacheConfig cache = config.cache();
        TracingConfig tracing = config.tracing();
        return "listening on " + server.host() + ":" + server.port()
                + "; providers: " + (providers.isEmpty() ? "none" : providers)
                + "; routing " + config.routing().strategy().configName()
                + "; cache " + (cache.enabled() ? lower(cache.type()) + " " + Durations.format(cache.ttl()) : "off")
                + "; redis "
                + (config.redis().configured() ? hostOnly(config.redis().addr()) : "off")
                + "; database " + database
                + "; master key " + (config.auth().hasMasterKey() ? "set" : "not set")
                + "; rate limits " + (config.rateLimit().enabled() ? "on" : "off")
                + "; metrics " + (config.metrics().enabled() ? config.metrics().path() : "off")
                + "; tracing " + (tracing.enabled() ? lower(tracing.protocol()) + " " + tracing.endpoint() : "off")
                + "; logging " + lower(config.logging().level()) + " "
                + lower(config.logging().format());
    }

    private static String deployment(Groups.Member m) {
        DeploymentConfig d = m.deployment();
        StringBuilder line = new StringBuilder(m.provider().name() + "/" + d.model());
        line.append("  weight ").append(number(d.weight())).append(d.weight() == 0 ? " (standby)" : "");
        if (d.rpm() != null) {
            line.append("  rpm ").append(d.rpm());
        }
        if (d.tpm() != null) {
            line.append("  tpm ").append(d.tpm());
        }
        if (!d.tags().isEmpty()) {
            line.append("  tags ").append(String.join(",", d.tags()));
        }
        if (!m.provider().enabled()) {
            line.append("  disabled: ").append(m.provider().disabledReason());
        }
        return line.toString();
    }

    private static void section(List<String> lines, String title, Map<String, String> entries) {
        if (entries.isEmpty()) {
            return;
        }
        lines.add(title);
        entries.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> lines.add("  " + e.getKey() + " -> " + e.getValue()));
    }

    private static Map<String, String> join(Map<String, List<String>> lists) {
        return lists.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> String.join(", ", e.getValue())));
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** Redis addresses may be URLs with a password in them; only the host part is shown. */
    private static String hostOnly(String addr) {
        int at = addr.lastIndexOf('@');
        return at < 0 ? addr : addr.substring(at + 1);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '/');
    }
}
