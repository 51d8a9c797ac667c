package io.llmux.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.Exchange;
import io.llmux.wire.Usage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
    private static final long MS = 1_000_000L;

    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong linesDropped = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong spillBytes = new AtomicLong();
    private final Map<String, Long> unpriced = new LinkedHashMap<>();
    private final Map<String, Boolean> health = new LinkedHashMap<>();
    private final AtomicLong redisErrors = new AtomicLong();
    private final GatewayMetrics metrics = new GatewayMetrics(new GatewayMetrics.Sources(
            dropped::get,
            linesDropped::get,
            queued::get,
            spillBytes::get,
            () -> unpriced,
            () -> health,
            Map.of("routing", redisErrors::get)));

    private PrometheusText scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.scrape(out);
        return PrometheusText.parse(out.toString(StandardCharsets.UTF_8));
    }

    private static Exchange answered(String deployment, Usage usage, double cost, long upstreamNanos) {
        Exchange ex = new Exchange("req-123", Endpoint.CHAT, new byte[0], h -> null, 0);
        ex.model("gpt-4o");
        ex.deployment(deployment);
        ex.usage(usage);
        ex.costUsd(cost);
        ex.addUpstreamNanos(upstreamNanos);
        return ex;
    }

    @Test
    void aFinishedRequestCountsItsStatusTimeTokensSpendAndOverhead() throws Exception {
        metrics.requestStarted();
        assertThat(scrape().value("llmux_inflight_requests")).isEqualTo(1);

        metrics.requestEnded(answered("openai/gpt-4o", new Usage(12, 30, 0), 0.25, 800 * MS), "gpt-4o", 200, 801 * MS);

        PrometheusText p = scrape();
        assertThat(p.value("llmux_inflight_requests")).isZero();
        assertThat(p.value("llmux_requests_total", "model", "gpt-4o", "provider", "openai", "status", "200"))
                .isEqualTo(1);
        assertThat(p.value("llmux_request_duration_seconds_count", "model", "gpt-4o", "provider", "openai"))
                .isEqualTo(1);
        assertThat(p.value("llmux_request_duration_seconds_sum", "model", "gpt-4o", "provider", "openai"))
                .isCloseTo(0.801, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(p.value("llmux_request_duration_seconds_bucket", "model", "gpt-4o", "le", "0.5"))
                .isZero();
        assertThat(p.value("llmux_request_duration_seconds_bucket", "model", "gpt-4o", "le", "1.0"))
                .isEqualTo(1);
        assertThat(p.value("llmux_tokens_total", "model", "gpt-4o", "type", "prompt"))
                .isEqualTo(12);
        assertThat(p.value("llmux_tokens_total", "model", "gpt-4o", "type", "completion"))
                .isEqualTo(30);
        assertThat(p.value("llmux_spend_usd_total", "model", "gpt-4o", "provider", "openai"))
                .isEqualTo(0.25);
        assertThat(p.value("llmux_gateway_overhead_seconds_count")).isEqualTo(1);
        assertThat(p.value("llmux_gateway_overhead_seconds_bucket", "le", "0.001"))
                .as("801 ms total, 800 ms upstream: 1 ms in the gateway")
                .isEqualTo(1);
        assertThat(p.value("llmux_gateway_overhead_seconds_bucket", "le", "5.0E-4"))
                .isZero();
    }

    @Test
    void aModelTheConfigDoesNotKnowIsUnknownAndAnUnroutedRequestHasNoProvider() throws Exception {
        Exchange ex = new Exchange("req-1", Endpoint.CHAT, new byte[0], h -> null, 0);
        ex.model("sk-looks-like-a-key");
        metrics.requestStarted();
        metrics.requestEnded(ex, null, 404, MS);
        metrics.requestStarted();
        metrics.requestEnded(null, null, 413, MS);

        PrometheusText p = scrape();
        assertThat(p.value("llmux_requests_total", "model", "unknown", "provider", "none", "status", "404"))
                .isEqualTo(1);
        assertThat(p.value("llmux_requests_total", "model", "unknown", "provider", "none", "status", "413"))
                .isEqualTo(1);
        assertThat(p.samples())
                .allSatisfy(s -> assertThat(s.labels().values()).doesNotContain("sk-looks-like-a-key", "req-1"));
        assertThat(p.find("llmux_time_to_first_token_seconds_count"))
                .as("no stream, no time-to-first-token series")
                .isEmpty();
    }

    @Test
    void failedAnswersCostNothingAndCacheHitsCountNoTokens() throws Exception {
        metrics.requestStarted();
        metrics.requestEnded(answered("openai/gpt-4o", new Usage(5, 0, 0), 0.5, MS), "gpt-4o", 502, 2 * MS);
        Exchange hit = answered("", new Usage(7, 9, 0), 0, 0);
        hit.cacheHit(true);
        metrics.requestStarted();
        metrics.requestEnded(hit, "gpt-4o", 200, MS);

        PrometheusText p = scrape();
        assertThat(p.sum("llmux_spend_usd_total")).isZero();
        assertThat(p.value("llmux_tokens_total", "provider", "none", "type", "prompt"))
                .isZero();
        assertThat(p.value("llmux_tokens_total", "provider", "openai", "type", "prompt"))
                .as("the upstream reported them; what they cost is another matter")
                .isEqualTo(5);
        assertThat(p.value("llmux_requests_total", "provider", "none", "status", "200"))
                .isEqualTo(1);
    }

    @Test
    void aStreamRecordsItsTimeToFirstTokenAndTheGatewaysShareOfIt() throws Exception {
        Exchange ex = answered("anthropic/claude", Usage.NONE, 0, 300 * MS);

        metrics.streamOpened(ex, 302 * MS);

        PrometheusText p = scrape();
        assertThat(p.value("llmux_time_to_first_token_seconds_count", "model", "gpt-4o", "provider", "anthropic"))
                .isEqualTo(1);
        assertThat(p.value("llmux_time_to_first_token_seconds_bucket", "provider", "anthropic", "le", "0.5"))
                .isEqualTo(1);
        assertThat(p.value("llmux_time_to_first_token_seconds_bucket", "provider", "anthropic", "le", "0.25"))
                .isZero();
        assertThat(p.value("llmux_gateway_overhead_seconds_bucket", "le", "0.0025"))
                .isEqualTo(1);
        assertThat(p.value("llmux_gateway_overhead_seconds_bucket", "le", "0.001"))
                .isZero();
    }

    @Test
    void routingCacheAndRateLimitEventsAreCounted() throws Exception {
        metrics.retried();
        metrics.retried();
        metrics.fellBack();
        metrics.cooldownStarted("openai/gpt-4o");
        metrics.rateLimited("key");
        metrics.rateLimited("key");
        metrics.rateLimited("team");
        GatewayMetrics.CacheCounts local = metrics.cacheCounts("local");
        local.hit().inc();
        local.miss().inc();
        local.miss().inc();

        PrometheusText p = scrape();
        assertThat(p.value("llmux_retries_total")).isEqualTo(2);
        assertThat(p.value("llmux_fallbacks_total")).isEqualTo(1);
        assertThat(p.value("llmux_deployment_cooldowns_total", "deployment", "openai/gpt-4o"))
                .isEqualTo(1);
        assertThat(p.value("llmux_rate_limited_total", "scope", "key")).isEqualTo(2);
        assertThat(p.value("llmux_rate_limited_total", "scope", "team")).isEqualTo(1);
        assertThat(p.value("llmux_cache_lookups_total", "layer", "local", "result", "hit"))
                .isEqualTo(1);
        assertThat(p.value("llmux_cache_lookups_total", "layer", "local", "result", "miss"))
                .isEqualTo(2);
    }

    @Test
    void countsKeptElsewhereAreReadWhenScraped() throws Exception {
        dropped.set(3);
        linesDropped.set(6);
        queued.set(7);
        spillBytes.set(4_096);
        unpriced.put("my-finetune", 4L);
        health.put("openai/gpt-4o", true);
        health.put("azure/gpt-4o", false);
        redisErrors.set(5);

        PrometheusText p = scrape();
        assertThat(p.value("llmux_spend_log_dropped_total")).isEqualTo(3);
        assertThat(p.value("llmux_log_lines_dropped_total")).isEqualTo(6);
        assertThat(p.value("llmux_spend_log_queued")).isEqualTo(7);
        assertThat(p.value("llmux_spend_log_spill_bytes")).isEqualTo(4_096);
        assertThat(p.value("llmux_cost_unknown_total", "model", "my-finetune")).isEqualTo(4);
        assertThat(p.value("llmux_deployment_healthy", "deployment", "openai/gpt-4o"))
                .isEqualTo(1);
        assertThat(p.value("llmux_deployment_healthy", "deployment", "azure/gpt-4o"))
                .isZero();
        assertThat(p.value("llmux_redis_errors_total", "component", "routing")).isEqualTo(5);
    }

    @Test
    void everyMetricOfTheSpecIsExposedWithItsTypeAndTheJvmsToo() throws Exception {
        metrics.requestStarted();
        metrics.requestEnded(answered("openai/gpt-4o", new Usage(1, 1, 0), 0.1, MS), "gpt-4o", 200, 2 * MS);
        metrics.streamOpened(answered("openai/gpt-4o", Usage.NONE, 0, MS), 2 * MS);
        metrics.cacheCounts("local");
        metrics.cooldownStarted("openai/gpt-4o");
        unpriced.put("free-model", 1L);
        health.put("openai/gpt-4o", true);

        PrometheusText p = scrape();
        assertThat(p.types())
                .containsEntry("llmux_requests_total", "counter")
                .containsEntry("llmux_request_duration_seconds", "histogram")
                .containsEntry("llmux_time_to_first_token_seconds", "histogram")
                .containsEntry("llmux_gateway_overhead_seconds", "histogram")
                .containsEntry("llmux_tokens_total", "counter")
                .containsEntry("llmux_spend_usd_total", "counter")
                .containsEntry("llmux_cache_lookups_total", "counter")
                .containsEntry("llmux_rate_limited_total", "counter")
                .containsEntry("llmux_inflight_requests", "gauge")
                .containsEntry("llmux_deployment_cooldowns_total", "counter")
                .containsEntry("llmux_deployment_healthy", "gauge")
                .containsEntry("llmux_retries_total", "counter")
                .containsEntry("llmux_fallbacks_total", "counter")
                .containsEntry("llmux_spend_log_dropped_total", "counter")
                .containsEntry("llmux_cost_unknown_total", "counter")
                .containsEntry("llmux_redis_errors_total", "counter");
        assertThat(p.types()).containsKeys("jvm_memory_used_bytes", "jvm_threads_current", "process_cpu_seconds_total");
        assertThat(p.value("llmux_rate_limited_total", "scope", "organization"))
                .as("every scope is there from the start")
                .isZero();
        assertThat(metrics.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void twoInstancesDoNotShareCounts() throws Exception {
        GatewayMetrics other = new GatewayMetrics(GatewayMetrics.Sources.none());
        other.retried();

        assertThat(scrape().value("llmux_retries_total")).isZero();
    }

    @Test
    void theParserRejectsWhatAScraperWould() {
        assertThatThrownBy(() -> PrometheusText.parse("a 1")).hasMessageContaining("line feed");
        assertThatThrownBy(() -> PrometheusText.parse("a{b=\"c} 1\n")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> PrometheusText.parse("a{b=\"\\x\"} 1\n")).hasMessageContaining("escape");
        assertThatThrownBy(() -> PrometheusText.parse("a 1\na 2\n")).hasMessageContaining("twice");
        assertThatThrownBy(() -> PrometheusText.parse("a one\n")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> PrometheusText.parse("1a 1\n")).hasMessageContaining("bad metric name");
        assertThatThrownBy(() -> PrometheusText.parse("a 1\n# TYPE a gauge\n")).hasMessageContaining("after samples");
        assertThatThrownBy(() -> PrometheusText.parse("a 1\nb 1\na{x=\"y\"} 1\n"))
                .hasMessageContaining("not together");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE c counter\nc -1\n"))
                .hasMessageContaining("negative");
        String histogram = "# TYPE h histogram\n";
        assertThatThrownBy(() -> PrometheusText.parse(
                        histogram + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"))
                .hasMessageContaining("cumulative");
        assertThatThrownBy(() -> PrometheusText.parse(
                        histogram + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
                                + "h_count 1\n"))
                .hasMessageContaining("out of order");
        assertThatThrownBy(() -> PrometheusText.parse(histogram + "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n"))
                .hasMessageContaining("differs from _count");
        assertThatThrownBy(() -> PrometheusText.parse(histogram + "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"))
                .hasMessageContaining("+Inf");

        PrometheusText ok =
                PrometheusText.parse("# HELP a says \\\\ and \\n\n# TYPE a gauge\na{b=\"q\\\"x\\\\\"} -2.5e3\n");
        assertThat(ok.help()).containsEntry("a", "says \\ and \n");
        assertThat(ok.value("a", "b", "q\"x\\")).isEqualTo(-2500);
    }
}
