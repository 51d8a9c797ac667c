package io.llmux.routing.strategy;

import static io.llmux.routing.strategy.Candidates.chat;
import static io.llmux.routing.strategy.Candidates.deployment;
import static io.llmux.routing.strategy.Candidates.minute;
import static io.llmux.routing.strategy.Candidates.model;
import static io.llmux.routing.strategy.Candidates.picks;
import static io.llmux.routing.strategy.Candidates.plain;
import static io.llmux.routing.strategy.Candidates.request;
import static io.llmux.routing.strategy.Candidates.seeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.pipeline.Exchange;
import io.llmux.routing.Deployment;
import io.llmux.wire.TokenEstimate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §6 {@code lowest-tpm-rpm}. */
class LowestTpmRpmTest {
    private final Clock clock = Clock.fixed(Instant.parse("2025-03-01T12:00:45.250Z"), ZoneOffset.UTC);
    private final LowestTpmRpm strategy = new LowestTpmRpm(clock, seeded(3));

    private final ObjectNode body = chat("How far is the moon?", 1000);
    private final Exchange ex = request(body, List.of());
    private final long estimate = TokenEstimate.prompt(body) + TokenEstimate.completion(body);

    private static Deployment limited(String provider, Long rpm, Long tpm) {
        return deployment(provider, model(1, rpm, tpm, List.of()));
    }

    @Test
    void theLowestCurrentMinuteTokenUseWins() throws GatewayException {
        var c = picks(
                strategy,
                List.of(plain("a"), plain("b"), plain("c")),
                ex,
                Map.of("a/m", minute(1, 900), "b/m", minute(50, 300), "c/m", minute(2, 301)),
                500);
        assertThat(c).containsOnlyKeys("b");
    }

    @Test
    void tiesAreBrokenAtRandom() throws GatewayException {
        var c = picks(strategy, List.of(plain("a"), plain("b")), ex, Map.of(), 4000);
        assertThat(c.get("a")).isBetween(1800, 2200);
    }

    @Test
    void aDeploymentThatReachedItsRpmIsSkipped() throws GatewayException {
        List<Deployment> ds = List.of(limited("a", 10L, null), limited("b", 10L, null));
        var c = picks(strategy, ds, ex, Map.of("a/m", minute(10, 0), "b/m", minute(9, 50_000)), 200);
        assertThat(c).containsOnlyKeys("b");
    }

    @Test
    void thisRequestsOwnEstimatedTokensCountAgainstTpm() throws GatewayException {
        // a uses fewer tokens, but this request would take it one token past its tpm
        List<Deployment> ds = List.of(limited("a", null, 10_000L), limited("b", null, 100_000L));
        var over = Map.of("a/m", minute(1, 10_000 - estimate + 1), "b/m", minute(1, 20_000));
        assertThat(picks(strategy, ds, ex, over, 200)).containsOnlyKeys("b");

        // exactly at the limit still fits
        var atLimit = Map.of("a/m", minute(1, 10_000 - estimate), "b/m", minute(1, 20_000));
        assertThat(picks(strategy, ds, ex, atLimit, 200)).containsOnlyKeys("a");
    }

    @Test
    void aDeploymentWithoutRpmOrTpmIsUnlimited() throws GatewayException {
        List<Deployment> ds = List.of(limited("capped", 5L, 5_000L), plain("free"));
        var c = picks(strategy, ds, ex, Map.of("capped/m", minute(5, 0), "free/m", minute(1_000_000, 9_000_000)), 200);
        assertThat(c).containsOnlyKeys("free");
    }

    @Test
    void noneLeftIs429NamingTheGroupAndLimitsWithRetryAfterUntilTheNextMinute() {
        List<Deployment> ds = List.of(limited("a", 10L, null), limited("b", null, 2_000L));
        GatewayException e = catchThrowableOfType(
                GatewayException.class,
                () -> strategy.pick(ds, ex, Map.of("a/m", minute(10, 0), "b/m", minute(3, 1_500))));

        assertThat(e.status()).isEqualTo(429);
        assertThat(e.type()).isEqualTo("rate_limit_error");
        // 12:00:45.250 → the minute turns in 14.75 s
        assertThat(e.retryAfter()).isEqualTo(Duration.ofMillis(14_750));
        assertThat(e.getMessage())
                .contains("model 'g'")
                .contains("about " + estimate + " tokens")
                .contains("a/m used 10 requests (rpm 10) and 0 tokens (no tpm)")
                .contains("b/m used 3 requests (no rpm) and 1500 tokens (tpm 2000)")
                .contains("15 s");
    }

    @Test
    void aSingleCandidateOverItsLimitsIs429Too() {
        GatewayException e = catchThrowableOfType(
                GatewayException.class,
                () -> strategy.pick(List.of(limited("a", 1L, null)), ex, Map.of("a/m", minute(1, 0))));
        assertThat(e.status()).isEqualTo(429);
    }

    @Test
    void aSingleCandidateUnderItsLimitsIsReturned() throws GatewayException {
        Deployment only = limited("only", 10L, 100_000L);
        assertThat(strategy.pick(List.of(only), ex, Map.of("only/m", minute(9, 0))))
                .isSameAs(only);
    }
}
