package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.testing.Services;
import io.llmux.testing.TcpProxy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * The shared cache layers through real gateways on the real Redis: replicas share answers, a dual cache keeps serving
 * what it holds when Redis goes away, and Redis going away (cut mid-test through a proxy, or never there) turns hits
 * into misses, never into failed requests. Each test uses a namespace of its own and deletes it afterwards.
 */
class CacheRedisIT {
    private final String namespace = "llmux-test-" + UUID.randomUUID();
    private final List<TestGateway> gateways = new ArrayList<>();
    private Services.Endpoint redis;
    private TcpProxy proxy;

    @BeforeEach
    void redis() throws Exception {
        redis = Services.requireRedis();
        proxy = new TcpProxy(redis.host(), redis.port());
    }

    @AfterEach
    void stop() {
        gateways.forEach(TestGateway::close);
        proxy.close();
        try (RedisClient r = RedisClient.create(redis.host(), redis.port())) {
            Set<String> ours = r.keys(namespace + ":*");
            if (!ours.isEmpty()) {
                r.del(ours.toArray(String[]::new));
            }
            assertThat(r.keys(namespace + ":*")).isEmpty();
        }
    }

    private TestGateway gateway(String type, int redisPort) throws Exception {
        TestGateway g = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_timeout: 1s
                providers:
                  - name: mock
                    type: mock
                    models:
                      - mock-model
                redis:
                  addr: 127.0.0.1:%d
                  timeout: 300ms
                cache:
                  enabled: true
                  type: %s
                  namespace: %s
                """.formatted(redisPort, type, namespace));
        gateways.add(g);
        return g;
    }

    @Test
    void twoReplicasOnOneRedisShareAnswers() throws Exception {
        TestGateway a = gateway("redis", redis.port());
        TestGateway b = gateway("redis", redis.port());
        String q = question();

        assertThat(cache(chat(a, q))).isEqualTo("miss");
        // the store to Redis goes out after the answer: the other replica sees it a moment later
        Fixtures.await(() -> cache(chat(b, q)).equals("hit"), Duration.ofSeconds(5), "replica b to hit a's answer");
        assertThat(chat(b, q).body()).isEqualTo(chat(a, q).body());
    }

    @Test
    void redisCutMidTestTurnsHitsIntoMissesAndEveryRequestStillSucceeds() throws Exception {
        TestGateway g = gateway("redis", proxy.port());
        String q = question();
        chat(g, q);
        Fixtures.await(() -> cache(chat(g, q)).equals("hit"), Duration.ofSeconds(5), "the answer stored in Redis");

        proxy.cut();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = chat(g, q);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(cache(r)).isEqualTo("miss");
        }
        assertThat(g.gateway().current().cache().orElseThrow().errors()).isPositive();

        proxy.restore();
        Fixtures.await(() -> cache(chat(g, q)).equals("hit"), Duration.ofSeconds(10), "hits again once Redis is back");
    }

    @Test
    void aRedisThatIsNeverThereIsOnlyMisses() throws Exception {
        TestGateway g = gateway("redis", Fixtures.closedPort());
        String q = question();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = chat(g, q);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(cache(r)).isEqualTo("miss");
        }
    }

    @Test
    void aDualCacheServesWhatItHoldsLocallyWithRedisCut() throws Exception {
        TestGateway writer = gateway("redis", redis.port());
        TestGateway dual = gateway("dual", proxy.port());
        String q = question();
        chat(writer, q);
        Fixtures.await(
                () -> cache(chat(dual, q)).equals("hit"), Duration.ofSeconds(5), "the dual cache to hit in Redis");

        proxy.cut();
        HttpResponse<String> local = chat(dual, q);
        assertThat(local.statusCode()).isEqualTo(200);
        assertThat(cache(local)).as("the Redis hit was kept locally").isEqualTo("hit");
        String fresh = question();
        assertThat(cache(chat(dual, fresh))).isEqualTo("miss");
        Fixtures.await(
                () -> cache(chat(dual, fresh)).equals("hit"),
                Duration.ofSeconds(5),
                "a fresh answer stored locally even with Redis away");
    }

    private static String question() {
        return "cache " + UUID.randomUUID();
    }

    private static HttpResponse<String> chat(TestGateway g, String question) {
        try {
            return g.post(
                    "/v1/chat/completions",
                    "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cache(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue("x-llmux-cache").orElse("(none)");
    }
}
