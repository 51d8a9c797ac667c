package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LedgersTest {
    @Test
    void withoutRedisCountersAreLocalAndWithItTheyFallBackToLocal() {
        try (LogSink sink = new LogSink(new ByteArrayOutputStream(), () -> false)) {
            Log log = new Log(sink, LoggingConfig.Level.INFO, System::currentTimeMillis);
            try (Ledger local = Ledgers.of(RedisConfig.none(), Clock.systemUTC(), log)) {
                assertThat(local).isInstanceOf(LocalLedger.class);
            }
            RedisConfig unreachable =
                    new RedisConfig("127.0.0.1:1", "", 0, Duration.ofMillis(100), RedisConfig.OnError.FAIL_OPEN);
            try (Ledger shared = Ledgers.of(unreachable, Clock.systemUTC(), log)) {
                assertThat(shared).as("built without asking Redis").isInstanceOf(FallbackLedger.class);
            }
        }
    }
}
