package io.llmux.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.GatewayException;
import io.llmux.pipeline.EventStream;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadCaptureTest {

    @Test
    void aWholeAnswerGivesItsMessageTextAndTheRequestItsMessages() throws Exception {
        PayloadCapture c = new PayloadCapture();
        c.request(Json.MAPPER.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        c.answer(bytes("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hello\"}}]}"));
        assertThat(c.requestText()).isEqualTo("[{\"role\":\"user\",\"content\":\"hi\"}]");
        assertThat(c.answerText()).isEqualTo("hello");
    }

    @Test
    void aLegacyPromptAndCompletionAreText() throws Exception {
        PayloadCapture c = new PayloadCapture();
        c.request(Json.MAPPER.readTree("{\"model\":\"m\",\"prompt\":\"once upon\"}"));
        c.answer(bytes("{\"choices\":[{\"text\":\" a time\"}]}"));
        assertThat(c.requestText()).isEqualTo("once upon");
        assertThat(c.answerText()).isEqualTo(" a time");
    }

    @Test
    void aStreamGivesItsDeltasInOrderAndPassesEveryEventOn() throws Exception {
        PayloadCapture c = new PayloadCapture();
        EventStream watched = c.watch(stream(
                "{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
                "{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}",
                "{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}",
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}"));
        int events = 0;
        while (watched.next() != null) {
            events++;
        }
        assertThat(events).isEqualTo(4);
        assertThat(c.answerText()).isEqualTo("Hello");
        assertThat(c.requestText()).isNull();
    }

    @Test
    void longTextIsCutWithAMarker() {
        String cut = PayloadCapture.cut("x".repeat(PayloadCapture.MAX_CHARS + 10));
        assertThat(cut).startsWith("x".repeat(PayloadCapture.MAX_CHARS)).endsWith("…[truncated 10 chars]");
        assertThat(PayloadCapture.cut("short")).isEqualTo("short");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static EventStream stream(String... payloads) {
        Deque<String> left = new ArrayDeque<>(List.of(payloads));
        return new EventStream() {
            @Override
            public byte[] next() throws GatewayException {
                return left.isEmpty() ? null : bytes(left.pop());
            }

            @Override
            public Usage usage() {
                return Usage.NONE;
            }

            @Override
            public void close() {}
        };
    }
}
