package io.llmux.cache;

import static io.llmux.cache.Chunks.assemble;
import static io.llmux.cache.Chunks.azureFixture;
import static io.llmux.cache.Chunks.bytes;
import static io.llmux.cache.Chunks.choice;
import static io.llmux.cache.Chunks.chunk;
import static io.llmux.cache.Chunks.feed;
import static io.llmux.cache.Chunks.json;
import static io.llmux.cache.Chunks.openAiFixture;
import static io.llmux.cache.Chunks.tree;
import static io.llmux.cache.Chunks.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.provider.translate.ChunkWriter;
import io.llmux.wire.Usage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A streamed answer gathered into the {@code chat.completion} the cache keeps, and the cases where it is not kept. */
class StreamAssemblerTest {
    private static final String ROLE = "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}";

    @Test
    void openAisTextStreamWithItsUsageChunkBecomesTheCompletion() {
        StreamAssembler assembler = feed(openAiFixture("chat-stream-usage.sse"));

        assertThat(assembler.complete()).isTrue();
        // the usage the chunks carried wins over the adapter's count
        assertThat(json(assembler.completion(new Usage(1, 1, 0)))).isEqualTo(json("""
                {"id":"chatcmpl-BpQ9cWm4tHa8kZp1NxR6yE0bUjLqS","object":"chat.completion","created":1751544122,
                 "model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_34a54ae93c",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1262,"completion_tokens":3,"total_tokens":1265,
                          "prompt_tokens_details":{"cached_tokens":1152}}}"""));
    }

    @Test
    void azuresPromptFilterChunkDoesNotBlankTheIdModelOrCreated() {
        // its first chunk has "id":"","created":0,"model":"","object":"" and no choices
        assertThat(assemble(azureFixture("chat-stream.sse"), Usage.NONE)).isEqualTo(json("""
                {"id":"chatcmpl-BpQG2sLq7Wd1xHk5NvYc8ZtR3mAoF","object":"chat.completion","created":1751544560,
                 "model":"gpt-4o-2024-11-20","system_fingerprint":"fp_ee1d74bde0",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1290,"completion_tokens":3,"total_tokens":1293,
                          "prompt_tokens_details":{"cached_tokens":1152}}}"""));
    }

    @Test
    void toolCallDeltasMergeByIndexAndTheAdaptersUsageFillsIn() {
        // two parallel calls, each started with id and name, its arguments in three pieces; no usage chunk
        assertThat(assemble(openAiFixture("tool-call-stream.sse"), new Usage(81, 30, 0)))
                .isEqualTo(json("""
                {"id":"chatcmpl-BpQAeYt7sNb3xQm0LcV5wH2kRgDpZ","object":"chat.completion","created":1751544180,
                 "model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_34a54ae93c",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
                   {"id":"call_Qm8vX2nL5kTj1RbWc9yHdE3s","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"location\\": \\"Paris\\"}"}},
                   {"id":"call_Fh4pN7wYc2LzK0qTm6VxBs1a","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"location\\": \\"Tokyo\\"}"}}]},
                   "finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":81,"completion_tokens":30,"total_tokens":111}}"""));
    }

