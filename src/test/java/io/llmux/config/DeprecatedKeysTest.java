package io.llmux.config;

import static io.llmux.config.Configs.load;
import static io.llmux.config.Configs.problem;
import static io.llmux.config.Configs.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §2: keys of the original Go LLMux are accepted, mapped, and warned about once each. */
class DeprecatedKeysTest {

    private static String legacy(String path) {
        return path + ": deprecated key of the original LLMux; ";
    }

    @Test
    void databaseEnabledFalseMeansNoDatabase() throws Exception {
        LoadedConfig loaded = load("database:\n  enabled: false\n  host: pg\n");

        assertThat(loaded.config().database()).isEqualTo(DatabaseConfig.none());
        assertThat(loaded.warnings())
                .containsExactly(
                        legacy("database.enabled") + "false still means no database; leaving the section out says so");
    }

    @Test
    void databaseEnabledTrueKeepsTheDatabase() throws Exception {
        assertThat(load("database:\n  enabled: true\n  host: pg\n")
                        .config()
                        .database()
                        .type())
                .isEqualTo(DatabaseConfig.Type.POSTGRES);
    }

    @Test
    void databaseDatabaseIsTheName() throws Exception {
        LoadedConfig loaded = load("database:\n  host: pg\n  database: gateway\n");

        assertThat(loaded.config().database().name()).isEqualTo("gateway");
        assertThat(loaded.warnings()).containsExactly(legacy("database.database") + "use database.name");
    }

    @Test
    void databasePoolKeysAreAcceptedAndIgnored() throws Exception {
        LoadedConfig loaded = load("database:\n  host: pg\n  max_idle_conns: 5\n  conn_lifetime: 5m\n");

        assertThat(loaded.config().database().maxOpenConns()).isEqualTo(10);
        assertThat(loaded.warnings())
                .containsExactly(
                        legacy("database.max_idle_conns") + "ignored: the pool sizes itself from max_open_conns",
                        legacy("database.conn_lifetime") + "ignored");
    }

    @Test
    void cacheMemoryKeysMapOntoTheirNewNames() throws Exception {
        LoadedConfig loaded = load("""
                cache:
                  enabled: true
                  memory:
                    max_size: 1000
                    default_ttl: 10m
                    max_item_size: 1048576
                    cleanup_interval: 1m
                """);

        assertThat(loaded.config().cache())
                .isEqualTo(new CacheConfig(
                        true, CacheConfig.CacheType.LOCAL, Duration.ofMinutes(10), "llmux", 1000, 1024 * 1024));
        assertThat(loaded.warnings())
                .containsExactly(
                        legacy("cache.memory.default_ttl") + "use cache.ttl",
                        legacy("cache.memory.max_size") + "use cache.max_entries",
                        legacy("cache.memory.max_item_size") + "use cache.max_item_size",
                        legacy("cache.memory.cleanup_interval")
                                + "ignored: expired entries are evicted as they are found");
    }

