package io.llmux.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.redis.RedisErrors;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.testing.Services;
import io.llmux.testing.TcpProxy;
import io.llmux.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;

/**
 * The local cache in front of the real Redis, reached through a proxy the test can cut: an answer found in Redis is
 * kept locally for as long as Redis keeps it, and served from there while Redis is gone.
 */
class DualResponseCacheIT {
    private static final Duration TTL = Duration.ofHours(1);
    private static final byte[] ANSWER = "answer".getBytes(StandardCharsets.UTF_8);

    private final String namespace = "llmux-test-" + UUID.randomUUID();
    private final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:00Z"));
    private final AtomicLong nanos = new AtomicLong();
    private final LogSink sink = new LogSink(new ByteArrayOutputStream(), () -> false);
    private final Log log = new Log(sink, LoggingConfig.Level.INFO, clock::millis);
    private RedisClient direct;
    private TcpProxy proxy;
    private LocalResponseCache local;
    private DualResponseCache dual;

    @BeforeEach
    void start() throws Exception {
        Services.Endpoint redis = Services.requireRedis();
        direct = RedisClients.create(config(redis.addr()));
        proxy = new TcpProxy(redis.host(), redis.port());
        local = new LocalResponseCache(100, 10_000, 1_000_000, nanos::get, Runnable::run);
        RedisResponseCache shared = new RedisResponseCache(
                RedisClients.create(config("127.0.0.1:" + proxy.port())),
                namespace,
                10_000,
                new RedisErrors(clock, log, "cached answers are"));
        dual = new DualResponseCache(local, shared, TTL);
    }

    @AfterEach
    void stop() {
        if (dual != null) {
            dual.close();
            proxy.close();
        }
        sink.close();
        if (direct != null) {
            List<String> ours = RedisResponseCacheIT.keys(direct, namespace);
            if (!ours.isEmpty()) {
                direct.del(ours.toArray(String[]::new));
            }
            direct.close();
        }
    }

    private static RedisConfig config(String addr) {
        return new RedisConfig(addr, "", 0, Duration.ofMillis(300), RedisConfig.OnError.FAIL_OPEN);
    }

    @Test
    void aRedisHitIsKeptLocallyForWhatRemainsOfItsTtlAndServedWithRedisGone() {
        direct.set(name("k"), "answer", SetParams.setParams().px(5_000));
        assertThat(local.get("k")).isEmpty();

        assertThat(dual.get("k")).hasValue(ANSWER);
        assertThat(local.get("k")).as("filled from Redis").hasValue(ANSWER);

        proxy.cut();
        assertThat(dual.get("k")).as("served locally with Redis gone").hasValue(ANSWER);
        assertThat(dual.errors()).as("Redis not asked").isZero();

        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(local.get("k"))
                .as("the local copy lapses with the Redis entry, not after cache.ttl")
                .isEmpty();
        assertThat(dual.get("k")).isEmpty();
        assertThat(dual.errors()).isEqualTo(1);
    }

    @Test
    void aPutReachesBoth() {
        dual.put("k", ANSWER, Duration.ofMinutes(10));

        assertThat(local.get("k")).hasValue(ANSWER);
        assertThat(direct.get(name("k").getBytes(StandardCharsets.UTF_8))).isEqualTo(ANSWER);
        assertThat(direct.pttl(name("k")))
                .isBetween(
                        Duration.ofMinutes(9).toMillis(), Duration.ofMinutes(10).toMillis());
        assertThat(dual.layer()).isEqualTo("dual");
    }

    @Test
    void aLocalCopyNeverOutlivesCacheTtl() {
        direct.set(name("forever"), "answer"); // written without expiry by hand
        assertThat(dual.get("forever")).hasValue(ANSWER);
        proxy.cut();

        nanos.addAndGet(TTL.minusSeconds(1).toNanos());
        assertThat(dual.get("forever")).hasValue(ANSWER);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(local.get("forever")).isEmpty();
    }

    @Test
    void withRedisGoneAPutStillFillsTheLocalCache() {
        proxy.cut();
        dual.put("k", ANSWER, Duration.ofMinutes(10));
        assertThat(dual.get("k")).hasValue(ANSWER);
        assertThat(dual.errors()).isEqualTo(1);
    }

    private String name(String key) {
        return namespace + ":cache:" + key;
    }
}
