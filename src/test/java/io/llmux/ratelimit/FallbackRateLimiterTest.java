package io.llmux.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.config.RedisConfig.OnError;
import io.llmux.ratelimit.Limit.Kind;
import io.llmux.redis.RedisClients;
import io.llmux.redis.RedisErrors;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** With Redis unreachable, {@code redis.on_error} decides: this replica's own limits, or a 503 for every request. */
class FallbackRateLimiterTest {
    private static final Limit RPM = new Limit("key 'alice'", "k1", Kind.RPM, 2);
    private static final Limit PARALLEL = new Limit("key 'alice'", "k1", Kind.PARALLEL, 1);

    private final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:00Z"));
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final LogSink sink = new LogSink(logged, () -> false);
    private final Log log = new Log(sink, LoggingConfig.Level.INFO, clock::millis);
    private RedisClient down;
    private FallbackRateLimiter made;
    private RedisRateLimiter shared;

    @AfterEach
    void close() {
        if (made != null) {
            made.close();
        }
        sink.close();
        if (down != null) {
            down.close();
        }
    }

    private String logText() {
        sink.flush();
        return logged.toString(StandardCharsets.UTF_8);
    }

    private FallbackRateLimiter limiter(OnError onError) throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        down = RedisClients.create(new RedisConfig("127.0.0.1:" + closedPort, "", 0, Duration.ofMillis(300), onError));
        shared = new RedisRateLimiter(down, true);
        made = new FallbackRateLimiter(shared, new LocalRateLimiter(clock), onError, clock, log);
        return made;
    }

    @Test
    void failOpenAnswersFromThisReplicasOwnCountersAndCountsErrors() throws Exception {
        FallbackRateLimiter limiter = limiter(OnError.FAIL_OPEN);

        Admission a = limiter.admit(List.of(RPM, PARALLEL), 0);
        assertThat(limiter.redisErrors()).isEqualTo(1);
        assertThatThrownBy(() -> limiter.admit(List.of(RPM, PARALLEL), 0))
                .as("the local counters still hold the limits")
                .isInstanceOf(RateLimited.class);
        limiter.settle(a, 0);
        limiter.admit(List.of(RPM, PARALLEL), 0);
        assertThat(limiter.redisErrors())
                .as("Redis left alone for a second after a failure; a local admission settles locally")
                .isEqualTo(1);
        assertThatThrownBy(() -> limiter.admit(List.of(RPM), 0)).isInstanceOf(RateLimited.class);

        clock.advance(Duration.ofMillis(RedisErrors.RETRY_AFTER_MILLIS));
        assertThatThrownBy(() -> limiter.admit(List.of(RPM), 0))
                .as("asked Redis again, answered locally")
                .isInstanceOf(RateLimited.class);
        assertThat(limiter.redisErrors()).isEqualTo(2);
        String text = logText();
        assertThat(text.split("redis failed", -1)).as("warned once per outage").hasSize(2);
        assertThat(text).contains("rate limits are this replica's own").contains("Connect");
    }

    @Test
    void failClosedRefusesEveryRequestAsUnavailableAndCountsErrors() throws Exception {
        FallbackRateLimiter limiter = limiter(OnError.FAIL_CLOSED);

        assertThatThrownBy(() -> limiter.admit(List.of(RPM), 0))
                .isInstanceOf(RateLimitsUnavailable.class)
                .hasMessageContaining("fail_closed")
                .hasCauseInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> limiter.admit(List.of(RPM), 0)).isInstanceOf(RateLimitsUnavailable.class);
        assertThat(limiter.redisErrors()).as("Redis left alone for a second").isEqualTo(1);

        clock.advance(Duration.ofMillis(RedisErrors.RETRY_AFTER_MILLIS));
        assertThatThrownBy(() -> limiter.admit(List.of(RPM), 0)).isInstanceOf(RateLimitsUnavailable.class);
        assertThat(limiter.redisErrors()).isEqualTo(2);
        assertThat(logText()).contains("rate limits are refusing every request (redis.on_error: fail_closed)");
    }

    @Test
    void aReleaseRedisRefusesIsCountedNotThrownAndKeptToBeSentAgain() throws Exception {
        FallbackRateLimiter limiter = limiter(OnError.FAIL_OPEN);
        Admission admitted = new Admission("replica:1", List.of(PARALLEL), 0, 0, List.of());

        limiter.settle(admitted, 10); // sent at once, and Redis is down

        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (limiter.redisErrors() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(limiter.redisErrors()).isEqualTo(1);
        assertThat(shared.releasesPending()).isTrue();
        assertThatThrownBy(shared::sendReleases).isInstanceOf(RuntimeException.class);
        assertThat(shared.releasesPending())
                .as("still kept after a second failure")
                .isTrue();
    }

    @Test
    void aHeldBackCorrectionIsNoSignThatRedisAnswers() throws Exception {
        FallbackRateLimiter limiter = limiter(OnError.FAIL_OPEN);
        limiter.admit(List.of(RPM), 0); // Redis fails: answered locally
        Admission shared =
                new Admission("replica:1", List.of(new Limit("key 'alice'", "k1", Kind.TPM, 100)), 10, 0, List.of());

        limiter.settle(shared, 20); // only queued: Redis is not asked

        assertThat(logText()).contains("redis").doesNotContain("redis answers again");
    }
}