    @Test
    void newKeyWinsOverItsOldName() throws Exception {
        CacheConfig cache = load("cache:\n  ttl: 5m\n  memory:\n    default_ttl: 10m\n")
                .config()
                .cache();

        assertThat(cache.ttl()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void oldKeysAreStillChecked() {
        assertThat(problem("cache:\n  memory:\n    default_ttl: soon\n"))
                .isEqualTo("cache.memory.default_ttl: \"soon\" is not a duration"
                        + " (use e.g. 250ms, 30s, 5m, 1h, 7d) (line 3)");
    }

    @Test
    void cacheRedisIsTheTopLevelRedisWhenTheCacheUsesRedis() throws Exception {
        LoadedConfig loaded = load("""
                cache:
                  enabled: true
                  type: redis
                  redis:
                    addr: ${REDIS_ADDR:localhost:6379}
                    password: ${REDIS_PASSWORD:}
                    db: 1
                    pool_size: 10
                """);

        assertThat(loaded.config().redis())
                .isEqualTo(new RedisConfig(
                        "localhost:6379", "", 1, Duration.ofMillis(200), RedisConfig.OnError.FAIL_OPEN));
        assertThat(loaded.warnings())
                .containsExactly(
                        legacy("cache.redis") + "read as the top-level redis section",
                        legacy("cache.redis.pool_size") + "ignored");
    }

    @Test
    void cacheRedisIsIgnoredWhenTheCacheDoesNotUseRedis() throws Exception {
        LoadedConfig loaded = load("cache:\n  enabled: false\n  redis:\n    addr: localhost:6379\n");

        assertThat(loaded.config().redis().configured()).isFalse();
        assertThat(loaded.warnings()).containsExactly(legacy("cache.redis") + "ignored: the cache does not use Redis");
    }

    @Test
    void topLevelRedisWinsOverCacheRedis() throws Exception {
        RedisConfig redis = load("redis:\n  addr: shared:6379\ncache:\n  enabled: true\n  type: dual\n"
                        + "  redis:\n    addr: old:6379\n    db: 3\n")
                .config()
                .redis();

        assertThat(redis.addr()).isEqualTo("shared:6379");
        assertThat(redis.db()).isEqualTo(3);
    }

    @Test
    void authEnabledAndSkipPathsAreAcceptedAndIgnored() throws Exception {
        LoadedConfig loaded = load("auth:\n  enabled: true\n  skip_paths: [/health]\n  master_key: mk\n");

        assertThat(loaded.config().auth().masterKey()).isEqualTo("mk");
        assertThat(loaded.warnings())
                .containsExactly(
                        legacy("auth.enabled")
                                + "ignored: keys are required whenever auth.master_key or a database is set",
                        legacy("auth.skip_paths") + "ignored: the health and metrics endpoints never need a key");
    }

    @Test
    void tracingInsecureIsKept() throws Exception {
        LoadedConfig loaded = load("tracing:\n  insecure: false\n");

        assertThat(loaded.config().tracing().insecure()).isFalse();
        assertThat(loaded.warnings())
                .containsExactly(
                        legacy("tracing.insecure") + "still honoured; the endpoint's scheme is the better place");
    }

    @Test
    void routingDefaultProviderIsKept() throws Exception {
        LoadedConfig loaded = load(Configs.MOCK + "routing:\n  default_provider: mock\n");

        assertThat(loaded.config().routing().defaultProvider()).isEqualTo("mock");
        assertThat(loaded.warnings())
                .containsExactly(legacy("routing.default_provider")
                        + "kept: that provider's deployments are preferred within a model group");
    }

    @Test
    void routingDefaultProviderMustNameAProvider() {
        assertThat(problem(Configs.MOCK + "routing:\n  default_provider: openai\n"))
                .isEqualTo("routing.default_provider: \"openai\" is not a configured provider (mock) (line 6)");
    }

    @Test
    void rateLimitRequestsPerMinuteIsTheDefaultRpm() throws Exception {
        LoadedConfig loaded = load("rate_limit:\n  enabled: true\n  requests_per_minute: 60\n  burst_size: 10\n");

        assertThat(loaded.config().rateLimit()).isEqualTo(new RateLimitConfig(true, 60, 0));
        assertThat(loaded.warnings())
                .containsExactly(
                        legacy("rate_limit.requests_per_minute") + "use rate_limit.default_rpm",
                        legacy("rate_limit.burst_size") + "ignored: limits are sliding 60 s windows");
    }

    @Test
    void azureApiVersionHeaderIsTheApiVersion() throws Exception {
        LoadedConfig loaded = load("""
                providers:
                  - name: azure
                    type: azure
                    api_key: k
                    base_url: https://res.openai.azure.com
                    headers:
                      api-version: "2024-02-15-preview"
                      X-Trace: on
                    models: [gpt-4]
                """);

        ProviderConfig azure = loaded.config().providers().get(0);
        assertThat(azure.apiVersion()).isEqualTo("2024-02-15-preview");
        assertThat(azure.headers()).isEqualTo(Map.of("X-Trace", "on"));
        assertThat(loaded.warnings()).containsExactly(legacy("providers[0].headers.api-version") + "use api_version");
    }

    @Test
    void deprecatedKeysAreNeverSuggested() {
        assertThat(problem("database:\n  databse: x\n")).doesNotContain("did you mean database?");
    }

    @Test
    void anOriginalGoConfigLoadsWithOneWarningPerOldKey() throws Exception {
        LoadedConfig loaded = load(resource("go-original.yaml"), Map.of("OPENAI_API_KEY", "sk-test"));

        Config config = loaded.config();
        assertThat(config.database().type()).isEqualTo(DatabaseConfig.Type.NONE);
        assertThat(config.cache().maxEntries()).isEqualTo(1000);
        assertThat(config.rateLimit()).isEqualTo(new RateLimitConfig(false, 60, 0));
        assertThat(config.routing().defaultProvider()).isEqualTo("openai");
        assertThat(loaded.warnings())
                .filteredOn(w -> w.contains("deprecated"))
                .hasSize(16)
                .doesNotHaveDuplicates();
    }
}
