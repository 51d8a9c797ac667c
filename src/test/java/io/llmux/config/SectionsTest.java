package io.llmux.config;

import static io.llmux.config.Configs.config;
import static io.llmux.config.Configs.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sections around providers and routing: each key read, each bad value reported. */
class SectionsTest {

    @Test
    void serverSectionIsRead() throws Exception {
        ServerConfig server = config("""
                        server:
                          host: 127.0.0.1
                          port: 9090
                          read_timeout: 5s
                          write_timeout: 2m
                          idle_timeout: 90s
                          max_body_size: 512KB
                          shutdown_timeout: 0
                        """).server();

        assertThat(server)
                .isEqualTo(new ServerConfig(
                        "127.0.0.1",
                        9090,
                        Duration.ofSeconds(5),
                        Duration.ofMinutes(2),
                        Duration.ofSeconds(90),
                        512L * 1024,
                        Duration.ZERO));
    }

    @Test
    void sectionsAbsentGetTheirDefaultsAndRateLimitPresentIsOn() throws Exception {
        assertThat(config("rate_limit:\n  default_rpm: 60\n").rateLimit()).isEqualTo(new RateLimitConfig(true, 60, 0));
        assertThat(config("rate_limit:\n").rateLimit().enabled()).isTrue();
        assertThat(config("rate_limit:\n  enabled: false\n").rateLimit().enabled())
                .isFalse();
    }

    @Test
    void tracingIsReadAndChecked() throws Exception {
        assertThat(config("tracing:\n  enabled: true\n  protocol: http/protobuf\n  endpoint: otel:4318\n"
                                + "  service_name: gw\n  sample_rate: 0.25\n")
                        .tracing())
                .isEqualTo(
                        new TracingConfig(true, "otel:4318", TracingConfig.Protocol.HTTP_PROTOBUF, "gw", 0.25, true));
        assertThat(problem("tracing:\n  protocol: thrift\n"))
                .isEqualTo(
                        "tracing.protocol: \"thrift\" is not a tracing protocol (one of grpc, http/protobuf) (line 2)");
        assertThat(problem("tracing:\n  sample_rate: 1.5\n"))
                .isEqualTo("tracing.sample_rate: 1.5 is out of range (0-1) (line 2)");
    }

    @Test
    void loggingIsReadAndChecked() throws Exception {
        assertThat(config("logging:\n  level: DEBUG\n  format: text\n  log_payloads: true\n")
                        .logging())
                .isEqualTo(new LoggingConfig(LoggingConfig.Level.DEBUG, LoggingConfig.Format.TEXT, true));
        assertThat(problem("logging:\n  level: verbose\n"))
                .isEqualTo("logging.level: \"verbose\" is not a log level (one of debug, info, warn, error) (line 2)");
    }

    @Test
    void metricsPathMustStartWithASlash() {
        assertThat(problem("metrics:\n  path: metrics\n"))
                .isEqualTo("metrics.path: \"metrics\" must start with / (line 2)");
    }

    @Test
    void cacheIsReadAndChecked() throws Exception {
        assertThat(config("cache:\n  enabled: true\n  type: local\n  ttl: 10m\n  namespace: gw\n  max_entries: 500\n"
                                + "  max_item_size: 64KB\n")
                        .cache())
                .isEqualTo(new CacheConfig(
                        true, CacheConfig.CacheType.LOCAL, Duration.ofMinutes(10), "gw", 500, 64 * 1024));
        assertThat(problem("cache:\n  type: memcached\n"))
                .isEqualTo("cache.type: \"memcached\" is not a cache type (one of local, redis, dual) (line 2)");
    }

    @Test
    void redisCacheWithoutRedisIsAProblem() {
        assertThat(problem("cache:\n  enabled: true\n  type: dual\n"))
                .isEqualTo("cache.type: cache type dual needs Redis: set redis.addr or REDIS_ADDR (line 3)");
    }

    @Test
    void redisIsReadAndChecked() throws Exception {
        assertThat(config("redis:\n  addr: r:6379\n  password: pw\n  db: 2\n  timeout: 50ms\n  on_error: fail_closed\n")
                        .redis())
                .isEqualTo(new RedisConfig("r:6379", "pw", 2, Duration.ofMillis(50), RedisConfig.OnError.FAIL_CLOSED));
        assertThat(problem("redis:\n  on_error: retry\n"))
                .isEqualTo(
                        "redis.on_error: \"retry\" is not a redis on_error (one of fail_open, fail_closed) (line 2)");
    }

    @Test
    void databaseTypeIsGivenElsePostgresWhenAHostIsSetElseEmbedded() throws Exception {
        assertThat(config("database:\n  path: /var/lib/llmux\n").database())
                .isEqualTo(new DatabaseConfig(
                        DatabaseConfig.Type.EMBEDDED,
                        "/var/lib/llmux",
                        "localhost",
                        5432,
                        "llmux",
                        "",
                        "llmux",
                        "disable",
                        10));
        assertThat(config("database:\n  host: pg\n  port: 6432\n  ssl_mode: require\n")
                        .database())
                .extracting(DatabaseConfig::type, DatabaseConfig::host, DatabaseConfig::port, DatabaseConfig::sslMode)
                .containsExactly(DatabaseConfig.Type.POSTGRES, "pg", 6432, "require");
        assertThat(config("database:\n  type: embedded\n  host: pg\n")
                        .database()
                        .type())
                .isEqualTo(DatabaseConfig.Type.EMBEDDED);
        assertThat(problem("database:\n  type: mysql\n"))
                .isEqualTo("database.type: \"mysql\" is not a database type (one of embedded, postgres) (line 2)");
    }
}
