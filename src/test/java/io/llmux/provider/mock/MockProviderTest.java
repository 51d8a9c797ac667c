package io.llmux.provider.mock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.MockOptions;
import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.EventStream;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.wire.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MockProviderTest {
    private static final DeploymentConfig DEPLOYMENT = DeploymentConfig.of("gpt-4o", "gpt-4o", 1, List.of());

    private static MockProvider mock(MockOptions options) {
        ProviderConfig pc = new ProviderConfig(
                "mock",
                ProviderType.MOCK,
                "",
                null,
                null,
                null,
                Duration.ofSeconds(60),
                Duration.ofSeconds(30),
                100,
                Map.of(),
                1,
                List.of(),
                List.of(DEPLOYMENT),
                options);
        return new MockProvider(pc, Clock.fixed(Instant.parse("2026-11-26T00:00:00Z"), ZoneOffset.UTC));
    }

    private static ObjectNode body(String json) throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(json);
    }

    private static JsonNode whole(MockProvider p, Endpoint e, String json) throws Exception {
        Answer a = p.call(new Call(e, body(json), DEPLOYMENT, false, false, "r", null));
        return Json.MAPPER.readTree(((Answer.Whole) a).body());
    }

    private static List<JsonNode> stream(MockProvider p, Endpoint e, String json, boolean usage) throws Exception {
        Answer a = p.call(new Call(e, body(json), DEPLOYMENT, true, usage, "r", null));
        List<JsonNode> out = new ArrayList<>();
        try (EventStream s = ((Answer.Streamed) a).events()) {
            byte[] next;
            while ((next = s.next()) != null) {
                out.add(Json.MAPPER.readTree(next));
            }
        }
        return out;
    }

    @Test
    void theSameRequestGetsTheSameAnswer() throws Exception {
        MockProvider p = mock(MockOptions.DEFAULT);
        String req = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}";
        JsonNode a = whole(p, Endpoint.CHAT, req);
        JsonNode b = whole(p, Endpoint.CHAT, req);
        assertThat(a).isEqualTo(b);
        assertThat(a.get("object").asText()).isEqualTo("chat.completion");
        assertThat(a.at("/choices/0/message/content").asText()).isNotBlank();
        assertThat(a.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        JsonNode u = a.get("usage");
        assertThat(u.get("total_tokens").asLong())
                .isEqualTo(u.get("prompt_tokens").asLong()
                        + u.get("completion_tokens").asLong());
        JsonNode other = whole(
                p, Endpoint.CHAT, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Bye\"}]}");
        assertThat(other.at("/choices/0/message/content")).isNotEqualTo(a.at("/choices/0/message/content"));
    }

    @Test
    void fixedResponseAndMaxTokens() throws Exception {
        MockProvider p = mock(new MockOptions(Duration.ZERO, 3, "one two three four"));
        JsonNode a = whole(p, Endpoint.CHAT, "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(a.at("/choices/0/message/content").asText()).isEqualTo("one two three four");
        JsonNode cut = whole(
                p,
                Endpoint.CHAT,
                "{\"model\":\"g\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(cut.at("/choices/0/message/content").asText()).isEqualTo("one two");
        assertThat(cut.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void streamAssemblesToTheSameTextRoleFirstUsageOnlyWhenAsked() throws Exception {
        MockProvider p = mock(new MockOptions(Duration.ZERO, 4, null));
        String req = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}";
        String text =
                whole(p, Endpoint.CHAT, req).at("/choices/0/message/content").asText();
        List<JsonNode> chunks = stream(p, Endpoint.CHAT, req, false);
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        StringBuilder sb = new StringBuilder();
        chunks.forEach(c -> sb.append(c.at("/choices/0/delta/content").asText("")));
        assertThat(sb.toString()).isEqualTo(text);
        assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText())
                .isEqualTo("stop");
        assertThat(chunks).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
        assertThat(chunks.size()).isBetween(3, 6);

        List<JsonNode> withUsage = stream(p, Endpoint.CHAT, req, true);
        JsonNode last = withUsage.get(withUsage.size() - 1);
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.at("/usage/completion_tokens").asLong()).isPositive();
    }

    @Test
    void toolsAreCalledWhenOffered() throws Exception {
        MockProvider p = mock(MockOptions.DEFAULT);
        String req = "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]}";
        JsonNode a = whole(p, Endpoint.CHAT, req);
        assertThat(a.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = a.at("/choices/0/message/tool_calls/0");
        assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(Json.MAPPER.readTree(call.at("/function/arguments").asText()).has("city"))
                .isTrue();

        List<JsonNode> chunks = stream(p, Endpoint.CHAT, req, false);
        StringBuilder args = new StringBuilder();
        chunks.forEach(c -> args.append(
                c.at("/choices/0/delta/tool_calls/0/function/arguments").asText("")));
        assertThat(args.toString()).isEqualTo(call.at("/function/arguments").asText());
        assertThat(chunks.get(0).at("/choices/0/delta/tool_calls/0/index").asInt())
                .isZero();
    }

    @Test
    void embeddingsAreDeterministicUnitVectorsInFloatOrBase64() throws Exception {
        MockProvider p = mock(MockOptions.DEFAULT);
        JsonNode f = whole(p, Endpoint.EMBEDDINGS, "{\"model\":\"e\",\"input\":[\"a\",\"b\"]}");
        assertThat(f.get("data")).hasSize(2);
        JsonNode v = f.at("/data/0/embedding");
        assertThat(v).hasSize(32);
        double norm = 0;
        for (JsonNode x : v) {
            norm += x.asDouble() * x.asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));

        JsonNode b64 =
                whole(p, Endpoint.EMBEDDINGS, "{\"model\":\"e\",\"input\":\"a\",\"encoding_format\":\"base64\"}");
        ByteBuffer buf = ByteBuffer.wrap(
                        Base64.getDecoder().decode(b64.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat((double) buf.getFloat(0)).isCloseTo(v.get(0).asDouble(), org.assertj.core.data.Offset.offset(1e-6));

        JsonNode dims = whole(p, Endpoint.EMBEDDINGS, "{\"model\":\"e\",\"input\":\"a\",\"dimensions\":8}");
        assertThat(dims.at("/data/0/embedding")).hasSize(8);
    }

    @Test
    void legacyCompletionsAnswerAsTextCompletion() throws Exception {
        MockProvider p = mock(MockOptions.DEFAULT);
        JsonNode a = whole(p, Endpoint.COMPLETIONS, "{\"model\":\"g\",\"prompt\":\"Say this is a test\"}");
        assertThat(a.get("object").asText()).isEqualTo("text_completion");
        assertThat(a.at("/choices/0/text").asText()).isNotBlank();
        List<JsonNode> chunks = stream(p, Endpoint.COMPLETIONS, "{\"model\":\"g\",\"prompt\":\"Say this\"}", false);
        assertThat(chunks).isNotEmpty();
        assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText())
                .isEqualTo("stop");
    }

    @Test
    void splitKeepsEveryCharacter() {
        String text = "alpha beta gamma delta epsilon";
        for (int n = 1; n <= 10; n++) {
            assertThat(String.join("", MockWire.split(text, n))).isEqualTo(text);
            assertThat(MockWire.split(text, n).size()).isLessThanOrEqualTo(n);
        }
    }
}
