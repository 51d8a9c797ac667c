package io.llmux.routing.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Where routing state lives follows {@code redis:}. */
class RoutingStatesTest {
    private final TestClock clock = new TestClock(Instant.parse("2030-01-01T12:00:10Z"));
    private final LogSink sink = new LogSink(new ByteArrayOutputStream(), () -> false);
    private final Log log = new Log(sink, LoggingConfig.Level.INFO, clock::millis);

    @AfterEach
    void closeSink() {
        sink.close();
    }

    private static RedisConfig redis(String addr, String password, int db) {
        return new RedisConfig(addr, password, db, Duration.ofMillis(200), RedisConfig.OnError.FAIL_OPEN);
    }

    @Test
    void withoutRedisStateIsLocal() {
        try (RoutingState state = RoutingStates.of(RedisConfig.none(), clock, log)) {
            assertThat(state).isInstanceOf(LocalRoutingState.class);
        }
    }

    @Test
    void withRedisStateIsSharedAndARedisDownAtStartUpOnlyMeansLocalAnswers() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // starts sent at once: held back, the background flush would add its own failure at a moment of its choosing
        try (RoutingState state = RoutingStates.of(redis("127.0.0.1:" + closedPort, "", 0), clock, log, null)) {
            assertThat(state).isInstanceOf(FallbackRoutingState.class);
            state.start("a/b", 3);
            assertThat(state.stats(List.of("a/b")).get("a/b").inFlight()).isEqualTo(1);
            assertThat(((FallbackRoutingState) state).redisErrors()).isEqualTo(1);
        }
    }
}
