package io.llmux.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests that ask the same thing share a key however they are written; anything that changes the answer does not. */
class CacheKeyTest {
    private static final String BASE = """
            {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "temperature": 0.7}""";

    private static ObjectNode body(String json) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }

    private static String key(String json) {
        return CacheKey.of("team:eng", "chat", "gpt-4o", body(json));
    }

    /** BASE with one more top-level field. */
    private static String with(String field, String value) {
        return key(BASE.substring(0, BASE.length() - 1) + ", \"" + field + "\": " + value + "}");
    }

    @Test
    void theKeyIsAHexSha256() {
        assertThat(key(BASE)).hasSize(64).matches("[0-9a-f]{64}");
    }

    @Test
    void fieldOrderAndWhitespaceDoNotChangeTheKey() {
        assertThat(key("""
                        {
                          "temperature" : 0.7,
                          "messages" : [ { "content" : "Hi", "role" : "user" } ],
                          "model" : "gpt-4o"
                        }""")).isEqualTo(key(BASE));
        assertThat(
                        key(
                                "{\"messages\":[{\"content\":\"\\u0048i\",\"role\":\"user\"}],\"temperature\":0.7,\"model\":\"gpt-4o\"}"))
                .as("an escape is the same string")
                .isEqualTo(key(BASE));
    }

    @Test
    void nestedObjectsAreSortedToo() {
        String a = with("response_format", """
                {"type": "json_schema", "json_schema": {"name": "p", "strict": true,
                 "schema": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "number"}}}}}""");
        String b = with("response_format", """
                {"json_schema": {"schema": {"properties": {"b": {"type": "number"}, "a": {"type": "string"}},
                 "type": "object"}, "strict": true, "name": "p"}, "type": "json_schema"}""");
        assertThat(a).isEqualTo(b);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.7", "0.70", "7e-1", "7.0E-1", "0.0700e1"})
    void numbersCountByValue(String temperature) {
        assertThat(key("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                        + " \"temperature\": " + temperature + "}"))
                .isEqualTo(key(BASE));
    }

    @Test
    void integersAndTheirDecimalAndExponentFormsAreOneValue() {
        String one = with("max_tokens", "100");
        assertThat(List.of(with("max_tokens", "100.0"), with("max_tokens", "1e2"), with("max_tokens", "1.00E+2")))
                .containsOnly(one);
        assertThat(with("n", "1")).isEqualTo(with("n", "1.0")).isEqualTo(with("n", "1e0"));
        assertThat(with("seed", "0")).isEqualTo(with("seed", "0.000")).isEqualTo(with("seed", "-0.0"));
        assertThat(with("seed", "12345678901234567890")).isEqualTo(with("seed", "1.234567890123456789e19"));
        assertThat(with("max_tokens", "100")).isNotEqualTo(with("max_tokens", "10"));
        assertThat(with("max_tokens", "100")).isNotEqualTo(with("max_tokens", "\"100\""));
    }

    @Test
    void aHugeExponentIsKeyedWithoutWritingItOut() {
        assertThat(with("seed", "1e999999999"))
                .isEqualTo(with("seed", "10e999999998"))
                .isNotEqualTo(with("seed", "1"));
    }

    @Test
    void stringsAreExact() {
        assertThat(key(BASE.replace("Hi", "hi"))).isNotEqualTo(key(BASE));
        assertThat(key(BASE.replace("Hi", "Hi "))).isNotEqualTo(key(BASE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "stream_options", "user", "metadata", "cache", "tags"})
    void deliveryAndLabelsDoNotChangeTheKey(String field) {
        assertThat(with(field, "true")).isEqualTo(key(BASE));
        assertThat(with(field, "{\"include_usage\": true, \"no-cache\": true}")).isEqualTo(key(BASE));
        assertThat(with(field, "[\"a\"]")).isEqualTo(key(BASE));
    }

    @Test
    void ignoredNamesCountBelowTheTopLevel() {
        String nested = key(BASE.replace("\"content\": \"Hi\"", "\"content\": \"Hi\", \"metadata\": {\"x\": 1}"));
        assertThat(nested).isNotEqualTo(key(BASE));
    }

    @Test
    void anAliasAndItsGroupShareEntries() {
        ObjectNode alias = body(BASE.replace("gpt-4o", "my-alias"));
        assertThat(CacheKey.of("team:eng", "chat", "gpt-4o", alias)).isEqualTo(key(BASE));
        assertThat(CacheKey.of("team:eng", "chat", "gpt-4o-mini", body(BASE))).isNotEqualTo(key(BASE));
        assertThat(key("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"temperature\": 0.7}"))
                .as("the group stands for the model")
                .isEqualTo(key(BASE));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "tools=[{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {}}}]",
                "tool_choice=\"auto\"",
                "top_p=0.9",
                "max_tokens=10",
                "max_completion_tokens=10",
                "stop=[\"\\n\"]",
                "response_format={\"type\": \"json_object\"}",
                "seed=42",
                "n=2",
                "logprobs=true",
                "top_logprobs=3",
                "presence_penalty=0.5",
                "frequency_penalty=0.5",
                "logit_bias={\"50256\": -100}",
                "parallel_tool_calls=false",
                "reasoning_effort=\"low\"",
                "some_future_field=null"
            })
    void everyOtherFieldChangesTheKey(String field) {
        int eq = field.indexOf('=');
        assertThat(with(field.substring(0, eq), field.substring(eq + 1))).isNotEqualTo(key(BASE));
    }

    @Test
    void messagesTemperatureAndArrayOrderCount() {
        assertThat(key(BASE.replace("0.7", "0.8"))).isNotEqualTo(key(BASE));
        assertThat(key(BASE.replace("\"user\"", "\"system\""))).isNotEqualTo(key(BASE));
        String ab = with("stop", "[\"a\", \"b\"]");
        assertThat(with("stop", "[\"b\", \"a\"]")).isNotEqualTo(ab);
        assertThat(with("stop", "[\"a\", \"b\", null]")).isNotEqualTo(ab);
    }

    @Test
    void tenantsAndEndpointsNeverShareAnEntry() {
        ObjectNode b = body(BASE);
        Set<String> keys = new HashSet<>();
        for (String tenant : List.of("team:eng", "team:ops", "key:abc", "master", "open")) {
            for (String endpoint : List.of("chat", "completions", "embeddings")) {
                keys.add(CacheKey.of(tenant, endpoint, "gpt-4o", b));
            }
        }
        assertThat(keys).hasSize(15);
    }

    @Test
    void thePartsAreFramedSoNoneRunsIntoTheNext() {
        ObjectNode b = body(BASE);
        assertThat(CacheKey.of("team:a", "bchat", "g", b)).isNotEqualTo(CacheKey.of("team:ab", "chat", "g", b));
        assertThat(CacheKey.of("t", "chat", "g\",\"x", b)).isNotEqualTo(CacheKey.of("t", "chat\",\"g", "x", b));
        assertThat(CacheKey.of("t", "chat", "g", b)).isNotEqualTo(CacheKey.of("t", "chat", "", b));
    }

    @Test
    void theSameRequestAlwaysGivesTheSameKey() {
        assertThat(key(BASE)).isEqualTo(key(BASE));
        assertThat(CacheKey.of("t", "embeddings", "e", body("{\"input\": [1, 2, 3]}")))
                .isEqualTo(CacheKey.of("t", "embeddings", "e", body("{\"input\": [1.0, 2, 3e0]}")))
                .isNotEqualTo(CacheKey.of("t", "embeddings", "e", body("{\"input\": [1, 3, 2]}")));
    }
}
