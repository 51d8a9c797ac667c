package io.llmux.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.wire.Json;
import org.junit.jupiter.api.Test;

class LineFormatTest {

    @Test
    void jsonLinesAreValidJsonWithEscapes() throws Exception {
        String line = new LineFormat()
                .json(true)
                .begin(0, "info", "say \"hi\"\n")
                .field("path", "/v1/x")
                .field("status", 200)
                .field("stream", true)
                .millis("latency_ms", 1_234_567)
                .millis("upstream_ms", 5_000)
                .field("absent", null)
                .end();
        assertThat(line).endsWith("}\n");
        JsonNode n = Json.MAPPER.readTree(line);
        assertThat(n.get("msg").asText()).isEqualTo("say \"hi\"\n");
        assertThat(n.get("status").asInt()).isEqualTo(200);
        assertThat(n.get("latency_ms").decimalValue()).isEqualByComparingTo("1.23");
        assertThat(n.get("upstream_ms").decimalValue()).isEqualByComparingTo("0.00");
        assertThat(n.has("absent")).isFalse();
        assertThat(n.get("ts").asText()).isEqualTo("1970-01-01T00:00:00Z");
    }

    @Test
    void textLinesQuoteValuesWithSpaces() {
        String line = new LineFormat()
                .json(false)
                .begin(0, "warn", "request")
                .field("model", "gpt 4")
                .millis("latency_ms", 20_500_000)
                .end();
        assertThat(line).isEqualTo("1970-01-01T00:00:00Z WARN request model=\"gpt 4\" latency_ms=20.50\n");
    }

    @Test
    void textValuesWithLineBreaksAreQuotedSoNoValueStartsALineOfItsOwn() {
        String line = new LineFormat()
                .json(false)
                .begin(0, "info", "request")
                .field("model", "x\n1970-01-01T00:00:00Z ERROR forged")
                .end();
        assertThat(line.lines()).hasSize(1);
        assertThat(line).contains("model=\"x\\n1970");
    }

    /** One builder serves every line; a line beyond Latin-1 must leave nothing of itself in the lines after it. */
    @Test
    void linesAfterOneBeyondLatin1AreWrittenTheSame() {
        LineFormat format = new LineFormat();
        for (boolean json : new boolean[] {true, false}) {
            String before = format.json(json)
                    .begin(0, "info", "request")
                    .field("model", "gpt-4o")
                    .end();
            String wide = format.json(json)
                    .begin(0, "info", "listening")
                    .field("pipeline", "auth → router")
                    .end();
            String after = format.json(json)
                    .begin(0, "info", "request")
                    .field("model", "gpt-4o")
                    .end();

            assertThat(wide).contains("auth → router");
            assertThat(after).isEqualTo(before);
        }
    }

    @Test
    void everyValueComesBackFromTheJsonAsItWent() throws Exception {
        String[] values = {"", "plain", "\"", "a\\b", "tab\there", "\u0001ctl\u001f", "end\r\n", "é → ✓ \"q\"", "\\\\"};
        LineFormat format = new LineFormat(); // none of these looks like a credential
        for (String v : values) {
            String line = format.json(true).begin(0, "info", v).field("v", v).end();
            JsonNode n = Json.MAPPER.readTree(line);
            assertThat(n.get("msg").asText()).isEqualTo(v);
            assertThat(n.get("v").asText()).isEqualTo(v);
        }
    }
}
