package io.llmux.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.Exchange;
import io.llmux.wire.Usage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/llmux.json asks only for series the gateway exposes: every metric a panel queries is in a scrape,
 * and every label it groups or filters by is a label of that metric.
 */
class GrafanaDashboardTest {
    private static final Path DASHBOARD = Path.of("deploy/grafana/llmux.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:llmux|jvm|process)_[a-z_]+)\\b");
    private static final Pattern BY = Pattern.compile("\\bby \\(([a-z_, ]+)\\)");
    private static final Pattern LABEL = Pattern.compile("[a-z_]+");
    private static final Pattern MATCHER = Pattern.compile("([a-z_]+)(?:=~|!=|!~|=)\"");

    @Test
    void everyPanelQueriesMetricsAndLabelsTheGatewayExposes() throws Exception {
        PrometheusText scrape = activeScrape();
        Set<String> exposed = new HashSet<>();
        for (PrometheusText.Sample s : scrape.samples()) {
            exposed.add(s.name());
        }
        List<String> exprs = expressions(new ObjectMapper().readTree(Files.readString(DASHBOARD)));

        assertThat(exprs).hasSizeGreaterThan(20);
        for (String expr : exprs) {
            Matcher m = METRIC.matcher(expr);
            Set<String> labels = new HashSet<>(List.of("le"));
            boolean any = false;
            while (m.find()) {
                String metric = m.group(1);
                any = true;
                assertThat(exposed).as("metric %s in %s", metric, expr).contains(metric);
                for (PrometheusText.Sample s : scrape.find(metric)) {
                    labels.addAll(s.labels().keySet());
                }
            }
            assertThat(any).as("a query of gateway metrics: %s", expr).isTrue();
            for (String used : labelsUsed(expr)) {
                assertThat(labels).as("label %s in %s", used, expr).contains(used);
            }
        }
    }

    @Test
    void theDashboardShowsWhatTheIssueAsksFor() throws Exception {
        JsonNode dash = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        String all = String.join("\n", expressions(dash));
        assertThat(all)
                .contains(
                        "llmux_requests_total",
                        "status=~\"5..\"",
                        "histogram_quantile(0.5, sum by (le, model) (rate(llmux_request_duration_seconds_bucket",
                        "histogram_quantile(0.99, sum by (le, model) (rate(llmux_request_duration_seconds_bucket",
                        "llmux_time_to_first_token_seconds_bucket",
                        "llmux_gateway_overhead_seconds_bucket",
                        "sum by (model, type) (rate(llmux_tokens_total",
                        "sum by (model) (rate(llmux_spend_usd_total",
                        "sum by (team) (rate(llmux_spend_usd_total",
                        "llmux_cache_lookups_total{result=\"hit\"}",
                        "llmux_rate_limited_total",
                        "llmux_deployment_cooldowns_total");
        assertThat(dash.path("uid").asText()).isEqualTo("llmux-gateway");
        assertThat(dash.path("templating").path("list").findValuesAsText("name"))
                .contains("datasource", "model");
    }

    /** Every query of every panel (rows included) and of the template variables. */
    private static List<String> expressions(JsonNode dash) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dash.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(target.path("expr").asText());
            }
            for (JsonNode inner : panel.path("panels")) {
                for (JsonNode target : inner.path("targets")) {
                    out.add(target.path("expr").asText());
                }
            }
        }
        return out;
    }

    private static Set<String> labelsUsed(String expr) {
        Set<String> used = new HashSet<>();
        Matcher by = BY.matcher(expr);
        while (by.find()) {
            Matcher label = LABEL.matcher(by.group(1));
            while (label.find()) {
                used.add(label.group());
            }
        }
        Matcher m = MATCHER.matcher(expr);
        while (m.find()) {
            used.add(m.group(1));
        }
        return used;
    }

    /** A scrape after one of everything, so that every labelled family has a series to show its labels. */
    private static PrometheusText activeScrape() throws Exception {
        GatewayMetrics metrics = new GatewayMetrics(new GatewayMetrics.Sources(
                () -> 0,
                () -> 0,
                () -> 0,
                () -> 0,
                () -> Map.of("free-model", 1L),
                () -> Map.of("openai/gpt-4o", true),
                Map.of()));
        Exchange ex = new Exchange("req-1", Endpoint.CHAT, new byte[0], h -> null, 0);
        ex.model("gpt-4o");
        ex.deployment("openai/gpt-4o");
        ex.usage(new Usage(3, 4, 0));
        ex.costUsd(0.01);
        metrics.requestStarted();
        metrics.streamOpened(ex, 1_000_000);
        metrics.requestEnded(ex, "gpt-4o", 200, 2_000_000);
        metrics.cacheCounts("local").hit().inc();
        metrics.rateLimited("key");
        metrics.cooldownStarted("openai/gpt-4o");
        metrics.retried();
        metrics.fellBack();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.scrape(out);
        return PrometheusText.parse(out.toString(StandardCharsets.UTF_8));
    }
}
