package io.llmux.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.llmux.config.DeploymentConfig;
import io.llmux.config.LoggingConfig;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.wire.Usage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SPEC §5 Cost: an answer's cost from its usage, config prices over the table, and models without a price. */
class PricingTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final LogSink sink = new LogSink(logged, () -> true);
    private final Pricing pricing =
            new Pricing(PriceTable.builtIn(), new Log(sink, LoggingConfig.Level.INFO, () -> 0L));

    @AfterEach
    void closeSink() {
        sink.close();
    }

    private static DeploymentConfig deployment(String model, Double input, Double output, Double cached) {
        return new DeploymentConfig("group", model, 1, null, null, List.of(), input, output, cached, null, true);
    }

    private static DeploymentConfig deployment(String model) {
        return deployment(model, null, null, null);
    }

    private String logs() {
        sink.flush();
        return logged.toString(StandardCharsets.UTF_8);
    }

    @Test
    void costIsPromptAtInputPlusCompletionAtOutputPerMillion() {
        // gpt-4o: 2.50 in, 10.00 out
        double cost = pricing.cost(deployment("gpt-4o"), new Usage(1_000, 500, 0));
        assertThat(cost).isCloseTo((1_000 * 2.50 + 500 * 10.00) / 1e6, within(1e-12));
    }

    @Test
    void cachedPromptTokensCostTheCachedInputPrice() {
        // gpt-4o-mini: 0.15 in, 0.075 cached, 0.60 out; prompt_tokens includes the cached ones
        double cost = pricing.cost(deployment("gpt-4o-mini-2024-07-18"), new Usage(1262, 8, 1152));
        assertThat(cost).isCloseTo((110 * 0.15 + 1152 * 0.075 + 8 * 0.60) / 1e6, within(1e-12));
        assertThat(Usd.plain(cost)).isEqualTo("0.0001077");
    }

    @Test
    void withoutACachedPriceCachedTokensCostTheInputPrice() {
        // gpt-4o-2024-05-13 has no cached-input price
        double cost = pricing.cost(deployment("gpt-4o-2024-05-13"), new Usage(1_000, 0, 400));
        assertThat(cost).isCloseTo(1_000 * 5.00 / 1e6, within(1e-12));
    }

    @Test
    void embeddingsCostTheirInputTokens() {
        double cost = pricing.cost(deployment("text-embedding-3-small"), new Usage(8, 0, 0));
        assertThat(Usd.plain(cost)).isEqualTo("0.00000016");
    }

    @Test
    void deploymentPricesFromConfigOverrideTheTable() {
        Price p = pricing.price(deployment("gpt-4o", 1.0, 2.0, 0.5));
        assertThat(p).isEqualTo(new Price(1.0, 2.0, 0.5));
        assertThat(pricing.cost(deployment("gpt-4o", 1.0, 2.0, 0.5), new Usage(1_000_000, 1_000_000, 500_000)))
                .isCloseTo(0.5 * 1.0 + 0.5 * 0.5 + 2.0, within(1e-9));
    }

    @Test
    void aPartialOverrideTakesTheRestFromTheTable() {
        // only the input price given: output and cached input stay gpt-4o's (10.00, 1.25)
        assertThat(pricing.price(deployment("gpt-4o", 2.0, null, null))).isEqualTo(new Price(2.0, 10.00, 1.25));
        // only the output price given
        assertThat(pricing.price(deployment("gpt-4o", null, 8.0, null))).isEqualTo(new Price(2.50, 8.0, 1.25));
        // only the cached price given
        assertThat(pricing.price(deployment("gpt-4o", null, null, 0.1))).isEqualTo(new Price(2.50, 10.00, 0.1));
    }

    @Test
    void aModelTheTableLacksIsPricedByItsConfigAlone() {
        DeploymentConfig d = deployment("my-azure-gpt4o", 2.5, 10.0, null);
        assertThat(pricing.price(d)).isEqualTo(new Price(2.5, 10.0, null));
        assertThat(pricing.cost(d, new Usage(1_000, 100, 200)))
                .isCloseTo((1_000 * 2.5 + 100 * 10.0) / 1e6, within(1e-12));
        // a side nobody priced counts as free rather than making the whole answer unknown
        assertThat(pricing.price(deployment("my-embedder", 0.1, null, null))).isEqualTo(new Price(0.1, 0, null));
        assertThat(pricing.unknownCostCounts()).isEmpty();
        assertThat(logs()).doesNotContain("no price");
    }

    @Test
    void aModelWithoutAPriceCostsZeroWarnsOnceAndIsCounted() {
        DeploymentConfig d = deployment("mystery-model-x");
        assertThat(pricing.price(d)).isNull();
        assertThat(pricing.cost(d, new Usage(100, 10, 0))).isZero();
        assertThat(pricing.cost(d, new Usage(100, 10, 0))).isZero();
        assertThat(pricing.cost(d, Usage.NONE)).isZero();
        pricing.cost(deployment("gpt-4o"), new Usage(1, 1, 0));

        assertThat(pricing.unknownCostCount("mystery-model-x")).isEqualTo(3);
        assertThat(pricing.unknownCostCount("gpt-4o")).isZero();
        assertThat(pricing.unknownCostCounts()).isEqualTo(Map.of("mystery-model-x", 3L));
        String warning = "no price for model mystery-model-x: its requests cost 0; set"
                + " input_cost_per_million/output_cost_per_million on the deployment";
        String logs = logs();
        assertThat(logs.lines().filter(l -> l.contains(warning))).hasSize(1);
        assertThat(logs.lines().filter(l -> l.contains(warning))).allMatch(l -> l.contains("\"level\":\"warn\""));
    }

    @Test
    void eachUnpricedModelWarnsOnItsOwn() {
        pricing.cost(deployment("mystery-a"), Usage.NONE);
        pricing.cost(deployment("mystery-b"), Usage.NONE);
        pricing.cost(deployment("mystery-a"), Usage.NONE);
        String logs = logs();
        assertThat(logs.lines().filter(l -> l.contains("no price for model mystery-a")))
                .hasSize(1);
        assertThat(logs.lines().filter(l -> l.contains("no price for model mystery-b")))
                .hasSize(1);
    }

    @Test
    void usdAmountsArePlainDecimals() {
        assertThat(Usd.plain(0)).isEqualTo("0");
        assertThat(Usd.plain(-1)).isEqualTo("0");
        assertThat(Usd.plain(Double.NaN)).isEqualTo("0");
        assertThat(Usd.plain(0.000123)).isEqualTo("0.000123");
        assertThat(Usd.plain(1e-9)).isEqualTo("0.000000001");
        assertThat(Usd.plain(12.5)).isEqualTo("12.5");
        assertThat(Usd.plain(3)).isEqualTo("3");
        assertThat(Usd.plain(0.1 + 0.2)).isEqualTo("0.3");
    }
}
