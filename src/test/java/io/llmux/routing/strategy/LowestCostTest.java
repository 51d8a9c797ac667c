package io.llmux.routing.strategy;

import static io.llmux.routing.strategy.Candidates.chat;
import static io.llmux.routing.strategy.Candidates.deployment;
import static io.llmux.routing.strategy.Candidates.picks;
import static io.llmux.routing.strategy.Candidates.request;
import static io.llmux.routing.strategy.Candidates.seeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.LoggingConfig;
import io.llmux.config.RoutingStrategy;
import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.spend.PriceTable;
import io.llmux.spend.Pricing;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §6 {@code lowest-cost}. */
class LowestCostTest {
    // about 1000 prompt tokens
    private static final String PROMPT = "x".repeat(3996);

    private static Deployment priced(String provider, String model, Double input, Double output) {
        return deployment(
                provider, new DeploymentConfig("g", model, 1, null, null, List.of(), input, output, null, null, true));
    }

    private static LowestCost byConfiguredPrices() {
        // the deployment's own prices only: no table
        return new LowestCost(
                d -> d.inputCostPerMillion() == null
                        ? null
                        : new io.llmux.spend.Price(d.inputCostPerMillion(), d.outputCostPerMillion(), null),
                seeded(9));
    }

    @Test
    void estimatedInputTimesInputPricePlusExpectedOutputTimesOutputPrice() throws GatewayException {
        List<Deployment> ds = List.of(priced("cheapOut", "m", 3.0, 2.0), priced("cheapIn", "m", 1.0, 10.0));
        // 1000 in, 10 out: the input price decides
        Exchange shortAnswer = request(chat(PROMPT, 10), List.of());
        assertThat(picks(byConfiguredPrices(), ds, shortAnswer, Map.of(), 200)).containsOnlyKeys("cheapIn");
        // 1000 in, up to 1000 out: the output price decides
        Exchange longAnswer = request(chat(PROMPT, 1000), List.of());
        assertThat(picks(byConfiguredPrices(), ds, longAnswer, Map.of(), 200)).containsOnlyKeys("cheapOut");
    }

    @Test
    void unknownPricesRankLast() throws GatewayException {
        List<Deployment> ds = List.of(priced("unknown", "m", null, null), priced("dear", "m", 60.0, 120.0));
        assertThat(picks(byConfiguredPrices(), ds, request(), Map.of(), 200)).containsOnlyKeys("dear");
    }

    @Test
    void withNoPriceAnywhereAllShareTheTrafficAtRandom() throws GatewayException {
        List<Deployment> ds = List.of(priced("a", "m", null, null), priced("b", "m", null, null));
        assertThat(picks(byConfiguredPrices(), ds, request(), Map.of(), 4000).get("a"))
                .isBetween(1800, 2200);
    }

    @Test
    void equalCostsAreBrokenAtRandom() throws GatewayException {
        List<Deployment> ds =
                List.of(priced("a", "m", 1.0, 2.0), priced("b", "m", 1.0, 2.0), priced("dear", "m", 1.0, 2.5));
        var c = picks(byConfiguredPrices(), ds, request(), Map.of(), 4000);
        assertThat(c).containsOnlyKeys("a", "b");
        assertThat(c.get("a")).isBetween(1800, 2200);
    }

    @Test
    void aSingleCandidateIsReturned() throws GatewayException {
        Deployment only = priced("only", "m", null, null);
        assertThat(byConfiguredPrices().pick(List.of(only), request(), Map.of()))
                .isSameAs(only);
    }

    @Test
    void pricesComeFromTheDeploymentsConfigElseTheBuiltInTable() throws GatewayException {
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        try (LogSink sink = new LogSink(logged, () -> true)) {
            Pricing pricing = new Pricing(PriceTable.builtIn(), new Log(sink, LoggingConfig.Level.INFO, () -> 0L));
            Strategy s = Strategies.of(
                    Candidates.routing(RoutingStrategy.LOWEST_COST), pricing, seeded(2), Clock.systemUTC());
            // the table prices gpt-4o above gpt-4o-mini; a deployment's own price overrides it
            Deployment table4o = priced("table4o", "gpt-4o", null, null);
            Deployment tableMini = priced("tableMini", "gpt-4o-mini", null, null);
            Deployment cheap4o = priced("cheap4o", "gpt-4o", 0.01, 0.01);
            Deployment unknown = priced("unknown", "no-such-model-anywhere", null, null);

            assertThat(picks(s, List.of(table4o, tableMini, unknown), request(), Map.of(), 100))
                    .containsOnlyKeys("tableMini");
            assertThat(picks(s, List.of(table4o, tableMini, cheap4o), request(), Map.of(), 100))
                    .containsOnlyKeys("cheap4o");
        }
    }
}
