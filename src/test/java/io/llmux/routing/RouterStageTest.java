package io.llmux.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.config.RoutingConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.Exchange;
import io.llmux.pipeline.Reply;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Failure;
import io.llmux.provider.Provider;
import io.llmux.provider.ProviderFailure;
import io.llmux.routing.state.DeploymentStats;
import io.llmux.routing.state.LocalRoutingState;
import io.llmux.routing.state.RoutingState;
import io.llmux.routing.strategy.SimpleShuffle;
import io.llmux.wire.Json;
import io.llmux.wire.RequestShape;
import io.llmux.wire.Usage;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** SPEC §6 as far as this version goes: groups, aliases, standbys, retries on another deployment, write timeout. */
class RouterStageTest {
    private final AtomicLong clock = new AtomicLong();
    private final List<String> calls = new ArrayList<>();

    /** A provider that answers or fails as told, and records that it was called. */
    private final class Scripted implements Provider {
        private final ProviderConfig config;
        private final Failure fails;
        private final long takesNanos;

        Scripted(String name, String missingKey, Failure fails, long takesNanos) {
            this.config = new ProviderConfig(
                    name,
                    ProviderType.OPENAI,
                    "k",
                    missingKey,
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
            this.fails = fails;
            this.takesNanos = takesNanos;
        }

        @Override
        public ProviderConfig config() {
            return config;
        }

        @Override
        public Answer call(Call call) throws ProviderFailure {
            calls.add(config.name());
            clock.addAndGet(takesNanos);
            if (fails != null) {
                throw new ProviderFailure(fails, 500, "boom from " + config.name(), null, null, null, null);
            }
            return new Answer.Whole(
                    ("{\"from\":\"" + config.name() + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    new Usage(1, 2, 0));
        }

        @Override
        public void close() {}
    }

    private RouterStage router(RoutingConfig routing, Duration writeTimeout, Deployment... deployments) {
        return router(
                routing,
                writeTimeout,
                new io.llmux.routing.state.LocalRoutingState(java.time.Clock.systemUTC()),
                deployments);
    }

    private static ModelGroups groups(Deployment... deployments) {
        Map<String, ModelGroup> groups = new LinkedHashMap<>();
        groups.put("g", new ModelGroup("g", List.of(deployments)));
        return new ModelGroups(groups, Map.of("alias", "g"));
    }

    private RouterStage router(
            RoutingConfig routing, Duration writeTimeout, RoutingState state, Deployment... deployments) {
        return new RouterStage(
                groups(deployments),
                new SimpleShuffle(() -> new Random(1)),
                routing,
                state,
                writeTimeout,
                java.time.Clock.systemUTC(),
                clock::get,
                () -> new Random(1),
                d -> {},
                new io.llmux.telemetry.GatewayMetrics(io.llmux.telemetry.GatewayMetrics.Sources.none()));
    }

    private RouterStage router(Deployment... deployments) {
        return router(RoutingConfig.defaults(), Duration.ofMinutes(2), deployments);
    }

    private Deployment deployment(Provider p, double weight) {
        return new Deployment(
                p, new DeploymentConfig("g", "m", weight, null, null, List.of(), null, null, null, null, true));
    }

    private static Exchange exchange(String model) {
        Exchange ex = new Exchange("r", Endpoint.CHAT, new byte[0], h -> null, 0);
        ex.accept(
                Json.MAPPER.createObjectNode().put("model", model),
                new RequestShape(model, false, false, List.of(), RequestShape.CacheControl.NONE));
        return ex;
    }

    private static String body(Reply reply) {
        return new String(((Reply.Json) reply).body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void unknownModelIs404() {
        RouterStage r = router(deployment(new Scripted("a", null, null, 0), 1));
        assertThatThrownBy(() -> r.handle(exchange("nope"), null))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.code()).isEqualTo("model_not_found"));
    }

    @Test
    void aliasesResolveToTheGroup() throws Exception {
        Exchange ex = exchange("alias");
        router(deployment(new Scripted("a", null, null, 0), 1)).handle(ex, null);
        assertThat(ex.model()).isEqualTo("g");
        assertThat(ex.responseHeaders()).containsEntry("x-llmux-deployment", "a/m");
        assertThat(ex.usage().completionTokens()).isEqualTo(2);
    }

    /** Local state that counts its stats reads and can say a deployment is cooling down. */
    private static final class CountingState implements RoutingState {
        final RoutingState local = new LocalRoutingState(Clock.systemUTC());
        final AtomicInteger reads = new AtomicInteger();
        volatile String cooling;

        @Override
        public Lease start(String deploymentId, long estimatedTokens) {
            return local.start(deploymentId, estimatedTokens);
        }

        @Override
        public boolean failed(String deploymentId, String error, boolean coolNow, int allowedFails, Instant until) {
            return local.failed(deploymentId, error, coolNow, allowedFails, until);
        }

        @Override
        public void setCooldown(String deploymentId, Instant until, String reason) {
            local.setCooldown(deploymentId, until, reason);
        }

        @Override
        public void close() {
            local.close();
        }

        @Override
        public Map<String, DeploymentStats> stats(List<String> deploymentIds) {
            reads.incrementAndGet();
            Map<String, DeploymentStats> stats = new LinkedHashMap<>(local.stats(deploymentIds));
            if (cooling != null) {
                stats.put(cooling, new DeploymentStats(Instant.now().plusSeconds(60), "cool", Double.NaN, 0, 0, 0));
            }
            return stats;
        }
    }

    @Test
    void theFirstPickUsesTheStatsReadAheadAndARetryReadsAfresh() throws Exception {
        CountingState state = new CountingState();
        Deployment bad = deployment(new Scripted("bad", null, Failure.TRANSIENT, 0), 1e9);
        Deployment good = deployment(new Scripted("good", null, null, 0), 1e-9);
        Exchange ex = exchange("g");
        new StatsPrefetchStage(groups(bad, good), state, false).handle(ex, e -> null);
        assertThat(ex.statsPrefetch().deploymentIds()).containsExactly("bad/m", "good/m");

        Reply reply = router(RoutingConfig.defaults(), Duration.ofMinutes(2), state, bad, good)
                .handle(ex, null);

        assertThat(body(reply)).contains("good");
        assertThat(state.reads).as("the read ahead, then the retry's own").hasValue(2);
        assertThat(ex.statsPrefetch()).as("taken once").isNull();
    }

    @Test
    void whatTheReadAheadSawDecidesTheFirstPick() throws Exception {
        CountingState state = new CountingState();
        Deployment heavy = deployment(new Scripted("heavy", null, null, 0), 1e9);
        Deployment light = deployment(new Scripted("light", null, null, 0), 1e-9);
        Exchange ex = exchange("g");
        state.cooling = "heavy/m";
        new StatsPrefetchStage(groups(heavy, light), state, false).handle(ex, e -> null);
        ex.statsPrefetch().stats().get();
        state.cooling = null; // cooled when read ahead; a read now would pick heavy

        router(RoutingConfig.defaults(), Duration.ofMinutes(2), state, heavy, light)
                .handle(ex, null);

        assertThat(calls).containsExactly("light");
        assertThat(state.reads).hasValue(1);
    }

    @Test
    void aReadAheadForOtherDeploymentsIsNotUsed() throws Exception {
        CountingState state = new CountingState();
        Deployment a = deployment(new Scripted("a", null, null, 0), 1);
        Exchange ex = exchange("g");
        ex.statsPrefetch(StatsPrefetch.start(state, List.of("elsewhere/m")));
        ex.statsPrefetch().stats().get();

        router(RoutingConfig.defaults(), Duration.ofMinutes(2), state, a).handle(ex, null);

        assertThat(calls).containsExactly("a");
        assertThat(state.reads).as("the stray read ahead, and the router's own").hasValue(2);
    }

    @Test
    void theReadAheadAsksForWhatAFirstPickChoosesAmong() throws Exception {
        Deployment standby = deployment(new Scripted("standby", null, null, 0), 0);
        Deployment real = deployment(new Scripted("real", null, null, 0), 1);
        Deployment small = new Deployment(
                new Scripted("small", null, null, 0),
                new DeploymentConfig("g", "m", 1, null, null, List.of(), null, null, null, 1L, true));
        Exchange ex = new Exchange("r", Endpoint.CHAT, new byte[0], h -> null, 0);
        ex.accept(
                Json.MAPPER
                        .createObjectNode()
                        .put("model", "g")
                        .set(
                                "messages",
                                Json.MAPPER
                                        .createArrayNode()
                                        .add(Json.MAPPER
                                                .createObjectNode()
                                                .put("role", "user")
                                                .put("content", "a prompt of more than one token"))),
                new RequestShape("g", false, false, List.of(), RequestShape.CacheControl.NONE));

        new StatsPrefetchStage(groups(standby, real, small), new CountingState(), false).handle(ex, e -> null);

        assertThat(ex.promptEstimate()).isGreaterThan(1);
        assertThat(ex.statsPrefetch().deploymentIds())
                .as("no standby while a real deployment is usable, none the prompt does not fit")
                .containsExactly("real/m");
        Exchange unknown = exchange("nope");
        new StatsPrefetchStage(groups(real), new CountingState(), false).handle(unknown, e -> null);
        assertThat(unknown.statsPrefetch()).isNull();
    }

    @Test
    void noReadAheadForARequestTheCacheMayAnswer() throws Exception {
        CountingState state = new CountingState();
        Deployment cached = deployment(new Scripted("a", null, null, 0), 1);
        Exchange lookedUp = exchange("g");
        new StatsPrefetchStage(groups(cached), state, true).handle(lookedUp, e -> null);
        assertThat(lookedUp.statsPrefetch()).as("a hit would never read it").isNull();

        Exchange noCache = new Exchange("r", Endpoint.CHAT, new byte[0], h -> null, 0);
        noCache.accept(
                Json.MAPPER.createObjectNode().put("model", "g"),
                new RequestShape("g", false, false, List.of(), new RequestShape.CacheControl(true, false, -1)));
        new StatsPrefetchStage(groups(cached), state, true).handle(noCache, e -> null);
        assertThat(noCache.statsPrefetch()).as("no-cache goes to the router").isNotNull();
        noCache.statsPrefetch().stats().get();

        Deployment uncached = new Deployment(
                new Scripted("b", null, null, 0),
                new DeploymentConfig("g", "m", 1, null, null, List.of(), null, null, null, null, false));
        Exchange bypassed = exchange("g");
        new StatsPrefetchStage(groups(uncached), state, true).handle(bypassed, e -> null);
        assertThat(bypassed.statsPrefetch()).as("a group kept out of the cache").isNotNull();
        bypassed.statsPrefetch().stats().get();
        assertThat(state.reads).as("only the two that go to the router").hasValue(2);
    }

    @Test
    void aTransientFailureIsRetriedOnAnotherDeployment() throws Exception {
        Exchange ex = exchange("g");
        Reply reply = router(
                        deployment(new Scripted("bad", null, Failure.TRANSIENT, 0), 1e9),
                        deployment(new Scripted("good", null, null, 0), 1e-9))
                .handle(ex, null);
        assertThat(body(reply)).contains("good");
        assertThat(calls).containsExactly("bad", "good");
        assertThat(ex.responseHeaders()).containsEntry("x-llmux-attempts", "2");
    }

    @Test
    void aRequestCausedFailureIsNeverRetried() {
        RouterStage r = router(
                deployment(new Scripted("bad", null, Failure.CALLER, 0), 1e9),
                deployment(new Scripted("good", null, null, 0), 1e-9));
        assertThatThrownBy(() -> r.handle(exchange("g"), null)).isInstanceOf(GatewayException.class);
        assertThat(calls).containsExactly("bad");
    }

    @Test
    void aRefusedCredentialIsNeverTriedAgainButAnotherDeploymentIs() throws Exception {
        RouterStage alone = router(deployment(new Scripted("refused", null, Failure.AUTH, 0), 1));
        assertThatThrownBy(() -> alone.handle(exchange("g"), null))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.code()).isEqualTo("provider_auth_error"));
        assertThat(calls).containsExactly("refused");

