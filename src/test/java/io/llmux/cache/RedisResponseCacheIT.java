package io.llmux.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.redis.RedisErrors;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.testing.Services;
import io.llmux.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis cache against the real Redis on 127.0.0.1:6379, under a namespace of its own that is deleted afterwards;
 * and against a Redis that refuses connections and one that accepts and never answers, where every call is a quiet
 * miss within about {@code redis.timeout}.
 */
class RedisResponseCacheIT {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final int MAX_ITEM_SIZE = 1000;

    private final String namespace = "llmux-test-" + UUID.randomUUID();
    private final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:00Z"));
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final LogSink sink = new LogSink(logged, () -> false);
    private final Log log = new Log(sink, LoggingConfig.Level.INFO, clock::millis);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private RedisClient direct;

    @BeforeEach
    void redis() {
        direct = RedisClients.create(config(Services.requireRedis().addr()));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        sink.close();
        if (direct != null) {
            List<String> ours = keys(direct, namespace);
            if (!ours.isEmpty()) {
                direct.del(ours.toArray(String[]::new));
            }
            assertThat(keys(direct, namespace)).isEmpty();
            direct.close();
        }
    }

    private static RedisConfig config(String addr) {
        return new RedisConfig(addr, "", 0, TIMEOUT, RedisConfig.OnError.FAIL_OPEN);
    }

    /** Every key of a namespace, by SCAN. */
    static List<String> keys(RedisClient redis, String namespace) {
        List<String> found = new ArrayList<>();
        ScanParams match = new ScanParams().match(namespace + ":*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, match);
            found.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return found;
    }

    private RedisResponseCache cache(String addr) {
        RedisResponseCache cache = new RedisResponseCache(
                RedisClients.create(config(addr)),
                namespace,
                MAX_ITEM_SIZE,
                new RedisErrors(clock, log, "cached answers are", "neither served nor stored"));
        closing.add(cache::close);
        return cache;
    }

    private String logText() {
        sink.flush();
        return logged.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anAnswerPutIsFoundUnderTheNamespaceWithItsTtl() {
        RedisResponseCache cache = cache(Services.requireRedis().addr());
        assertThat(cache.get("k1")).isEmpty();

        cache.put("k1", "answer".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));

        assertThat(cache.get("k1"))
                .hasValueSatisfying(
                        v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("answer"));
        assertThat(keys(direct, namespace)).containsExactly(namespace + ":cache:k1");
        assertThat(direct.pttl(namespace + ":cache:k1")).isBetween(25_000L, 30_000L);
        assertThat(cache.getWithTtl("k1")).hasValueSatisfying(hit -> {
            assertThat(hit.value()).isEqualTo("answer".getBytes(StandardCharsets.UTF_8));
            assertThat(hit.remaining()).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(30));
        });
        assertThat(cache.getWithTtl("absent")).isEmpty();
        assertThat(cache.errors()).isZero();
        assertThat(cache.layer()).isEqualTo("redis");
    }

    @Test
    void anEntryLapsesWithItsTtl() {
        RedisResponseCache cache = cache(Services.requireRedis().addr());
        cache.put("brief", new byte[] {1}, Duration.ofMillis(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (cache.get("brief").isPresent()) {
            assertThat(System.nanoTime()).as("lapsed within 5 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void aValueWithoutExpiryIsReportedAsNeverLapsing() {
        RedisResponseCache cache = cache(Services.requireRedis().addr());
        direct.set(namespace + ":cache:forever", "x");
        assertThat(cache.getWithTtl("forever"))
                .hasValueSatisfying(hit -> assertThat(hit.remaining()).isGreaterThan(Duration.ofDays(365 * 1000)));
    }

    @Test
    void binaryValuesComeBackIntact() {
        RedisResponseCache cache = cache(Services.requireRedis().addr());
        byte[] value = new byte[MAX_ITEM_SIZE];
        new Random(7).nextBytes(value);
        value[0] = 0;
        value[1] = (byte) 0xff; // never valid UTF-8
        value[2] = '\r';
        value[3] = '\n';

        cache.put("bin", value, Duration.ofMinutes(1));

        assertThat(cache.get("bin")).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
        assertThat(cache.getWithTtl("bin"))
                .hasValueSatisfying(hit -> assertThat(hit.value()).isEqualTo(value));
    }

    @Test
    void aValueOverMaxItemSizeIsNotStored() {
        RedisResponseCache cache = cache(Services.requireRedis().addr());
        cache.put("big", new byte[MAX_ITEM_SIZE + 1], Duration.ofMinutes(1));
        assertThat(cache.get("big")).isEmpty();
        assertThat(direct.exists(namespace + ":cache:big")).isFalse();
        assertThat(cache.errors()).isZero();
    }

    @Test
    void aRedisThatRefusesConnectionsIsAQuietMissAndLeftAloneForASecond() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        RedisResponseCache cache = cache("127.0.0.1:" + closedPort);

        assertThat(cache.get("k")).isEmpty();
        assertThat(cache.errors()).isEqualTo(1);
        assertThat(cache.get("k")).isEmpty();
        cache.put("k", new byte[] {1}, Duration.ofMinutes(1));
        assertThat(cache.getWithTtl("k")).isEmpty();
        assertThat(cache.errors())
                .as("Redis not asked within the second after a failure")
                .isEqualTo(1);

        clock.advance(Duration.ofMillis(RedisErrors.RETRY_AFTER_MILLIS));
        cache.put("k", new byte[] {1}, Duration.ofMinutes(1));
        assertThat(cache.errors()).isEqualTo(2);
        clock.advance(Duration.ofMillis(RedisErrors.RETRY_AFTER_MILLIS));
        assertThat(cache.getWithTtl("k")).isEmpty();
        assertThat(cache.errors()).isEqualTo(3);

        String text = logText();
        assertThat(text.split("redis failed", -1))
                .as("warned once a minute at most")
                .hasSize(2);
        assertThat(text)
                .contains("cached answers are neither served nor stored")
                .contains("Connect");
    }

    @Test
    void aRedisThatNeverAnswersCostsAboutItsTimeout() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        closing.add(() -> {
            silent.close();
            for (Socket s : accepted) {
                s.close();
            }
        });
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    accepted.add(silent.accept()); // and never a byte back
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        RedisResponseCache cache = cache("127.0.0.1:" + silent.getLocalPort());

        long start = System.nanoTime();
        assertThat(cache.get("k")).isEmpty();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isGreaterThanOrEqualTo(TIMEOUT).isLessThan(TIMEOUT.plusSeconds(1));
        assertThat(cache.errors()).isEqualTo(1);

        start = System.nanoTime();
        cache.put("k", new byte[] {1}, Duration.ofMinutes(1));
        assertThat(cache.get("k")).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("left alone after the failure")
                .isLessThan(TIMEOUT);
        assertThat(cache.errors()).isEqualTo(1);

        clock.advance(Duration.ofMillis(RedisErrors.RETRY_AFTER_MILLIS));
        start = System.nanoTime();
        cache.put("k", new byte[] {1}, Duration.ofMinutes(1));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.plusSeconds(1));
        assertThat(cache.errors()).isEqualTo(2);
    }
}
