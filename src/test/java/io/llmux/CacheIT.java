package io.llmux;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The response cache through the real gateway (SPEC §7, §3 controls), on the local layer: hits and misses, the
 * canonical key, streams stored once complete and replayed, the request's controls, tenants, cost and logs, rate
 * limits, and what is never stored. Every test asks its own question (a random marker in the prompt), so tests share
 * one gateway without sharing entries, and the upstream's log tells how often each question reached it.
 */
class CacheIT {
    private static final String MASTER = "sk-master-cache-it";
    private static WireMockServer wm;
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .atPriority(1)
                .withHeader("Accept", containing("text/event-stream"))
                .willReturn(fixture("chat-stream-usage.sse", "text/event-stream")));
        wm.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .atPriority(5)
                .willReturn(fixture("chat.json", "application/json")));
        wm.stubFor(post(urlEqualTo("/v1/embeddings")).willReturn(fixture("embeddings.json", "application/json")));
        wm.stubFor(post(urlEqualTo("/broken/v1/chat/completions"))
                .willReturn(aResponse()
                        .withStatus(500)
                        .withHeader("Content-Type", "application/json")
                        .withBody(Fixtures.openai("error-500.json"))));
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                auth:
                  master_key: %s
                database:
                  type: embedded
                  path: ./data/llmux
                providers:
                  - name: up
                    type: openai
                    api_key: sk-upstream
                    base_url: http://127.0.0.1:%d/v1
                    models:
                      - gpt-4o-mini
                      - text-embedding-3-small
                      - name: fresh
                        model: fresh-model
                        cache: false
                  - name: broken
                    type: openai
                    api_key: sk-upstream
                    base_url: http://127.0.0.1:%d/broken/v1
                    models:
                      - broken-model
                routing:
                  retry_count: 0
                  aliases:
                    mini: gpt-4o-mini
                cache:
                  enabled: true
                  type: local
                  ttl: 1h
                """.formatted(MASTER, wm.port(), wm.port()));
        gw.awaitReady();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        if (wm != null) {
            wm.stop();
        }
    }

    @Test
    void theSameQuestionIsAnsweredFromTheCacheForNothingAndTheUpstreamIsAskedOnce() throws Exception {
        String q = question();
        HttpResponse<String> first = chat(MASTER, body("gpt-4o-mini", q, ""));
        HttpResponse<String> second = chat(MASTER, body("gpt-4o-mini", q, ""));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-llmux-cache")).hasValue("miss");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("x-llmux-cache")).hasValue("hit");
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.headers().firstValue("x-llmux-response-cost")).hasValue("0");
        assertThat(upstreamCalls(q)).isEqualTo(1);
        String id = second.headers().firstValue("x-request-id").orElseThrow();
        Fixtures.await(() -> logLine(id) != null, Duration.ofSeconds(5), "the hit's log line");
        assertThat(logLine(id)).contains("\"cache_hit\":true", "\"cost_usd\":0");
        assertThat(logLine(first.headers().firstValue("x-request-id").orElseThrow()))
                .contains("\"cache_hit\":false");
    }

    @Test
    void fieldOrderWhitespaceAndAnAliasDoNotChangeTheKeyButAnotherTemperatureDoes() throws Exception {
        String q = question();
        chat(MASTER, body("gpt-4o-mini", q, ",\"temperature\":0.5"));
        String reordered = "{ \"temperature\" : 0.50,\n \"messages\":[{\"content\":\"" + q
                + "\",\"role\":\"user\"}], \"model\":\"mini\"}";

        assertThat(chat(MASTER, reordered).headers().firstValue("x-llmux-cache"))
                .hasValue("hit");
        assertThat(chat(MASTER, body("gpt-4o-mini", q, ",\"temperature\":0.7"))
                        .headers()
                        .firstValue("x-llmux-cache"))
                .hasValue("miss");
        assertThat(upstreamCalls(q)).isEqualTo(2);
    }

    @Test
    void aStreamedAnswerIsStoredOnceCompleteAndServesWholeAndStreamedRequests() throws Exception {
        String q = question();
        HttpResponse<String> streamed = chat(MASTER, body("gpt-4o-mini", q, ",\"stream\":true"));
        assertThat(streamed.headers().firstValue("x-llmux-cache")).hasValue("miss");
        String streamedText = content(Fixtures.dataPayloads(streamed.body()));

        HttpResponse<String> whole = chat(MASTER, body("gpt-4o-mini", q, ""));
        assertThat(whole.headers().firstValue("x-llmux-cache")).hasValue("hit");
        JsonNode completion = Fixtures.json(whole.body());
        assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
        assertThat(completion
                        .path("choices")
                        .get(0)
                        .path("message")
                        .path("content")
                        .asText())
                .isEqualTo(streamedText)
                .isNotBlank();
        assertThat(completion.path("usage").path("total_tokens").asLong()).isPositive();

        HttpResponse<String> replayed =
                chat(MASTER, body("gpt-4o-mini", q, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertThat(replayed.headers().firstValue("x-llmux-cache")).hasValue("hit");
        assertThat(replayed.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        List<String> payloads = Fixtures.dataPayloads(replayed.body());
        assertThat(payloads.getLast()).isEqualTo("[DONE]");
        assertThat(content(payloads)).isEqualTo(streamedText);
        JsonNode usageChunk = Fixtures.json(payloads.get(payloads.size() - 2));
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.path("usage").path("total_tokens").asLong())
                .isEqualTo(completion.path("usage").path("total_tokens").asLong());
        for (String p : payloads.subList(0, payloads.size() - 1)) {
            assertThat(Fixtures.json(p).path("object").asText()).isEqualTo("chat.completion.chunk");
        }
        assertThat(upstreamCalls(q)).isEqualTo(1);
    }

    @Test
    void aWholeAnswerIsReplayedAsAStreamWithoutTheUsageChunkUnlessAsked() throws Exception {
        String q = question();
        String expected = Fixtures.json(chat(MASTER, body("gpt-4o-mini", q, "")).body())
                .path("choices")
                .get(0)
                .path("message")
                .path("content")
                .asText();

        HttpResponse<String> replayed = chat(MASTER, body("gpt-4o-mini", q, ",\"stream\":true"));

        List<String> payloads = Fixtures.dataPayloads(replayed.body());
        assertThat(replayed.headers().firstValue("x-llmux-cache")).hasValue("hit");
        assertThat(content(payloads)).isEqualTo(expected);
        assertThat(payloads.subList(0, payloads.size() - 1))
                .allSatisfy(p -> assertThat(Fixtures.json(p).path("choices")).isNotEmpty());
        assertThat(Fixtures.json(payloads.get(payloads.size() - 2))
                        .path("choices")
                        .get(0)
                        .path("finish_reason")
                        .asText())
                .isEqualTo("stop");
    }

    @Test
    void noCacheSkipsTheLookupButStoresNoStoreSkipsStoringAndBothHeadersAndTheBodyWork() throws Exception {
        String q = question();
        assertThat(cacheHeader(chat(MASTER, body("gpt-4o-mini", q, ",\"cache\":{\"no-store\":true}"))))
                .isEqualTo("miss");
        assertThat(cacheHeader(chat(MASTER, body("gpt-4o-mini", q, ""))))
                .as("nothing was stored")
                .isEqualTo("miss");
        assertThat(cacheHeader(chat(MASTER, body("gpt-4o-mini", q, ",\"cache\":{\"no-cache\":true}"))))
                .isEqualTo("bypass");
        assertThat(cacheHeader(chat(MASTER, body("gpt-4o-mini", q, ""), "Cache-Control", "no-cache")))
                .isEqualTo("bypass");
        assertThat(upstreamCalls(q)).isEqualTo(4);
        assertThat(cacheHeader(chat(MASTER, body("gpt-4o-mini", q, "")))).isEqualTo("hit");

        String other = question();
        chat(MASTER, body("gpt-4o-mini", other, ""), "Cache-Control", "no-store");
        assertThat(cacheHeader(chat(MASTER, body("gpt-4o-mini", other, "")))).isEqualTo("miss");
    }

    @Test
    void aRequestsOwnTtlBoundsItsEntry() throws Exception {
        String q = question();
        chat(MASTER, body("gpt-4o-mini", q, ",\"cache\":{\"ttl\":1}"));
        assertThat(cacheHeader(chat(MASTER, body("gpt-4o-mini", q, "")))).isEqualTo("hit");

        Fixtures.await(
                () -> {
                    try {
                        return cacheHeader(chat(MASTER, body("gpt-4o-mini", q, ""), "Cache-Control", "no-store"))
                                .equals("miss");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                Duration.ofSeconds(5),
                "the one-second entry to lapse");
    }

    @Test
    void tenantsNeverShareEntriesButKeysOfOneTeamDo() throws Exception {
        String team = "cache-team-" + UUID.randomUUID();
        manage("/team/new", "{\"team_id\":\"" + team + "\"}");
        String teamKeyA = key("{\"team_id\":\"" + team + "\"}");
        String teamKeyB = key("{\"team_id\":\"" + team + "\"}");
        String loneKey = key("{}");
        String q = question();

        assertThat(cacheHeader(chat(teamKeyA, body("gpt-4o-mini", q, "")))).isEqualTo("miss");
        assertThat(cacheHeader(chat(teamKeyB, body("gpt-4o-mini", q, ""))))
                .as("same team")
                .isEqualTo("hit");
        assertThat(cacheHeader(chat(loneKey, body("gpt-4o-mini", q, ""))))
                .as("another tenant")
                .isEqualTo("miss");
        assertThat(cacheHeader(chat(MASTER, body("gpt-4o-mini", q, ""))))
                .as("the master key")
                .isEqualTo("miss");
        assertThat(cacheHeader(chat(loneKey, body("gpt-4o-mini", q, "")))).isEqualTo("hit");
        assertThat(upstreamCalls(q)).isEqualTo(3);
    }

    @Test
    void aCachedAnswerCostsTheKeyNothingButStillCountsTowardItsRequestRate() throws Exception {
        String key = key("{\"rpm_limit\":2}");
        String q = question();
        HttpResponse<String> miss = chat(key, body("gpt-4o-mini", q, ""));
        HttpResponse<String> hit = chat(key, body("gpt-4o-mini", q, ""));
        HttpResponse<String> third = chat(key, body("gpt-4o-mini", q, ""));

        assertThat(cacheHeader(hit)).isEqualTo("hit");
        assertThat(hit.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        Fixtures.error(third, 429, "rate_limit_error");
        String hitId = hit.headers().firstValue("x-request-id").orElseThrow();
        String missId = miss.headers().firstValue("x-request-id").orElseThrow();
        Fixtures.await(
                () -> spendRow(hitId) != null && spendRow(missId) != null, Duration.ofSeconds(10), "both spend rows");
        assertThat(spendRow(hitId).path("cache_hit").asBoolean()).isTrue();
        assertThat(spendRow(hitId).path("spend").asDouble()).isZero();
        assertThat(spendRow(missId).path("cache_hit").asBoolean()).isFalse();
        assertThat(spendRow(missId).path("spend").asDouble()).isPositive();
    }

    @Test
    void errorsAreNeverStoredAndADeploymentWithCacheFalseBypassesIt() throws Exception {
        String q = question();
        assertThat(chat(MASTER, body("broken-model", q, "")).statusCode()).isEqualTo(502);
        assertThat(chat(MASTER, body("broken-model", q, "")).statusCode())
                .as("not served from the cache")
                .isEqualTo(502);

        String f = question();
        assertThat(cacheHeader(chat(MASTER, body("fresh", f, "")))).isEqualTo("bypass");
        assertThat(cacheHeader(chat(MASTER, body("fresh", f, "")))).isEqualTo("bypass");
        assertThat(upstreamCalls(f)).isEqualTo(2);
    }

    @Test
    void embeddingsAreCachedToo() throws Exception {
        String q = question();
        String body = "{\"model\":\"text-embedding-3-small\",\"input\":\"" + q + "\"}";
        HttpResponse<String> first = gw.post("/v1/embeddings", body, "Authorization", "Bearer " + MASTER);
        HttpResponse<String> second = gw.post("/v1/embeddings", body, "Authorization", "Bearer " + MASTER);

        assertThat(cacheHeader(first)).isEqualTo("miss");
        assertThat(cacheHeader(second)).isEqualTo("hit");
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(wm.countRequestsMatching(postRequestedFor(urlEqualTo("/v1/embeddings"))
                                .withRequestBody(containing(q))
                                .build())
                        .getCount())
                .isEqualTo(1);
    }

    static ResponseDefinitionBuilder fixture(String name, String contentType) {
        return aResponse()
                .withStatus(200)
                .withHeader("Content-Type", contentType)
                .withBody(Fixtures.openai(name));
    }

    static String question() {
        return "what is " + UUID.randomUUID() + "?";
    }

    static String body(String model, String question, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]"
                + extra + "}";
    }

    static HttpResponse<String> chat(String key, String body, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + key;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return gw.post("/v1/chat/completions", body, all);
    }

    static String cacheHeader(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue("x-llmux-cache").orElse("(none)");
    }

    /** How many chat calls carrying this question reached the upstream, streamed or not. */
    static int upstreamCalls(String question) {
        return wm.countRequestsMatching(postRequestedFor(urlEqualTo("/v1/chat/completions"))
                                .withRequestBody(containing(question))
                                .build())
                        .getCount()
                + wm.countRequestsMatching(postRequestedFor(urlEqualTo("/broken/v1/chat/completions"))
                                .withRequestBody(containing(question))
                                .build())
                        .getCount();
    }

    /** The text of a streamed answer: every chunk's delta content, in order. */
    static String content(List<String> payloads) {
        StringBuilder text = new StringBuilder();
        for (String p : payloads) {
            if (!p.equals("[DONE]")) {
                for (JsonNode choice : Fixtures.json(p).path("choices")) {
                    text.append(choice.path("delta").path("content").asText(""));
                }
            }
        }
        return text.toString();
    }

    static String logLine(String requestId) {
        return gw.logs()
                .lines()
                .filter(l -> l.contains("\"msg\":\"request\"") && l.contains(requestId))
                .findFirst()
                .orElse(null);
    }

    static JsonNode manage(String path, String body) throws Exception {
        return gw.manage(MASTER, path, body);
    }

    static String key(String body) throws Exception {
        return manage("/key/generate", body).get("key").asText();
    }

    static JsonNode spendRow(String requestId) {
        try {
            JsonNode rows =
                    Fixtures.json(gw.get("/spend/logs?request_id=" + requestId, "Authorization", "Bearer " + MASTER)
                            .body());
            return rows.isArray() && !rows.isEmpty() ? rows.get(0) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
