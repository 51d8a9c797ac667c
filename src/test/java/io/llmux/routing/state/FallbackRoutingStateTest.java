package io.llmux.routing.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.redis.RedisErrors;
import io.llmux.routing.state.RoutingState.Lease;
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
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SPEC §6: "Redis errors degrade to local state (counted in a metric)"; a request never fails because of Redis. */
class FallbackRoutingStateTest {
    private static final String A = "openai/gpt-4o";

    private final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:10Z"));
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final LogSink sink = new LogSink(logged, () -> false);
    private final Log log = new Log(sink, LoggingConfig.Level.INFO, clock::millis);
    private final Flaky redis = new Flaky(new LocalRoutingState(clock));
    private final FallbackRoutingState state = new FallbackRoutingState(
            redis, new LocalRoutingState(clock), new RedisErrors(clock, log, "routing state is"));

    @AfterEach
    void closeSink() {
        sink.close();
    }

    /** Stands in for Redis: answers from its own state while up, throws what Jedis throws while down. */
    private static final class Flaky implements RoutingState {
        final LocalRoutingState inner;
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean down;

        Flaky(LocalRoutingState inner) {
            this.inner = inner;
        }

        private void call() {
            calls.incrementAndGet();
            if (down) {
                throw new IllegalStateException("Connection refused");
            }
        }

        @Override
        public Map<String, DeploymentStats> stats(List<String> ids) {
            call();
            return inner.stats(ids);
        }

        @Override
        public Lease start(String id, long estimatedTokens) {
            call();
            Lease lease = inner.start(id, estimatedTokens);
            return (latency, actual) -> {
                call();
                lease.finish(latency, actual);
            };
        }

        @Override
        public boolean failed(String id, String error, boolean coolNow, int allowedFails, Instant until) {
            call();
            return inner.failed(id, error, coolNow, allowedFails, until);
        }

        @Override
        public void setCooldown(String id, Instant until, String reason) {
            call();
            inner.setCooldown(id, until, reason);
        }

        @Override
        public void close() {}
    }

    private DeploymentStats stats() {
        return state.stats(List.of(A)).get(A);
    }

    private String logs() {
        sink.flush();
        return logged.toString(StandardCharsets.UTF_8);
    }

    @Test
    void whileRedisAnswersReadsComeFromRedis() {
        Instant until = clock.instant().plusSeconds(30);
        redis.inner.setCooldown(A, until, "set by another replica");

        assertThat(stats().cooledUntil()).isEqualTo(until);
        assertThat(state.redisErrors()).isZero();
    }

    @Test
    void writesGoToBothSoTheLocalCopyKnowsThisReplicasHistory() {
        Lease lease = state.start(A, 10);
        state.failed(A, "503", false, 3, clock.instant().plusSeconds(5));
        redis.down = true;

        assertThat(stats().inFlight()).isEqualTo(1);
        assertThat(stats().lastError()).isEqualTo("503");

        redis.down = false;
        lease.finish(Duration.ofMillis(80), -1);
        assertThat(redis.inner.stats(List.of(A)).get(A).inFlight()).isZero();
        assertThat(redis.inner.stats(List.of(A)).get(A).latencyMillis()).isEqualTo(80.0);
    }

    @Test
    void aRedisFailureIsAnsweredFromLocalStateAndCounted() {
        Lease early = state.start(A, 10); // while Redis answers: counted in both
        redis.down = true;

        early.finish(Duration.ofMillis(50), 20);
        clock.advance(Duration.ofSeconds(2)); // past the second in which Redis is left alone
        Lease late = state.start(A, 10);
        clock.advance(Duration.ofSeconds(2));
        assertThat(state.failed(A, "429", true, 3, clock.instant().plusSeconds(30)))
                .isTrue();
        clock.advance(Duration.ofSeconds(2));
        DeploymentStats stats = stats();
        state.setCooldown(A, null, null);
        late.finish(Duration.ofMillis(50), -1);

        assertThat(stats.inFlight()).isEqualTo(1);
        assertThat(stats.minuteTokens()).isEqualTo(30);
        assertThat(stats.latencyMillis()).isEqualTo(50.0);
        assertThat(stats.coolingAt(clock.instant())).isTrue();
        assertThat(stats().cooledUntil()).isNull();
        assertThat(state.redisErrors())
                .as("finish, start, failed, stats, setCooldown")
                .isEqualTo(5);
    }

    @Test
    void afterAFailureRedisIsLeftAloneForASecondThenAskedAgain() {
        redis.down = true;
        stats();
        assertThat(state.redisErrors()).isEqualTo(1);

        redis.down = false;
        int before = redis.calls.get();
        stats();
        state.start(A, 1);
        assertThat(redis.calls.get()).as("not asked within the second").isEqualTo(before);

        clock.advance(Duration.ofSeconds(1));
        redis.inner.setCooldown(A, clock.instant().plusSeconds(9), "by another replica");
        assertThat(stats().lastError()).isEqualTo("by another replica");
        assertThat(logs()).contains("redis answers again");
    }

    @Test
    void onlyARedisAnswerSaysRedisAnswersAgainNotAStartThatMayHaveAskedItNothing() {
        redis.down = true;
        stats();
        redis.down = false;
        clock.advance(Duration.ofSeconds(1));

        state.start(A, 1); // Redis's start is held back: its return says nothing of Redis
        assertThat(logs()).doesNotContain("redis answers again");

        stats();
        assertThat(logs()).contains("redis answers again");
    }

    @Test
    void theWarningIsLoggedAtMostOnceAMinute() {
        redis.down = true;
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(2));
            stats();
        }
        assertThat(state.redisErrors()).isEqualTo(5);
        assertThat(logs().split("redis failed", -1)).hasSize(2);

        clock.advance(Duration.ofSeconds(60));
        stats();
        assertThat(logs().split("redis failed", -1)).hasSize(3);
        assertThat(logs()).contains("Connection refused");
    }

    @Test
    void redisOnAClosedPortAnswersFromLocalStateWithinTheTimeout() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RedisConfig config = new RedisConfig(
                "127.0.0.1:" + closedPort, "", 0, Duration.ofMillis(200), RedisConfig.OnError.FAIL_OPEN);
        RedisErrors errors = new RedisErrors(clock, log, "routing state is");
        long started = System.nanoTime();
        try (FallbackRoutingState fallback = new FallbackRoutingState(
                new RedisRoutingState(
                        RedisClients.create(config),
                        clock,
                        RedisKeys.DEFAULT_PREFIX,
                        Duration.ofSeconds(30),
                        null,
                        null,
                        e -> errors.failed("heartbeat", e)),
                new LocalRoutingState(clock),
                errors)) {
            Lease lease = fallback.start(A, 10);
            clock.advance(Duration.ofSeconds(2));
            assertThat(fallback.stats(List.of(A)).get(A).inFlight()).isEqualTo(1);
            clock.advance(Duration.ofSeconds(2));
            assertThat(fallback.failed(A, "429", true, 3, clock.instant().plusSeconds(30)))
                    .isTrue();
            lease.finish(Duration.ofMillis(10), -1);
            fallback.setCooldown(A, null, null);
            assertThat(fallback.stats(List.of(A)).get(A)).isEqualTo(new DeploymentStats(null, "429", 10, 0, 1, 10));

            assertThat(fallback.redisErrors())
                    .as("start, stats, failed, setCooldown")
                    .isEqualTo(4);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(logs()).contains("redis failed").contains("Connection refused");
    }
}
