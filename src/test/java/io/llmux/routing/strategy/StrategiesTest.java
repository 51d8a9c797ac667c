package io.llmux.routing.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.LoggingConfig;
import io.llmux.config.RoutingStrategy;
import io.llmux.spend.PriceTable;
import io.llmux.spend.Pricing;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §6: {@code routing.strategy} names the strategy. */
class StrategiesTest {

    @Test
    void eachConfiguredStrategyNameGivesItsStrategy() {
        Map<RoutingStrategy, Class<?>> expected = Map.of(
                RoutingStrategy.SIMPLE_SHUFFLE, SimpleShuffle.class,
                RoutingStrategy.LOWEST_LATENCY, LowestLatency.class,
                RoutingStrategy.LEAST_BUSY, LeastBusy.class,
                RoutingStrategy.LOWEST_TPM_RPM, LowestTpmRpm.class,
                RoutingStrategy.LOWEST_COST, LowestCost.class,
                RoutingStrategy.TAG_BASED, TagBased.class);
        try (LogSink sink = new LogSink(new ByteArrayOutputStream(), () -> true)) {
            Pricing pricing = new Pricing(PriceTable.builtIn(), new Log(sink, LoggingConfig.Level.INFO, () -> 0L));
            for (RoutingStrategy name : RoutingStrategy.values()) {
                assertThat(Strategies.of(Candidates.routing(name), pricing, Candidates.seeded(1), Clock.systemUTC()))
                        .as(name.configName())
                        .isInstanceOf(expected.get(name));
            }
        }
    }
}
