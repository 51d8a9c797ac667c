package io.llmux.routing.strategy;

import static io.llmux.routing.strategy.Candidates.chat;
import static io.llmux.routing.strategy.Candidates.deployment;
import static io.llmux.routing.strategy.Candidates.model;
import static io.llmux.routing.strategy.Candidates.picks;
import static io.llmux.routing.strategy.Candidates.request;
import static io.llmux.routing.strategy.Candidates.seeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.llmux.GatewayException;
import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §6 {@code tag-based}. */
class TagBasedTest {
    private final TagBased strategy = new TagBased(seeded(13));

    private static Deployment tagged(String provider, double weight, String... tags) {
        return deployment(provider, model(weight, null, null, List.of(tags)));
    }

    private static Exchange tags(String... tags) {
        return request(chat("hi", 0), List.of(tags));
    }

    private Map<String, Integer> run(List<Deployment> ds, Exchange ex, int n) throws GatewayException {
        return picks(strategy, ds, ex, Map.of(), n);
    }

    private final Deployment fast = tagged("fast", 1, "fast");
    private final Deployment cheap = tagged("cheap", 1, "cheap", "batch");
    private final Deployment plain = tagged("plain", 1);
    private final Deployment fallback = tagged("fallback", 1, "default");

    @Test
    void onlyDeploymentsSharingATagWithTheRequest() throws GatewayException {
        List<Deployment> ds = List.of(fast, cheap, plain, fallback);
        assertThat(run(ds, tags("fast"), 300)).containsOnlyKeys("fast");
        assertThat(run(ds, tags("batch", "gpu"), 300)).containsOnlyKeys("cheap");
        assertThat(run(ds, tags("fast", "cheap"), 300)).containsOnlyKeys("fast", "cheap");
    }

    @Test
    void whenNoneDoesDeploymentsTaggedDefault() throws GatewayException {
        assertThat(run(List.of(fast, plain, fallback), tags("gpu"), 300)).containsOnlyKeys("fallback");
    }

    @Test
    void whenThereAreNone400NamingTheTags() {
        GatewayException e = catchThrowableOfType(
                GatewayException.class, () -> strategy.pick(List.of(fast, cheap, plain), tags("gpu", "eu"), Map.of()));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.type()).isEqualTo("invalid_request_error");
        assertThat(e.param()).isEqualTo("metadata.tags");
        assertThat(e.getMessage())
                .contains("model 'g'")
                .contains("[gpu, eu]")
                .contains("the tags of its deployments are [batch, cheap, fast]")
                .contains("'default'");
    }

    @Test
    void aGroupWithoutAnyTagsSaysSo() {
        GatewayException e = catchThrowableOfType(
                GatewayException.class, () -> strategy.pick(List.of(plain), tags("gpu"), Map.of()));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains("its deployments have no tags");
    }

    @Test
    void untaggedRequestsGoToDefaultTaggedDeployments() throws GatewayException {
        assertThat(run(List.of(fast, plain, fallback), tags(), 300)).containsOnlyKeys("fallback");
    }

    @Test
    void untaggedRequestsWithoutDefaultTaggedDeploymentsUseTheWholeGroup() throws GatewayException {
        var c = run(List.of(fast, cheap, plain), tags(), 6000);
        assertThat(c.values()).allSatisfy(n -> assertThat(n).isBetween(1800, 2200));
    }

    @Test
    void weightedRandomAmongTheChosen() throws GatewayException {
        List<Deployment> ds = List.of(tagged("light", 1, "fast"), tagged("heavy", 3, "fast"), tagged("other", 50));
        var c = run(ds, tags("fast"), 8000);
        assertThat(c).containsOnlyKeys("light", "heavy");
        assertThat(c.get("heavy") / (double) c.get("light")).isBetween(2.6, 3.4);
    }

    @Test
    void aZeroWeightStandbyAmongTheChosenIsPickedOnlyAlone() throws GatewayException {
        Deployment standby = tagged("standby", 0, "default");
        assertThat(run(List.of(standby, fallback), tags(), 2000)).containsOnlyKeys("fallback");
        assertThat(run(List.of(standby, fast), tags("gpu"), 50)).containsOnlyKeys("standby");
    }

    @Test
    void aSingleCandidateIsReturnedWhenItMatches() throws GatewayException {
        assertThat(strategy.pick(List.of(fast), tags("fast"), Map.of())).isSameAs(fast);
        assertThat(strategy.pick(List.of(plain), tags(), Map.of())).isSameAs(plain);
    }
}