    @Test
    void parallelCallsInterleavedWithinChunksAreToldApartByIndex() {
        List<String> chunks = List.of(
                chunk(choice(0, ROLE, null)),
                // the second call starts first, and one chunk carries fragments of both
                chunk(choice(0, """
                        {"tool_calls":[{"index":1,"id":"call_B","type":"function",
                          "function":{"name":"get_time","arguments":""}}]}""", null)),
                chunk(choice(0, """
                        {"tool_calls":[{"index":0,"id":"call_A","type":"function",
                          "function":{"name":"get_weather","arguments":"{\\"city\\":"}},
                         {"index":1,"function":{"arguments":"{\\"zone\\":"}}]}""", null)),
                chunk(choice(
                        0, "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\\\"CET\\\"}\"}}]}", null)),
                chunk(choice(
                        0, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}", null)),
                chunk(choice(0, "{}", "tool_calls")));

        assertThat(assemble(chunks, null).at("/choices/0/message/tool_calls")).isEqualTo(tree("""
                [{"id":"call_A","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                 {"id":"call_B","type":"function","function":{"name":"get_time","arguments":"{\\"zone\\":\\"CET\\"}"}}]"""));
    }

    @Test
    void idAndNameRepeatedInEveryDeltaAreKeptOnceNotConcatenated() {
        // some OpenAI-compatible servers repeat them with each fragment
        String fragment = "{\"tool_calls\":[{\"index\":0,\"id\":\"call_A\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"%s\"}}]}";
        List<String> chunks = List.of(
                chunk(choice(0, fragment.formatted("{"), null)),
                chunk(choice(0, fragment.formatted("}"), null)),
                chunk(choice(0, "{}", "tool_calls")));

        assertThat(assemble(chunks, null).at("/choices/0/message/tool_calls/0")).isEqualTo(json("""
                {"id":"call_A","type":"function","function":{"name":"f","arguments":"{}"}}"""));
    }

    @Test
    void interleavedChoicesComeOutInIndexOrderOnceAllFinished() {
        StreamAssembler assembler = new StreamAssembler(1 << 20);
        List<String> chunks = List.of(
                chunk(choice(1, ROLE, null)),
                chunk(choice(0, ROLE, null)),
                chunk(choice(1, "{\"content\":\"Bonjour\"}", null)),
                chunk(choice(0, "{\"content\":\"Hello\"}", null) + "," + choice(1, "{\"content\":\" !\"}", null)),
                chunk(choice(0, "{\"content\":\" there\"}", null)),
                chunk(choice(0, "{}", "stop")));
        chunks.forEach(c -> assembler.accept(bytes(c)));
        assertThat(assembler.complete()).as("choice 1 has not finished").isFalse();
        assertThat(assembler.completion(Usage.NONE)).isNull();

        assembler.accept(bytes(chunk(choice(1, "{}", "length"))));
        assembler.accept(bytes(usageChunk(20, 6, 0)));

        assertThat(assembler.complete()).isTrue();
        assertThat(json(assembler.completion(null))).isEqualTo(json("""
                {"id":"chatcmpl-C1","object":"chat.completion","created":1751544122,
                 "model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_34a54ae93c",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"},
                            {"index":1,"message":{"role":"assistant","content":"Bonjour !"},"finish_reason":"length"}],
                 "usage":{"prompt_tokens":20,"completion_tokens":6,"total_tokens":26}}"""));
    }

    @Test
    void aRefusalIsConcatenatedAndTheContentStaysNull() {
        List<String> chunks = List.of(
                chunk(choice(0, "{\"role\":\"assistant\",\"content\":null,\"refusal\":\"\"}", null)),
                chunk(choice(0, "{\"refusal\":\"I'm sorry, \"}", null)),
                chunk(choice(0, "{\"refusal\":\"I can't help with that.\"}", null)),
                chunk(choice(0, "{}", "stop")));

        assertThat(assemble(chunks, null).at("/choices/0/message")).isEqualTo(json("""
                {"role":"assistant","content":null,"refusal":"I'm sorry, I can't help with that."}"""));
    }

    @Test
    void logprobsArraysAreConcatenatedWithTheirNumbersExact() {
        String first = "{\"token\":\"Hi\",\"logprob\":-0.31725305,\"bytes\":[72,105],\"top_logprobs\":[]}";
        String second = "{\"token\":\"!\",\"logprob\":-0.000014305106000000000001,\"bytes\":[33],\"top_logprobs\":[]}";
        List<String> chunks = List.of(
                chunk("{\"index\":0,\"delta\":" + ROLE + ",\"logprobs\":{\"content\":[],\"refusal\":null},"
                        + "\"finish_reason\":null}"),
                chunk("{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":{\"content\":[" + first
                        + "],\"refusal\":null},\"finish_reason\":null}"),
                chunk("{\"index\":0,\"delta\":{\"content\":\"!\"},\"logprobs\":{\"content\":[" + second
                        + "],\"refusal\":null},\"finish_reason\":null}"),
                chunk(choice(0, "{}", "stop")));

        byte[] whole = feed(chunks).completion(null);

        assertThat(json(whole).at("/choices/0/logprobs"))
                .isEqualTo(json("{\"content\":[" + first + "," + second + "],\"refusal\":null}"));
        assertThat(new String(whole, StandardCharsets.UTF_8))
                .contains("-0.31725305")
                .contains("-0.000014305106000000000001");
    }

    @Test
    void chunksOfTheTranslatingAdaptersAssembleToo() {
        // Anthropic and Gemini streams reach the cache as ChunkWriter's chunks
        ChunkWriter w = new ChunkWriter("msg_01", 1730000000, "claude-3-5-sonnet-20241022", false);
        List<byte[]> chunks = List.of(
                w.role(),
                w.content("Let me check."),
                w.toolCallStart(0, "toolu_01", "get_weather"),
                w.toolCallArguments(0, "{\"location\":"),
                w.toolCallArguments(0, "\"Paris\"}"),
                w.finish("tool_calls"),
                w.usage(new Usage(2073, 15, 2048)));
        StreamAssembler assembler = new StreamAssembler(1 << 20);
        chunks.forEach(assembler::accept);

        assertThat(json(assembler.completion(null))).isEqualTo(json("""
                {"id":"msg_01","object":"chat.completion","created":1730000000,"model":"claude-3-5-sonnet-20241022",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Let me check.","tool_calls":[
                   {"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}}]},
                   "finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":2073,"completion_tokens":15,"total_tokens":2088,
                          "prompt_tokens_details":{"cached_tokens":2048}}}"""));
    }

    @Test
    void anErrorEventGivesUpForGood() {
        List<String> chunks = List.of(
                chunk(choice(0, ROLE, null)),
                chunk(choice(0, "{\"content\":\"Once upon\"}", null)),
                "{\"error\":{\"message\":\"The server had an error while processing your request.\","
                        + "\"type\":\"server_error\",\"param\":null,\"code\":null}}",
                chunk(choice(0, "{}", "stop"))); // nothing after the error revives it
        StreamAssembler assembler = feed(chunks);

        assertThat(assembler.complete()).isFalse();
        assertThat(assembler.completion(Usage.NONE)).isNull();
        assertThat(assembler.gaveUpBecause()).isEqualTo("the stream carried an error");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"id\":\"chatcmpl-C1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"He",
                "[DONE]",
                "",
                "[1,2]",
                "{\"choices\":[]} trailing"
            })
    void aPayloadThatIsNotAJsonObjectGivesUpWithoutThrowing(String payload) {
        StreamAssembler assembler =
                feed(List.of(chunk(choice(0, ROLE, null)), payload, chunk(choice(0, "{}", "stop"))));

        assertThat(assembler.complete()).isFalse();
        assertThat(assembler.completion(Usage.NONE)).isNull();
        assertThat(assembler.gaveUpBecause()).startsWith("a chunk is not");
    }

    @Test
    void aNullPayloadGivesUpWithoutThrowing() {
        StreamAssembler assembler = new StreamAssembler(1 << 20);
        assembler.accept(null);
        assertThat(assembler.gaveUpBecause()).isNotNull();
    }

    @Test
    void aStreamCutBeforeItsFinishReasonIsIncomplete() {
        StreamAssembler assembler = feed(List.of(
                chunk(choice(0, ROLE, null)), chunk(choice(0, "{\"content\":\"Hello\"}", null)), usageChunk(5, 1, 0)));

        assertThat(assembler.complete()).isFalse();
        assertThat(assembler.completion(Usage.NONE)).isNull();
        assertThat(assembler.gaveUpBecause())
                .as("not given up: it may still finish")
                .isNull();
        assertThat(new StreamAssembler(100).complete()).as("no chunk at all").isFalse();
    }

    @Test
    void anAnswerExactlyAtTheLimitIsKeptAndOneByteMoreIsNot() {
        List<String> chunks = openAiFixture("chat-stream-usage.sse");
        int size = feed(chunks).completion(null).length;

        assertThat(feed(chunks, size).completion(null)).hasSize(size);
        StreamAssembler small = feed(chunks, size - 1);
        assertThat(small.completion(null)).isNull();
        assertThat(small.gaveUpBecause()).isEqualTo("the answer is larger than " + (size - 1) + " bytes");
    }

    @Test
    void aStreamPastTheLimitIsGivenUpWhileItRuns() {
        StreamAssembler assembler = new StreamAssembler(1000);
        assembler.accept(bytes(chunk(choice(0, ROLE, null))));
        String piece = "{\"content\":\"" + "x".repeat(100) + "\"}";
        int accepted = 0;
        while (assembler.gaveUpBecause() == null && accepted < 100) {
            assembler.accept(bytes(chunk(choice(0, piece, null))));
            accepted++;
        }
        // 100 characters per chunk: the limit is passed at the tenth, not at the end of the stream
        assertThat(accepted).isEqualTo(10);
        assertThat(assembler.gaveUpBecause()).isEqualTo("the answer is larger than 1000 bytes");
        assembler.accept(bytes(chunk(choice(0, "{}", "stop"))));
        assertThat(assembler.completion(null)).isNull();
    }

    @Test
    void manyChoicesOrToolCallsCountTowardsTheLimit() {
        StreamAssembler assembler = new StreamAssembler(1000);
        for (int i = 0; i < 20 && assembler.gaveUpBecause() == null; i++) {
            assembler.accept(bytes(chunk(choice(i, "{}", null))));
        }
        assertThat(assembler.gaveUpBecause()).isEqualTo("the answer is larger than 1000 bytes");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}}",
                "{\"audio\":{\"id\":\"audio_1\",\"data\":\"UklGR\"}}",
                "{\"reasoning_content\":\"Let me think\"}",
                "{\"annotations\":[{\"type\":\"url_citation\"}]}",
                "{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                        + "\"arguments\":\"\"},\"extra_content\":{\"google\":{\"thought_signature\":\"x\"}}}]}"
            })
    void aPartOfTheAnswerThatIsNotKeptGivesUpRatherThanCachingLess(String delta) {
        StreamAssembler assembler = feed(
                List.of(chunk(choice(0, ROLE, null)), chunk(choice(0, delta, null)), chunk(choice(0, "{}", "stop"))));

        assertThat(assembler.completion(null)).isNull();
        assertThat(assembler.gaveUpBecause()).endsWith("which is not kept");
    }

    @Test
    void emptyFieldsBesideTheKeptOnesAreHarmless() {
        List<String> chunks = List.of(
                chunk(choice(
                        0,
                        "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null,\"annotations\":[],"
                                + "\"function_call\":null,\"audio\":{}}",
                        null)),
                chunk(choice(0, "{\"content\":\"Hi\"}", "stop")));

        assertThat(assemble(chunks, null).at("/choices/0/message"))
                .isEqualTo(json("{\"role\":\"assistant\",\"content\":\"Hi\"}"));
    }

    @Test
    void aToolCallWithoutItsIndexGivesUp() {
        StreamAssembler assembler = feed(List.of(
                chunk(choice(
                        0,
                        "{\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":"
                                + "{\"name\":\"f\",\"arguments\":\"{}\"}}]}",
                        null)),
                chunk(choice(0, "{}", "tool_calls"))));

        assertThat(assembler.completion(null)).isNull();
        assertThat(assembler.gaveUpBecause()).isEqualTo("a tool call has no index");
    }

    @Test
    void aChunkOfAnotherKindGivesUp() {
        String legacy = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"text\":\"Hi\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}]}";
        StreamAssembler assembler = feed(List.of(legacy));

        assertThat(assembler.completion(null)).isNull();
        assertThat(assembler.gaveUpBecause()).isEqualTo("a chunk is a text_completion");
    }

    @Test
    void wrongTypesInAChunkGiveUp() {
        for (String bad : List.of(
                "{\"choices\":{}}",
                "{\"choices\":[1]}",
                "{\"choices\":[{\"index\":-1,\"delta\":{}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":[]}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":[{\"type\":\"text\"}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":1}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":{}}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":{\"content\":{}}}]}",
                "{\"choices\":[],\"usage\":3}")) {
            StreamAssembler assembler = feed(List.of(bad));
            assertThat(assembler.gaveUpBecause()).as(bad).isNotNull();
        }
    }
}
