package io.llmux.routing.strategy;

import io.llmux.config.RoutingConfig;
import io.llmux.spend.Pricing;
import java.time.Clock;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/** The strategy {@code routing.strategy} names (SPEC §6). */
public final class Strategies {
    private Strategies() {}

    /**
     * @param pricing the prices spend uses, for {@code lowest-cost}
     * @param random the random source of every random pick and tie-break
     * @param clock the wall clock, for {@code lowest-tpm-rpm}'s Retry-After at the turn of the minute
     */
    public static Strategy of(RoutingConfig routing, Pricing pricing, Supplier<RandomGenerator> random, Clock clock) {
        return switch (routing.strategy()) {
            case SIMPLE_SHUFFLE -> new SimpleShuffle(random);
            case LOWEST_LATENCY -> new LowestLatency(routing.lowestLatencyBuffer(), random);
            case LEAST_BUSY -> new LeastBusy(random);
            case LOWEST_TPM_RPM -> new LowestTpmRpm(clock, random);
            case LOWEST_COST -> new LowestCost(pricing::price, random);
            case TAG_BASED -> new TagBased(random);
        };
    }
}
