package io.llmux.routing.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.provider.UnavailableProvider;
import io.llmux.routing.Deployment;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SimpleShuffleTest {
    private final SimpleShuffle shuffle = new SimpleShuffle(() -> new Random(42));

    private static Deployment deployment(String provider, double weight, Long rpm) {
        ProviderConfig pc = new ProviderConfig(
                provider,
                ProviderType.OPENAI,
                "k",
                null,
                URI.create("http://x"),
                null,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                1,
                Map.of(),
                1,
                List.of(),
                List.of(),
                null);
        DeploymentConfig dc =
                new DeploymentConfig("g", "m", weight, rpm, null, List.of(), null, null, null, null, true);
        return new Deployment(new UnavailableProvider(pc, "test"), dc);
    }

    private Map<String, Integer> picks(List<Deployment> ds, int n) {
        SimpleShuffle s = new SimpleShuffle(new java.util.function.Supplier<>() {
            final Random r = new Random(7);

            @Override
            public java.util.random.RandomGenerator get() {
                return r;
            }
        });
        Map<String, Integer> count = new HashMap<>();
        for (int i = 0; i < n; i++) {
            count.merge(s.pick(ds, null, Map.of()).provider().config().name(), 1, Integer::sum);
        }
        return count;
    }

    @Test
    void weightsSplitTraffic() {
        Map<String, Integer> c = picks(List.of(deployment("a", 1, null), deployment("b", 3, null)), 8000);
        assertThat(c.get("b") / (double) c.get("a")).isBetween(2.6, 3.4);
    }

    @Test
    void equalWeightsFallBackToRpm() {
        Map<String, Integer> c = picks(List.of(deployment("a", 1, 100L), deployment("b", 1, 300L)), 8000);
        assertThat(c.get("b") / (double) c.get("a")).isBetween(2.6, 3.4);
    }

    @Test
    void aZeroWeightIsAStandbyNeverPickedBesideOthers() {
        Map<String, Integer> c = picks(List.of(deployment("standby", 0, null), deployment("real", 1, null)), 2000);
        assertThat(c).containsOnlyKeys("real");
    }

    @Test
    void standbysAloneArePickedUniformly() {
        Map<String, Integer> c = picks(List.of(deployment("s1", 0, null), deployment("s2", 0, null)), 2000);
        assertThat(c.get("s1")).isBetween(800, 1200);
    }

    @Test
    void aSingleCandidateIsReturned() {
        Deployment only = deployment("only", 0, null);
        assertThat(shuffle.pick(List.of(only), null, Map.of())).isSameAs(only);
    }

    @Test
    void withoutWeightsOrRpmTpmSplitsTraffic() {
        List<Deployment> ds = List.of(
                Candidates.deployment("a", Candidates.model(1, null, 1_000L, List.of())),
                Candidates.deployment("b", Candidates.model(1, null, 3_000L, List.of())));
        Map<String, Integer> c = picks(ds, 8000);
        assertThat(c.get("b") / (double) c.get("a")).isBetween(2.6, 3.4);
    }
}
