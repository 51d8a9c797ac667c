package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.testing.Services;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/ready} (SPEC §3): 200 once the config is loaded and the configured Redis answers; 503 naming Redis
 * while it does not, with requests still served from local routing state.
 */
class ReadinessIT {
    private static final String CONFIG = """
            server:
              host: 127.0.0.1
              port: 0
              shutdown_timeout: 1s
            redis:
              addr: %s
              timeout: 200ms
            providers:
              - name: mock
                type: mock
                models: [mock-model]
            """;

    @Test
    void aRedisThatDoesNotAnswerMakesTheGatewayNotReadyButRequestsStillWork() throws Exception {
        try (TestGateway gw = TestGateway.start(CONFIG.formatted("127.0.0.1:" + Fixtures.closedPort()))) {
            HttpResponse<String> ready = gw.get("/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
            assertThat(Fixtures.json(ready.body()).get("reason").asText()).startsWith("redis");
            assertThat(gw.get("/health/live").statusCode()).isEqualTo(200);
            HttpResponse<String> r = gw.post(
                    "/v1/chat/completions",
                    "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).as("routing falls back to local state").isEqualTo(200);
        }
    }

    @Test
    void aRedisThatAnswersKeepsTheGatewayReady() throws Exception {
        Services.Endpoint redis = Services.requireRedis();
        try (TestGateway gw = TestGateway.start(CONFIG.formatted(redis.addr()))) {
            HttpResponse<String> ready = gw.get("/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(Fixtures.json(ready.body()).get("status").asText()).isEqualTo("ready");
        }
    }
}
