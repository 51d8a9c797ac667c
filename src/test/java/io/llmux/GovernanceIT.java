package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.TokenEstimate;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Virtual keys end to end on the embedded database, as the README's session does it: the master key makes keys,
 * teams and users through the management API, and the keys then call models within their lists and budgets, with
 * their spend visible in {@code /key/info} and {@code /spend/logs} (SPEC §8).
 *
 * <p>Prices are a dollar per token, so every answer's cost is a whole number of dollars that tests can reason about.
 */
class GovernanceIT {
    static final String MASTER = "sk-master-governance";
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 2s
                auth:
                  master_key: %s
                database:
                  type: embedded
                  path: ./data/llmux
                providers:
                  - name: mock
                    type: mock
                    latency: 1ms
                    models:
                      - name: priced
                        model: priced
                        input_cost_per_million: 1000000
                        output_cost_per_million: 1000000
                      - name: priced-b
                        model: priced-b
                        input_cost_per_million: 1000000
                        output_cost_per_million: 1000000
                      - mock-model
                routing:
                  aliases:
                    priced-alias: priced
                """.formatted(MASTER));
        gw.awaitReady();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void aKeyMadeWithTheMasterKeyCallsModelsAndItsSpendShowsInKeyInfoWithinASecond() throws Exception {
        JsonNode made = manage("/key/generate", "{\"key_alias\":\"first\"}");
        String key = made.get("key").asText();
        assertThat(key).startsWith("sk-");
        String hash = made.get("token").asText();
        assertThat(hash).hasSize(64).isNotEqualTo(key);

        HttpResponse<String> r = chat(key, "priced", "hello");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        double cost = Double.parseDouble(
                r.headers().firstValue("x-llmux-response-cost").orElseThrow());
        assertThat(cost).isPositive();

        long t0 = System.nanoTime();
        Fixtures.await(() -> spendOf(hash) == cost, Duration.ofSeconds(5), "the key's spend is " + cost);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));

        // the request log is written in batches, a moment after the answer
        Fixtures.await(() -> spendLogs(hash).size() == 1, Duration.ofSeconds(5), "the spend row is stored");
        JsonNode logs = spendLogs(hash);
        assertThat(logs.get(0).get("request_id").asText())
                .isEqualTo(r.headers().firstValue("x-request-id").orElseThrow());
        assertThat(logs.get(0).get("spend").asDouble()).isEqualTo(cost);
        assertThat(logs.get(0).get("model_group").asText()).isEqualTo("priced");
        assertThat(logs.get(0).get("key_alias").asText()).isEqualTo("first");
        assertThat(gw.logs()).doesNotContain(key);
    }

    @Test
    void aStreamedAnswerIsChargedFromTheUsageTheStreamReported() throws Exception {
        JsonNode made = manage("/key/generate", "{}");
        HttpResponse<String> r = gw.post(
                "/v1/chat/completions",
                "{\"model\":\"priced\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"stream me\"}]}",
                auth(made.get("key").asText()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        String hash = made.get("token").asText();
        Fixtures.await(() -> spendOf(hash) > 0, Duration.ofSeconds(5), "the stream's cost is charged");
    }

    @Test
    void aKeyOverItsBudgetGets403NamingTheKeyItsBudgetAndSpend() throws Exception {
        double cost = costOfOneCall();
        // room for one call's reservation, not for a second one on top of the first one's cost
        JsonNode made = manage(
                "/key/generate", "{\"key_alias\":\"tight\",\"max_budget\":" + (estimate("hello") + cost / 2) + "}");
        String key = made.get("key").asText();
        assertThat(chat(key, "priced", "hello").statusCode()).isEqualTo(200);

        HttpResponse<String> refused = chat(key, "priced", "hello");
        JsonNode e = Fixtures.error(refused, 403, "permission_denied");
        assertThat(e.get("code").asText()).isEqualTo("budget_exceeded");
        assertThat(e.get("message").asText()).contains("key", "tight", "$").doesNotContain(key);
        assertThat(chat(key, "mock-model", "hello").statusCode())
                .as("the budget is not used up, so a call that costs nothing still fits")
                .isEqualTo(200);
    }

    @Test
    void aKeysBudgetForOneModelRefusesThatModelOnceUsedWhileAnotherModelStillWorks() throws Exception {
        double cost = costOfOneCall();
        // room for one call's reservation on "priced", not for a second one on top of the first one's cost
        JsonNode made = manage(
                "/key/generate",
                "{\"key_alias\":\"per-model\",\"model_max_budget\":{\"priced\":" + (estimate("hello") + cost / 2)
                        + "}}");
        String key = made.get("key").asText();
        String hash = made.get("token").asText();
        HttpResponse<String> first = chat(key, "priced", "hello");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

        JsonNode e = Fixtures.error(chat(key, "priced", "hello"), 403, "permission_denied");
        assertThat(e.get("code").asText()).isEqualTo("budget_exceeded");
        assertThat(e.get("message").asText())
                .startsWith("Budget exceeded for key 'per-model' on model 'priced': ")
                .contains("model_max_budget")
                .doesNotContain(key);
        double onB = 0;
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = chat(key, "priced-b", "hello");
            assertThat(r.statusCode())
                    .as("model B has no budget of its own: " + r.body())
                    .isEqualTo(200);
            onB += Double.parseDouble(
                    r.headers().firstValue("x-llmux-response-cost").orElseThrow());
        }

        double onA = Double.parseDouble(
                first.headers().firstValue("x-llmux-response-cost").orElseThrow());
        Map<String, Double> expected = Map.of("priced", onA, "priced-b", onB);
        Fixtures.await(
                () -> modelSpendOf(hash).equals(expected),
                Duration.ofSeconds(5),
                "/key/info's model_spend is " + expected);
        assertThat(spendOf(hash)).isEqualTo(onA + onB);
    }

    @Test
    void aModelBudgetSetUnderAnAliasHoldsForCallsByThatAliasAndNamesIt() throws Exception {
        double cost = costOfOneCall();
        String key = manage(
                        "/key/generate",
                        "{\"key_alias\":\"by-alias\",\"model_max_budget\":{\"priced-alias\":"
                                + (estimate("hello") + cost / 2) + "}}")
                .get("key")
                .asText();
        assertThat(chat(key, "priced-alias", "hello").statusCode()).isEqualTo(200);

        JsonNode e = Fixtures.error(chat(key, "priced-alias", "hello"), 403, "permission_denied");
        assertThat(e.get("message").asText())
                .startsWith("Budget exceeded for key 'by-alias' on model 'priced-alias': ");
    }

    @Test
    void concurrentRequestsOvershootABudgetByAtMostOneRequest() throws Exception {
        double cost = costOfOneCall();
        double budget = estimate("hello") * 10.5;
        JsonNode made = manage("/key/generate", "{\"max_budget\":" + budget + "}");
        String key = made.get("key").asText();
        int n = 50;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return chat(key, "priced", "hello").statusCode();
                }));
            }
            go.countDown();
        }
        int ok = 0;
        for (Future<Integer> f : results) {
            int status = f.get();
            assertThat(status).isIn(200, 403);
            ok += status == 200 ? 1 : 0;
        }
        assertThat(ok)
                .as("ten reservations fit at once; settled calls free what they did not use")
                .isBetween(10, 49);
        String hash = made.get("token").asText();
        double expected = ok * cost;
        Fixtures.await(() -> spendOf(hash) == expected, Duration.ofSeconds(5), "every admitted call charged");
        assertThat(spendOf(hash)).isLessThanOrEqualTo(budget + cost);
    }

    @Test
    void aModelOffTheKeysListIs403AndTheListedOneWorks() throws Exception {
        String key = manage("/key/generate", "{\"models\":[\"mock-model\"]}")
                .get("key")
                .asText();
        JsonNode e = Fixtures.error(chat(key, "priced", "hi"), 403, "permission_denied");
        assertThat(e.get("message").asText()).contains("priced", "mock-model");
        assertThat(chat(key, "mock-model", "hi").statusCode()).isEqualTo(200);
    }

    @Test
    void aBlockedKeyIs401UntilItIsUnblockedAndTheChangeIsImmediate() throws Exception {
        String key = manage("/key/generate", "{}").get("key").asText();
        assertThat(chat(key, "mock-model", "hi").statusCode()).isEqualTo(200);
        manage("/key/block", "{\"key\":\"" + key + "\"}");
        Fixtures.error(chat(key, "mock-model", "hi"), 401, "authentication_error");
        manage("/key/unblock", "{\"key\":\"" + key + "\"}");
        assertThat(chat(key, "mock-model", "hi").statusCode()).isEqualTo(200);
    }

    @Test
    void aDeletedKeyStopsWorkingAtOnce() throws Exception {
        String key = manage("/key/generate", "{}").get("key").asText();
        assertThat(chat(key, "mock-model", "hi").statusCode()).isEqualTo(200);
        manage("/key/delete", "{\"keys\":[\"" + key + "\"]}");
        Fixtures.error(chat(key, "mock-model", "hi"), 401, "authentication_error");
    }

    @Test
    void anExpiredKeyIs401() throws Exception {
        String hash = manage("/key/generate", "{}").get("token").asText();
        String key = manage("/key/generate", "{\"duration\":\"1s\"}").get("key").asText();
        assertThat(hash).isNotBlank();
        Fixtures.await(
                () -> {
                    try {
                        return chat(key, "mock-model", "hi").statusCode() == 401;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                },
                Duration.ofSeconds(5),
                "the key expires after a second");
    }

    @Test
    void unknownKeysAre401AndTheMasterKeyStillWorks() throws Exception {
        Fixtures.error(chat("sk-not-a-key", "mock-model", "hi"), 401, "authentication_error");
        assertThat(chat(MASTER, "mock-model", "hi").statusCode()).isEqualTo(200);
    }

    @Test
    void aTeamsBudgetBoundsItsKeys() throws Exception {
        JsonNode team =
                manage("/team/new", "{\"team_alias\":\"frugal\",\"max_budget\":" + (estimate("hello") / 2) + "}");
        String teamId = team.get("team_id").asText();
        String key = manage("/key/generate", "{\"team_id\":\"" + teamId + "\",\"max_budget\":1000000}")
                .get("key")
                .asText();
        JsonNode e = Fixtures.error(chat(key, "priced", "hello"), 403, "permission_denied");
        assertThat(e.get("code").asText()).isEqualTo("budget_exceeded");
        assertThat(e.get("message").asText()).contains("team", "frugal");
        assertThat(chat(key, "mock-model", "hello").statusCode())
                .as("a model that costs nothing still fits the team's budget")
                .isEqualTo(200);
    }

    @Test
    void aKeyRegeneratesThroughLiteLlmsPathFormAsThroughTheBodyForm() throws Exception {
        String old = manage("/key/generate", "{\"max_budget\":5}").get("key").asText();

        HttpResponse<String> r = gw.post("/key/" + old + "/regenerate", "{\"max_budget\":9}", auth(MASTER));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode fresh = Fixtures.json(r.body());
        assertThat(fresh.get("max_budget").asDouble()).isEqualTo(9.0);
        String key = fresh.get("key").asText();
        assertThat(chat(key, "mock-model", "hi").statusCode()).isEqualTo(200);
        Fixtures.error(chat(old, "mock-model", "hi"), 401, "authentication_error");
        String path = "/key/" + key + "/regenerate";
        JsonNode twoKeys =
                Fixtures.error(gw.post(path, "{\"key\":\"" + old + "\"}", auth(MASTER)), 400, "invalid_request_error");
        assertThat(twoKeys.get("param").asText()).isEqualTo("key");
        Fixtures.error(gw.post(path, "{}", auth(key)), 403, "permission_denied");
        Fixtures.error(gw.post("/key/sk-nobody-12345/regenerate", "{}", auth(MASTER)), 404, "not_found_error");
        Fixtures.error(gw.get(path, auth(MASTER)), 405, "invalid_request_error");
        assertThat(chat(key, "mock-model", "hi").statusCode())
                .as("refused calls change nothing")
                .isEqualTo(200);
    }

    @Test
    void aKeyThatIsNotAnAdminsMayNotManageButMayReadItsOwnInfo() throws Exception {
        JsonNode made = manage("/key/generate", "{}");
        String key = made.get("key").asText();
        HttpResponse<String> r = gw.post("/key/generate", "{}", auth(key));
        Fixtures.error(r, 403, "permission_denied");
        HttpResponse<String> own = gw.get("/key/info", auth(key));
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(own.body()).contains(made.get("token").asText()).doesNotContain(key);
    }

    @Test
    void managementWithoutAKeyIs401AndBadFieldsAre400NamingThem() throws Exception {
        Fixtures.error(gw.post("/key/generate", "{}"), 401, "authentication_error");
        JsonNode e = Fixtures.error(
                gw.post("/key/generate", "{\"max_budget\":\"lots\"}", auth(MASTER)), 400, "invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("max_budget");
        Fixtures.error(gw.get("/key/info?key=sk-nope", auth(MASTER)), 404, "not_found_error");
    }

    @Test
    void aKeySeesOnlyItsModelsInTheModelList() throws Exception {
        String key = manage("/key/generate", "{\"models\":[\"mock-model\"]}")
                .get("key")
                .asText();
        JsonNode list = Fixtures.json(gw.get("/v1/models", auth(key)).body());
        assertThat(list.get("data").findValuesAsText("id")).containsExactly("mock-model");
        assertThat(gw.get("/v1/models/priced", auth(key)).statusCode()).isEqualTo(404);
        JsonNode all = Fixtures.json(gw.get("/v1/models", auth(MASTER)).body());
        assertThat(all.get("data").findValuesAsText("id")).contains("mock-model", "priced");
    }

    @Test
    void aManagementKeyOfAnAdminManagesButMayNotCallModels() throws Exception {
        manage("/user/new", "{\"user_id\":\"ops-admin\",\"user_role\":\"proxy_admin\",\"auto_create_key\":false}");
        String key = manage("/key/generate", "{\"user_id\":\"ops-admin\",\"key_type\":\"management\"}")
                .get("key")
                .asText();
        HttpResponse<String> made = gw.post("/key/generate", "{}", auth(key));
        assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
        JsonNode e = Fixtures.error(chat(key, "mock-model", "hi"), 403, "permission_denied");
        assertThat(e.get("code").asText()).isEqualTo("key_type_not_allowed");
        assertThat(gw.get("/health", auth(key)).statusCode())
                .as("an admin's key reads /health")
                .isEqualTo(200);
    }

    @Test
    void anOrdinaryKeyMayNotReadTheAdminHealthOrReload() throws Exception {
        String key = manage("/key/generate", "{}").get("key").asText();
        Fixtures.error(gw.get("/health", auth(key)), 403, "permission_denied");
        Fixtures.error(gw.post("/config/reload", "", auth(key)), 403, "permission_denied");
    }

    @Test
    void crossingASoftBudgetWarnsInAHeaderAndNeverRefuses() throws Exception {
        String key =
                manage("/key/generate", "{\"soft_budget\":0.000001}").get("key").asText();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = chat(key, "priced", "hello");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-llmux-soft-budget-exceeded")).hasValue("true");
        }
        String quiet = manage("/key/generate", "{\"soft_budget\":1000000000}")
                .get("key")
                .asText();
        assertThat(chat(quiet, "priced", "hello").headers().firstValue("x-llmux-soft-budget-exceeded"))
                .isEmpty();
    }

    @Test
    void aSpentBudgetComesBackWhenItsPeriodEnds() throws Exception {
        double cost = costOfOneCall();
        String key = manage(
                        "/key/generate",
                        "{\"budget_duration\":\"2s\",\"max_budget\":" + (estimate("hello") + cost / 2) + "}")
                .get("key")
                .asText();
        assertThat(chat(key, "priced", "hello").statusCode()).isEqualTo(200);
        Fixtures.error(chat(key, "priced", "hello"), 403, "permission_denied");
        Fixtures.await(
                () -> {
                    try {
                        return chat(key, "priced", "hello").statusCode() == 200;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                },
                Duration.ofSeconds(6),
                "the next period admits the key again");
    }

    @Test
    void readinessSaysTheDatabaseAnswers() throws Exception {
        HttpResponse<String> r = gw.get("/health/ready");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    // helpers

    static String[] auth(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    static JsonNode manage(String path, String body) throws Exception {
        return gw.manage(MASTER, path, body);
    }

    static HttpResponse<String> chat(String key, String model, String text) throws Exception {
        return gw.post(
                "/v1/chat/completions",
                "{\"model\":\"" + model + "\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"" + text
                        + "\"}]}",
                auth(key));
    }

    /** What one {@code chat(…, "priced", "hello")} costs, measured with the master key (which has no budget). */
    static double costOfOneCall() throws Exception {
        HttpResponse<String> r = chat(MASTER, "priced", "hello");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Double.parseDouble(
                r.headers().firstValue("x-llmux-response-cost").orElseThrow());
    }

    /**
     * The reservation a {@code chat(…, "priced", text)} takes: the gateway's prompt estimate and {@code max_tokens}
     * of answer, at a dollar per token.
     */
    static double estimate(String text) {
        ObjectNode body = (ObjectNode)
                Fixtures.json("{\"model\":\"priced\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\""
                        + text + "\"}]}");
        return TokenEstimate.prompt(body) + TokenEstimate.completion(body);
    }

    static JsonNode spendLogs(String hash) {
        try {
            HttpResponse<String> r = gw.get("/spend/logs?api_key=" + hash, auth(MASTER));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return Fixtures.json(r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, Double> modelSpendOf(String hash) {
        try {
            HttpResponse<String> r = gw.get("/key/info?key=" + hash, auth(MASTER));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            Map<String, Double> spend = new TreeMap<>();
            Fixtures.json(r.body())
                    .path("info")
                    .path("model_spend")
                    .properties()
                    .forEach(f -> spend.put(f.getKey(), f.getValue().asDouble()));
            return spend;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static double spendOf(String hash) {
        try {
            HttpResponse<String> r = gw.get("/key/info?key=" + hash, auth(MASTER));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return Fixtures.json(r.body()).path("info").path("spend").asDouble();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
