package io.llmux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's "Keys, budgets and spend" session on `config/config.yaml` with its one commented line switched on
 * and a master key set: a key for Alice with one model and a budget, a call with it, a refused model, and its spend
 * in {@code /key/info} and {@code /spend/logs}.
 */
class ReadmeKeysSessionIT {
    private static final String SWITCHED_OFF = "# database: {type: embedded}";

    @Test
    void theReadmesKeySessionWorksOnTheExampleConfig() throws Exception {
        String example = Files.readString(Path.of("config/config.yaml"));
        assertThat(example)
                .as("the README's one-line switch is in the example config")
                .contains(SWITCHED_OFF);
        Path dir = Files.createTempDirectory("llmux-readme-keys");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, example.replace(SWITCHED_OFF, "database: {type: embedded}"));
        try (TestGateway gw = TestGateway.startFile(
                config, dir, Map.of("LLMUX_PORT", "0", "LLMUX_HOST", "127.0.0.1", "LLMUX_MASTER_KEY", "sk-admin"))) {
            gw.awaitReady();
            String[] admin = {"Authorization", "Bearer sk-admin"};

            HttpResponse<String> made = gw.post(
                    "/key/generate",
                    "{\"key_alias\": \"alice\", \"models\": [\"gpt-4o-mini\"], \"max_budget\": 5, \"budget_duration\": \"30d\"}",
                    admin);
            assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
            JsonNode key = Fixtures.json(made.body());
            String alice = key.get("key").asText();
            assertThat(key.get("key_alias").asText()).isEqualTo("alice");
            assertThat(key.get("budget_reset_at").asText()).isNotBlank();

            String[] asAlice = {"Authorization", "Bearer " + alice};
            HttpResponse<String> answer = gw.post(
                    "/v1/chat/completions",
                    "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}",
                    asAlice);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode refused = Fixtures.error(
                    gw.post(
                            "/v1/chat/completions",
                            "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}",
                            asAlice),
                    403,
                    "permission_denied");
            assertThat(refused.get("message").asText()).contains("gpt-4o-mini");

            Fixtures.await(
                    () -> spend(gw, "/key/info?key=" + alice, admin) > 0,
                    Duration.ofSeconds(2),
                    "Alice's spend shows in /key/info");
            Fixtures.await(
                    () -> rows(gw, "/spend/logs?api_key=" + alice, admin) == 2,
                    Duration.ofSeconds(5),
                    "both of Alice's requests are in /spend/logs");
        }
    }

    private static double spend(TestGateway gw, String path, String[] auth) {
        try {
            return Fixtures.json(gw.get(path, auth).body())
                    .path("info")
                    .path("spend")
                    .asDouble();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static int rows(TestGateway gw, String path, String[] auth) {
        try {
            return Fixtures.json(gw.get(path, auth).body()).size();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
