package io.llmux.routing.strategy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.config.RoutingConfig;
import io.llmux.config.RoutingStrategy;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.Exchange;
import io.llmux.provider.UnavailableProvider;
import io.llmux.routing.Deployment;
import io.llmux.routing.state.DeploymentStats;
import io.llmux.wire.Json;
import io.llmux.wire.RequestShape;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/** Deployments of group {@code g}, requests and stats for the strategy tests; a deployment's id is {@code name/m}. */
final class Candidates {
    static final String GROUP = "g";

    private Candidates() {}

    static Deployment deployment(String provider, DeploymentConfig model) {
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
        return new Deployment(new UnavailableProvider(pc, "test"), model);
    }

    static Deployment plain(String provider) {
        return deployment(provider, model(1, null, null, List.of()));
    }

    static DeploymentConfig model(double weight, Long rpm, Long tpm, List<String> tags) {
        return new DeploymentConfig(GROUP, "m", weight, rpm, tpm, tags, null, null, null, null, true);
    }

    /** A chat request; {@code tags} as the request stage read them. */
    static Exchange request(ObjectNode body, List<String> tags) {
        Exchange ex = new Exchange("r", Endpoint.CHAT, new byte[0], h -> null, 0);
        ex.accept(
                body.put("model", GROUP), new RequestShape(GROUP, false, false, tags, RequestShape.CacheControl.NONE));
        return ex;
    }

    static Exchange request() {
        return request(chat("hello", 0), List.of());
    }

    /** A chat body with one user message; {@code maxTokens} 0 leaves the limit unset. */
    static ObjectNode chat(String text, int maxTokens) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        if (maxTokens > 0) {
            body.put("max_tokens", maxTokens);
        }
        return body;
    }

    static DeploymentStats latency(double millis) {
        return new DeploymentStats(null, null, millis, 0, 0, 0);
    }

    static DeploymentStats inFlight(long n) {
        return new DeploymentStats(null, null, Double.NaN, n, 0, 0);
    }

    static DeploymentStats minute(long requests, long tokens) {
        return new DeploymentStats(null, null, Double.NaN, 0, requests, tokens);
    }

    /** One seeded generator for the whole run, so repeated picks draw different numbers. */
    static Supplier<RandomGenerator> seeded(long seed) {
        RandomGenerator rnd = new java.util.Random(seed);
        return () -> rnd;
    }

    /** How often each provider is picked in {@code n} picks. */
    static Map<String, Integer> picks(
            Strategy strategy, List<Deployment> ds, Exchange ex, Map<String, DeploymentStats> stats, int n)
            throws GatewayException {
        Map<String, Integer> count = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            count.merge(strategy.pick(ds, ex, stats).provider().config().name(), 1, Integer::sum);
        }
        return count;
    }

    /** The default routing section with another strategy. */
    static RoutingConfig routing(RoutingStrategy strategy) {
        RoutingConfig d = RoutingConfig.defaults();
        return new RoutingConfig(
                strategy,
                d.fallbackEnabled(),
                d.retryCount(),
                d.retryBackoff(),
                d.retryMaxBackoff(),
                d.allowedFails(),
                d.cooldownPeriod(),
                d.lowestLatencyBuffer(),
                d.fallbacks(),
                d.contextWindowFallbacks(),
                d.aliases(),
                d.defaultProvider());
    }
}
