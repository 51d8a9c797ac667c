package io.llmux.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.pipeline.Endpoint;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RequestsTest {
    private static final Function<String, String> NO_HEADERS = java.util.Map.<String, String>of()::get;

    private static ObjectNode parse(String json) throws GatewayException {
        return Requests.parseObject(json.getBytes(StandardCharsets.UTF_8));
    }

    private static GatewayException rejected(Endpoint e, String json) {
        try {
            Requests.check(e, parse(json), NO_HEADERS);
        } catch (GatewayException ex) {
            return ex;
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void malformedJsonIs400WithLocation() {
        assertThatThrownBy(() -> parse("{\"model\": ")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.type()).isEqualTo("invalid_request_error");
            assertThat(e.getMessage()).contains("not valid JSON").contains("line 1");
        });
    }

    @Test
    void trailingGarbageIsMalformed() {
        assertThatThrownBy(() -> parse("{\"model\":\"a\"} x")).isInstanceOf(GatewayException.class);
    }

    @Test
    void bodyMustBeAnObject() {
        assertThatThrownBy(() -> parse("[1,2]"))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.getMessage()).contains("not an array"));
        assertThatThrownBy(() -> parse("")).isInstanceOf(GatewayException.class);
    }

    @Test
    void missingModelNamesTheParam() {
        GatewayException e = rejected(Endpoint.CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(e.param()).isEqualTo("model");
        assertThat(e.getMessage()).contains("model");
    }

    @Test
    void missingMessagesNamesTheParam() {
        assertThat(rejected(Endpoint.CHAT, "{\"model\":\"m\"}").param()).isEqualTo("messages");
        assertThat(rejected(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":[]}").param())
                .isEqualTo("messages");
    }

    @Test
    void wrongTypesNameTheParam() {
        assertThat(rejected(Endpoint.CHAT, "{\"model\":3,\"messages\":[{\"role\":\"user\"}]}")
                        .param())
                .isEqualTo("model");
        assertThat(rejected(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":\"hi\"}")
                        .param())
                .isEqualTo("messages");
        assertThat(rejected(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"boss\"}]}")
                        .param())
                .isEqualTo("messages[0].role");
        assertThat(rejected(
                                Endpoint.CHAT,
                                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"temperature\":\"hot\"}")
                        .param())
                .isEqualTo("temperature");
        assertThat(rejected(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"stream\":\"yes\"}")
                        .param())
                .isEqualTo("stream");
        assertThat(rejected(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"max_tokens\":1.5}")
                        .param())
                .isEqualTo("max_tokens");
        assertThat(rejected(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"stop\":[1]}")
                        .param())
                .isEqualTo("stop");
        assertThat(rejected(Endpoint.EMBEDDINGS, "{\"model\":\"m\"}").param()).isEqualTo("input");
        assertThat(rejected(Endpoint.COMPLETIONS, "{\"model\":\"m\",\"prompt\":5}")
                        .param())
                .isEqualTo("prompt");
    }

    @Test
    void unknownFieldsAreKeptUntouched() throws Exception {
        ObjectNode body = parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"temperature\":0.70,\"logprobs\":true,\"x_vendor\":{\"a\":[1,2]}}");
        String before = body.toString();
        RequestShape shape = Requests.check(Endpoint.CHAT, body, NO_HEADERS);
        assertThat(shape.model()).isEqualTo("m");
        assertThat(body.toString()).isEqualTo(before);
        assertThat(body.toString()).contains("0.70");
    }

    @Test
    void extensionsAreReadAndRemoved() throws Exception {
        ObjectNode body = parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"metadata\":{\"tags\":[\"fast\"],\"trace\":\"t\"},\"tags\":[\"eu\"],"
                + "\"cache\":{\"no-cache\":true,\"ttl\":600}}");
        RequestShape shape = Requests.check(Endpoint.CHAT, body, Map.of("x-llmux-tags", "a, b")::get);
        assertThat(shape.tags()).containsExactly("fast", "eu", "a", "b");
        assertThat(shape.cacheControl().noCache()).isTrue();
        assertThat(shape.cacheControl().ttlSeconds()).isEqualTo(600);
        assertThat(body.has("tags")).isFalse();
        assertThat(body.has("cache")).isFalse();
        assertThat(body.get("metadata").toString()).isEqualTo("{\"trace\":\"t\"}");
    }

    @Test
    void metadataHoldingOnlyTagsIsRemovedWhole() throws Exception {
        ObjectNode body = parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"metadata\":{\"tags\":[\"x\"]}}");
        Requests.check(Endpoint.CHAT, body, NO_HEADERS);
        assertThat(body.has("metadata")).isFalse();
    }

    @Test
    void streamAndIncludeUsageAreRead() throws Exception {
        RequestShape s = Requests.check(
                Endpoint.CHAT,
                parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}}"),
                NO_HEADERS);
        assertThat(s.stream()).isTrue();
        assertThat(s.includeUsage()).isTrue();
    }

    @Test
    void cacheControlHeaderIsRead() throws Exception {
        RequestShape s = Requests.check(
                Endpoint.CHAT,
                parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}"),
                Map.of("cache-control", "no-store, max-age=30")::get);
        assertThat(s.cacheControl().noStore()).isTrue();
        assertThat(s.cacheControl().ttlSeconds()).isEqualTo(30);
    }
}
