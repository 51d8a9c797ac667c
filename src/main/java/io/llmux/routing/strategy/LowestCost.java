package io.llmux.routing.strategy;

import io.llmux.config.DeploymentConfig;
import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import io.llmux.spend.Price;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * {@code lowest-cost}: the deployment where this request is expected to cost least, its estimated prompt tokens at
 * the input price plus its expected answer at the output price. Prices are those spend uses (the deployment's own
 * from config, else the built-in table's). A deployment without a price ranks after every priced one: it may well be
 * dear, and "unknown" must not win as if it were free.
 */
public final class LowestCost implements Strategy {
    private final Function<DeploymentConfig, Price> prices;
    private final Supplier<RandomGenerator> random;

    /** @param prices a deployment's price in force, null when unknown ({@code Pricing::price}) */
    public LowestCost(Function<DeploymentConfig, Price> prices, Supplier<RandomGenerator> random) {
        this.prices = prices;
        this.random = random;
    }

    @Override
    public Deployment pick(List<Deployment> candidates, Exchange ex, Map<String, DeploymentStats> stats) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        long promptTokens = ex.promptEstimate();
        long completionTokens = ex.completionEstimate();
        double cheapest = Double.POSITIVE_INFINITY;
        List<Deployment> cheapestOnes = new ArrayList<>();
        List<Deployment> unpriced = new ArrayList<>();
        for (Deployment d : candidates) {
            Price p = prices.apply(d.model());
            if (p == null) {
                unpriced.add(d);
                continue;
            }
            // per million, like the prices; only the order matters here
            double cost = promptTokens * p.input() + completionTokens * p.output();
            if (cost < cheapest) {
                cheapest = cost;
                cheapestOnes.clear();
            }
            if (cost == cheapest) {
                cheapestOnes.add(d);
            }
        }
        return Weighted.any(cheapestOnes.isEmpty() ? unpriced : cheapestOnes, random.get());
    }
}