        calls.clear();
        Reply reply = router(
                        deployment(new Scripted("refused", null, Failure.AUTH, 0), 1e9),
                        deployment(new Scripted("good", null, null, 0), 1e-9))
                .handle(exchange("g"), null);
        assertThat(body(reply)).contains("good");
        assertThat(calls).containsExactly("refused", "good");
    }

    @Test
    void retriesStopAtRetryCount() {
        RoutingConfig once = new RoutingConfig(
                RoutingConfig.defaults().strategy(),
                true,
                0,
                Duration.ZERO,
                Duration.ZERO,
                3,
                Duration.ofSeconds(1),
                0.1,
                Map.of(),
                Map.of(),
                Map.of(),
                null);
        RouterStage r = router(
                once,
                Duration.ofMinutes(2),
                deployment(new Scripted("bad", null, Failure.TRANSIENT, 0), 1e9),
                deployment(new Scripted("good", null, null, 0), 1e-9));
        assertThatThrownBy(() -> r.handle(exchange("g"), null))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.status()).isEqualTo(502));
        assertThat(calls).containsExactly("bad");
    }

    @Test
    void noRetryStartsPastTheWriteTimeout() {
        RouterStage r = router(
                RoutingConfig.defaults(),
                Duration.ofSeconds(1),
                deployment(
                        new Scripted(
                                "slow",
                                null,
                                Failure.TIMEOUT,
                                Duration.ofSeconds(2).toNanos()),
                        1e9),
                deployment(new Scripted("good", null, null, 0), 1e-9));
        assertThatThrownBy(() -> r.handle(exchange("g"), null))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.status()).isEqualTo(504));
        assertThat(calls).containsExactly("slow");
    }

    @Test
    void aStandbyAnswersOnlyWhenNothingElseIsUsable() throws Exception {
        Deployment standby = deployment(new Scripted("standby", null, null, 0), 0);
        assertThat(body(router(deployment(new Scripted("real", "REAL_KEY", null, 0), 1), standby)
                        .handle(exchange("g"), null)))
                .contains("standby");
        calls.clear();
        RouterStage r = router(deployment(new Scripted("real", null, Failure.TRANSIENT, 0), 1), standby);
        assertThatThrownBy(() -> r.handle(exchange("g"), null)).isInstanceOf(GatewayException.class);
        // retried on itself, 1 + retry_count (3) attempts, which count as one failure of allowed_fails; never on the
        // standby
        assertThat(calls)
                .as("a failing real deployment is never retried on the standby")
                .containsExactly("real", "real", "real", "real");
    }

    @Test
    void aGroupWithNoUsableProviderIs503NamingTheMissingKey() {
        RouterStage r = router(deployment(new Scripted("a", "OPENAI_API_KEY", null, 0), 1));
        assertThatThrownBy(() -> r.handle(exchange("g"), null)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.getMessage()).contains("OPENAI_API_KEY").contains(".env");
        });
        assertThat(calls).isEmpty();
    }
}
