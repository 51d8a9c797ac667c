package io.llmux.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.wire.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OpenAiUsageTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void chunksWithoutUsageOrWithNullUsageAreNeverParsed() {
        assertThat(OpenAiUsage.mentionsUsage(bytes("{\"id\":\"x\",\"choices\":[]}")))
                .isFalse();
        assertThat(OpenAiUsage.mentionsUsage(bytes("{\"choices\":[],\"usage\":null}")))
                .isFalse();
        assertThat(OpenAiUsage.mentionsUsage(bytes("{\"choices\":[],\"usage\" : null}")))
                .isFalse();
        assertThat(OpenAiUsage.mentionsUsage(bytes("{\"delta\":{\"content\":\"usage\"}}")))
                .isFalse();
        assertThat(OpenAiUsage.mentionsUsage(bytes("{\"delta\":{\"content\":\"the \\\"usage\\\": x\"}}")))
                .isFalse();
        assertThat(OpenAiUsage.mentionsUsage(bytes("\"usage"))).isFalse();
    }

    @Test
    void chunksWithAUsageObjectAreParsed() {
        assertThat(OpenAiUsage.mentionsUsage(bytes("{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}")))
                .isTrue();
        assertThat(OpenAiUsage.mentionsUsage(bytes("{\"usage\":\n {}}"))).isTrue();
    }

    @Test
    void theUsageChunkIsRecognisedByItsEmptyChoices() {
        OpenAiUsage.Chunk last =
                OpenAiUsage.ofChunk(bytes("{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
                        + "\"completion_tokens\":4,\"total_tokens\":13,\"prompt_tokens_details\":{\"cached_tokens\":2,"
                        + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":1}}}"));
        assertThat(last).isEqualTo(new OpenAiUsage.Chunk(new Usage(9, 4, 2), true));

        OpenAiUsage.Chunk vllm = OpenAiUsage.ofChunk(bytes("{\"choices\":null,\"usage\":{\"prompt_tokens\":1}}"));
        assertThat(vllm.usageOnly()).isTrue();

        OpenAiUsage.Chunk both = OpenAiUsage.ofChunk(bytes(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}},{\"index\":1}],\"usage\":{\"prompt_tokens\":3,"
                        + "\"completion_tokens\":1}}"));
        assertThat(both).isEqualTo(new OpenAiUsage.Chunk(new Usage(3, 1, 0), false));
    }

    @Test
    void aChunkWithoutUsableUsageYieldsNothing() {
        assertThat(OpenAiUsage.ofChunk(bytes("{\"choices\":[],\"usage\":null}")))
                .isNull();
        assertThat(OpenAiUsage.ofChunk(bytes("{\"choices\":[],\"usage\":{\"prompt")))
                .isNull();
        assertThat(OpenAiUsage.ofChunk(bytes("not json"))).isNull();
    }

    @Test
    void aWholeAnswerWithoutUsageHasNone() throws IOException {
        assertThat(OpenAiUsage.ofBody(
                        bytes("{\"id\":\"x\",\"choices\":[{\"message\":{\"usage\":{\"prompt_tokens\":5}}}]}")))
                .isEqualTo(Usage.NONE);
        assertThat(OpenAiUsage.ofBody(bytes("{\"usage\":{\"prompt_tokens\":null,\"completion_tokens\":2}}")))
                .isEqualTo(new Usage(0, 2, 0));
    }

    @Test
    void aWholeAnswerMustBeOneJsonObject() {
        assertThatThrownBy(() -> OpenAiUsage.ofBody(bytes("[1,2]"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> OpenAiUsage.ofBody(bytes("{\"a\":1} trailing")))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> OpenAiUsage.ofBody(bytes("{\"a\":"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> OpenAiUsage.ofBody(bytes(""))).isInstanceOf(IOException.class);
    }
}
