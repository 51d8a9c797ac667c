package io.llmux.spend;

import io.llmux.config.DeploymentConfig;
import io.llmux.telemetry.Log;
import io.llmux.wire.Usage;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What an answer cost (SPEC §5 Cost): its tokens at the deployment's price, which is the deployment's own prices
 * from config where given and the built-in table's for the rest. A model with no price at all costs 0: that is
 * logged once per model and counted, never an error, so a missing price cannot fail a request.
 */
public final class Pricing {
    private static final double PER_MILLION = 1_000_000d;

    private final PriceTable table;
    private final Log log;
    private final Map<String, LongAdder> unpriced = new ConcurrentHashMap<>();

    public Pricing(PriceTable table, Log log) {
        this.table = table;
        this.log = log;
    }

    /**
     * The price in force for a deployment, or null when neither its config nor the table has one. A price given
     * in config wins over the table's; one not given comes from the table, so overriding only the input price
     * keeps the table's output and cached-input prices.
     */
    public Price price(DeploymentConfig d) {
        Price listed = table.find(d.model());
        Double input = firstOf(d.inputCostPerMillion(), listed == null ? null : listed.input());
        Double output = firstOf(d.outputCostPerMillion(), listed == null ? null : listed.output());
        if (input == null && output == null) {
            return null;
        }
        Double cached = firstOf(d.cachedInputCostPerMillion(), listed == null ? null : listed.cachedInput());
        // a deployment priced only in part (a model the table lacks): the side nobody priced counts as free
        return new Price(input == null ? 0 : input, output == null ? 0 : output, cached);
    }

    /**
     * USD for one answer: uncached prompt tokens at the input price, cached ones at the cached-input price (the
     * input price when there is none), completion tokens at the output price. Usage follows OpenAI, whose prompt
     * count includes the cached tokens.
     */
    public double cost(DeploymentConfig d, Usage usage) {
        Price p = price(d);
        if (p == null) {
            unpriced(d.model());
            return 0;
        }
        return cost(p, usage);
    }

    /**
     * USD a request would cost on a deployment, for budget reservations: 0 when it has no price (an unpriced
     * answer costs 0 too, and the warning comes when one is actually priced).
     */
    public double estimate(DeploymentConfig d, long promptTokens, long completionTokens) {
        Price p = price(d);
        return p == null ? 0 : cost(p, new Usage(promptTokens, completionTokens, 0));
    }

    static double cost(Price p, Usage usage) {
        long prompt = Math.max(0, usage.promptTokens());
        long cached = Math.min(prompt, Math.max(0, usage.cachedTokens()));
        long completion = Math.max(0, usage.completionTokens());
        return ((prompt - cached) * p.input() + cached * p.cachedInputOrInput() + completion * p.output())
                / PER_MILLION;
    }

    /** Answers of {@code model} (upstream name) that cost 0 for want of a price; for {@code cost_unknown_total}. */
    public long unknownCostCount(String model) {
        LongAdder n = unpriced.get(model);
        return n == null ? 0 : n.sum();
    }

    /** Every model that had answers without a price, with their counts, by name. */
    public Map<String, Long> unknownCostCounts() {
        Map<String, Long> out = new TreeMap<>();
        unpriced.forEach((model, n) -> out.put(model, n.sum()));
        return out;
    }

    private void unpriced(String model) {
        // the warning goes out when the model is first seen; the map's keys are the config's models, so bounded
        unpriced.computeIfAbsent(model, m -> {
                    log.warn(
                            "no price for model " + m + ": its requests cost 0; set"
                                    + " input_cost_per_million/output_cost_per_million on the deployment",
                            "model",
                            m);
                    return new LongAdder();
                })
                .increment();
    }

    private static Double firstOf(Double configured, Double listed) {
        return configured != null ? configured : listed;
    }
}
