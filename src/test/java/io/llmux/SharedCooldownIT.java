package io.llmux;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.llmux.RoutingStubs.assertAnsweredBy;
import static io.llmux.RoutingStubs.calls;
import static io.llmux.RoutingStubs.chat;
import static io.llmux.RoutingStubs.coolDown;
import static io.llmux.RoutingStubs.health;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.llmux.routing.state.FallbackRoutingState;
import io.llmux.testing.Services;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * SPEC §6 and §11 with the real Redis on 127.0.0.1:6379: two gateways with the same {@code redis:} behave as one, so a
 * cooldown one replica sets, from a 429 or by hand, keeps the other's traffic off that deployment too. Routing keys
 * are named after deployments ({@code llmux:rt:{provider/model}…}), so the provider's name is unique per run; its
 * keys are deleted afterwards.
 */
class SharedCooldownIT {
    private static final String FIRST = "weight: 1000000000";
    private static final String SECOND = "weight: 0.000001";

    private static Services.Endpoint redis;
    /** Unique per run: the Redis keys of this run's deployments are theirs alone. */
    private static final String PROVIDER =
            "shared" + UUID.randomUUID().toString().substring(0, 8);

    private static WireMockServer wm;
    private static TestGateway a;
    private static TestGateway b;

    @BeforeAll
    static void start() throws Exception {
        redis = Services.requireRedis();
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        RoutingStubs.install(wm);
        String config = """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: %1$s
                    type: openai
                    api_key: sk-shared-cooldown
                    base_url: http://127.0.0.1:%2$d/v1
                    timeout: 2s
                    models:
                      - {name: limited, model: q-429long, %3$s}
                      - {name: limited, model: q-ok, %4$s}
                      - {name: manual, model: h1-ok, %3$s}
                      - {name: manual, model: h2-ok, %4$s}
                routing:
                  retry_count: 2
                  retry_backoff: 1ms
                  retry_max_backoff: 20ms
                  cooldown_period: 30s
                redis:
                  addr: %5$s
                  timeout: 2s
                """.formatted(PROVIDER, wm.port(), FIRST, SECOND, redis.addr());
        a = TestGateway.start(config);
        b = TestGateway.start(config);
    }

    @AfterAll
    static void stop() {
        for (TestGateway gw : new TestGateway[] {a, b}) {
            if (gw != null) {
                gw.close();
            }
        }
        if (wm != null) {
            wm.stop();
        }
        if (redis != null) {
            deleteOurKeys();
        }
    }

    @BeforeEach
    void fresh() throws Exception {
        wm.resetRequests();
        a.clearCooldowns(); // the state is shared: clearing through one replica clears it for both
    }

    @AfterEach
    void noRequestHitABug() {
        for (TestGateway gw : List.of(a, b)) {
            assertThat(gw.logs()).as("no request hit a bug (500)").doesNotContain("\"status\":500", "request failed");
            assertThat(gw.gateway().current().routingState())
                    .as("state is shared through Redis, which answered every call: nothing came from local state")
                    .isInstanceOfSatisfying(
                            FallbackRoutingState.class,
                            s -> assertThat(s.redisErrors()).isZero());
        }
    }

    @Test
    void aDeploymentCooledByA429SeenThroughOneReplicaIsSkippedByTheOther() throws Exception {
        String limited = PROVIDER + "/q-429long";
        assertAnsweredBy(a.post(RoutingStubs.CHAT_PATH, chat("limited")), PROVIDER + "/q-ok", 2);
        JsonNode onA = health(a, limited);
        assertThat(onA.path("state").asText()).isEqualTo("cooling down");

        JsonNode onB = health(b, limited);
        assertThat(onB.path("state").asText()).isEqualTo("cooling down");
        assertThat(onB.path("cooldown_until").asText())
                .isEqualTo(onA.path("cooldown_until").asText());
        assertThat(onB.path("last_error").asText()).startsWith("429");

        for (int i = 0; i < 3; i++) {
            assertAnsweredBy(b.post(RoutingStubs.CHAT_PATH, chat("limited")), PROVIDER + "/q-ok", 1);
        }
        assertThat(calls(wm, "q-429long"))
                .as("only replica A's first request called it")
                .isEqualTo(1);
    }

    @Test
    void aCooldownSetByHandThroughOneReplicaHoldsOnTheOtherUntilClearedThroughEither() throws Exception {
        String manual = PROVIDER + "/h1-ok";
        HttpResponse<String> set = coolDown(b, manual, 20);
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        String until = Fixtures.json(set.body()).path("cooldown_until").asText();
        assertThat(Instant.parse(until)).isAfter(Instant.now().plusSeconds(10));

        JsonNode onA = health(a, manual);
        assertThat(onA.path("state").asText()).isEqualTo("cooling down");
        assertThat(onA.path("cooldown_until").asText()).isEqualTo(until);
        assertAnsweredBy(a.post(RoutingStubs.CHAT_PATH, chat("manual")), PROVIDER + "/h2-ok", 1);

        HttpResponse<String> cleared =
                a.post("/deployments/cooldown", "{\"deployment\":\"" + manual + "\",\"clear\":true}");
        assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
        assertThat(health(b, manual).path("state").asText()).isEqualTo("healthy");
        assertAnsweredBy(b.post(RoutingStubs.CHAT_PATH, chat("manual")), manual, 1);
        assertThat(calls(wm, "h1-ok")).isEqualTo(1);
    }

    /** Every key of this run's deployments: their hash tag starts with the provider's unique name. */
    private static void deleteOurKeys() {
        try (RedisClient client = RedisClient.create(redis.host(), redis.port())) {
            ScanParams ours = new ScanParams().match("*{" + PROVIDER + "/*").count(1000);
            List<String> found = new ArrayList<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = client.scan(cursor, ours);
                found.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            if (!found.isEmpty()) {
                client.del(found.toArray(String[]::new));
            }
        }
    }
}
