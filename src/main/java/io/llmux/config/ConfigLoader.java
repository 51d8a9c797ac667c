package io.llmux.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a YAML config file into a {@link Config} (SPEC §2). The whole tree is walked whatever goes wrong, so one
 * {@link ConfigException} lists every problem with its path and line; what loads may still carry warnings
 * (deprecated keys, providers disabled for a missing credential, unset variables).
 */
public final class ConfigLoader {

    public LoadedConfig load(Path file, Env env) throws ConfigException {
        String text;
        try {
            // a strict decoder: a config in another encoding fails here rather than loading mangled values
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (NoSuchFileException e) {
            throw single(file.toString(), "no such file (pass --config PATH or set LLMUX_CONFIG)");
        } catch (CharacterCodingException e) {
            throw single(file.toString(), "not UTF-8 text");
        } catch (IOException e) {
            throw single(file.toString(), "cannot be read: " + e.getMessage());
        }
        return read(text.startsWith("\uFEFF") ? text.substring(1) : text, file.toString(), file, env);
    }

    /** Reads config text; {@code sourceName} names it in messages. */
    public LoadedConfig parse(String yaml, String sourceName, Env env) throws ConfigException {
        return read(yaml, sourceName, null, env);
    }

    /**
     * The start-up rule of SPEC §2: the gateway refuses to start only when no provider can answer and no mock
     * provider is configured. Kept out of {@link #load} so that {@code --check-config} and reloads can still show a
     * config whose keys are all unset.
     */
    public static void requireUsableProvider(Config config) throws ConfigException {
        if (config.providers().stream().anyMatch(ProviderConfig::enabled)) {
            return;
        }
        String message;
        if (config.providers().isEmpty()) {
            message = "no providers configured; add one, e.g. {name: mock, type: mock, models: [mock-model]}";
        } else {
            message = "no provider can answer: "
                    + config.providers().stream()
                            .map(p -> p.name() + " (" + p.disabledReason() + ")")
                            .collect(Collectors.joining(", "))
                    + "; set a key in the environment or .env, or add a provider of type mock";
        }
        throw new ConfigException("config", List.of(new ConfigProblem("providers", 0, message)));
    }

    private static LoadedConfig read(String text, String source, Path file, Env env) throws ConfigException {
        Findings findings = new Findings();
        Node root = YamlDocument.compose(text, findings);
        if (findings.hasProblems()) {
            throw new ConfigException(source, findings.problems());
        }
        Walker walker = new Walker(env, findings);
        Section top = walker.section("", root, root != null);
        ServiceSections service = new ServiceSections(walker);
        StoreSections stores = new StoreSections(walker);

        ServerConfig server = service.server(top);
        AuthConfig auth = service.auth(top);
        List<ProviderConfig> providers = new ProviderSection(walker).read(top);
        RoutingConfig routing = new RoutingSection(walker).read(top, providers);
        Section cacheSection = top.section("cache");
        CacheConfig cache = CacheSection.read(cacheSection);
        RedisConfig redis = stores.redis(top, cacheSection, cache);
        DatabaseConfig database = stores.database(top);
        RateLimitConfig rateLimit = service.rateLimit(top);
        MetricsConfig metrics = service.metrics(top);
        TracingConfig tracing = service.tracing(top);
        LoggingConfig logging = service.logging(top);
        walker.finish();

        if (CacheSection.usesRedis(cache) && !redis.configured()) {
            findings.problem(
                    cacheSection.pathOf("type"),
                    cacheSection.node("type"),
                    "cache type " + cache.type().name().toLowerCase(Locale.ROOT)
                            + " needs Redis: set redis.addr or REDIS_ADDR");
        }
        if (findings.hasProblems()) {
            throw new ConfigException(source, findings.problems());
        }
        List<String> warnings = new ArrayList<>(env.warnings());
        warnings.addAll(findings.warnings());
        Config config = new Config(
                server, auth, providers, routing, cache, redis, database, rateLimit, metrics, tracing, logging);
        return new LoadedConfig(file, config, warnings);
    }

    private static ConfigException single(String source, String message) {
        return new ConfigException(source, List.of(new ConfigProblem("", 0, message)));
    }
}
