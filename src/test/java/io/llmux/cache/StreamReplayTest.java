package io.llmux.cache;

import static io.llmux.cache.Chunks.azureFixture;
import static io.llmux.cache.Chunks.bytes;
import static io.llmux.cache.Chunks.feed;
import static io.llmux.cache.Chunks.feedBytes;
import static io.llmux.cache.Chunks.json;
import static io.llmux.cache.Chunks.openAiFixture;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.ProviderTesting;
import io.llmux.wire.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A cached completion sent as OpenAI's chunks, and assembled back into the same completion. */
class StreamReplayTest {
    private static final String TEXT = """
            {"id":"chatcmpl-BpQ9cWm4tHa8kZp1NxR6yE0bUjLqS","object":"chat.completion","created":1751544122,
             "model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_34a54ae93c",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},
                         "finish_reason":"stop"}],
             "usage":{"prompt_tokens":1262,"completion_tokens":10,"total_tokens":1272,
                      "prompt_tokens_details":{"cached_tokens":1152}}}""";

    private static final String TOOL_CALLS = """
            {"id":"chatcmpl-T1","object":"chat.completion","created":1751544180,"model":"gpt-4o-mini-2024-07-18",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Checking both.","tool_calls":[
                 {"id":"call_A","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}},
                 {"id":"call_B","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Tokyo\\"}"}}]},
               "finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":81,"completion_tokens":40,"total_tokens":121}}""";

    private static final String TWO_CHOICES = """
            {"id":"chatcmpl-N2","object":"chat.completion","created":1751544200,"model":"gpt-4o",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"},
                        {"index":1,"message":{"role":"assistant","content":"Bonjour"},"finish_reason":"length"}],
             "usage":{"prompt_tokens":20,"completion_tokens":6,"total_tokens":26}}""";

    private static final String REFUSAL = """
            {"id":"chatcmpl-R1","object":"chat.completion","created":1751544300,"model":"gpt-4o-2024-08-06",
             "system_fingerprint":"fp_a288987b44",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,
                         "refusal":"I'm sorry, I can't help with that."},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":30,"completion_tokens":9,"total_tokens":39}}""";

    private static final String EMPTY = """
            {"id":"chatcmpl-E1","object":"chat.completion","created":1751544400,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"length"}],
             "usage":{"prompt_tokens":12,"completion_tokens":0,"total_tokens":12}}""";

    static Stream<String> completions() {
        return Stream.of(TEXT, TOOL_CALLS, TWO_CHOICES, REFUSAL, EMPTY, longText(), withLogprobs(40));
    }

    @ParameterizedTest
    @MethodSource("completions")
    void assemblingTheReplayGivesTheCompletionBack(String completion) {
        JsonNode x = json(completion);
        List<byte[]> withUsage = StreamReplay.chunks(bytes(completion), true);
        assertThat(json(feedBytes(withUsage).completion(null))).isEqualTo(x);

        // without the usage chunk the adapter's count fills in, as for a live stream
        List<byte[]> quiet = StreamReplay.chunks(bytes(completion), false);
        assertThat(json(feedBytes(quiet).completion(UsageJson.read(x.get("usage")))))
                .isEqualTo(x);
    }

    @ParameterizedTest
    @MethodSource("completions")
    void everyReplayedChunkIsAChunkObject(String completion) {
        JsonNode x = json(completion);
        List<JsonNode> chunks = trees(StreamReplay.chunks(bytes(completion), true));
        for (JsonNode c : chunks) {
            assertThat(c.get("id")).isEqualTo(x.get("id"));
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("created")).isEqualTo(x.get("created"));
            assertThat(c.get("model")).isEqualTo(x.get("model"));
            assertThat(c.get("system_fingerprint")).isEqualTo(x.get("system_fingerprint"));
            assertThat(c.get("choices").isArray()).isTrue();
            assertThat(c.has("usage")).isTrue();
        }
        List<JsonNode> choices = chunks.subList(0, chunks.size() - 1);
        for (JsonNode c : choices) {
            assertThat(c.get("choices")).hasSize(1);
            JsonNode choice = c.get("choices").get(0);
            assertThat(choice.get("index").isInt()).isTrue();
            assertThat(choice.get("delta").isObject()).isTrue();
            assertThat(choice.has("logprobs")).isTrue();
            assertThat(choice.has("finish_reason")).isTrue();
            assertThat(c.get("usage").isNull()).isTrue();
        }
        // each choice: the role first, the finish reason last and only there
        for (JsonNode choice : x.get("choices")) {
            List<JsonNode> own = choices.stream()
                    .map(c -> c.get("choices").get(0))
                    .filter(c -> c.get("index").equals(choice.get("index")))
                    .toList();
            assertThat(own.get(0).at("/delta/role").asText()).isEqualTo("assistant");
            own.subList(0, own.size() - 1)
                    .forEach(c -> assertThat(c.get("finish_reason").isNull()).isTrue());
            assertThat(own.get(own.size() - 1).get("delta")).isEmpty();
            assertThat(own.get(own.size() - 1).get("finish_reason")).isEqualTo(choice.get("finish_reason"));
        }
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.get("usage")).isEqualTo(x.get("usage"));
    }

    @Test
    void aTextAnswerIsRoleThenContentThenFinishThenUsage() {
        List<JsonNode> chunks = trees(StreamReplay.chunks(bytes(TEXT), true));

        String head = "\"id\":\"chatcmpl-BpQ9cWm4tHa8kZp1NxR6yE0bUjLqS\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1751544122,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\","
                + "\"system_fingerprint\":\"fp_34a54ae93c\"";
        assertThat(chunks)
                .containsExactly(
                        json("{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                                + "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}"),
                        json("{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                                + "\"Hello! How can I help you today?\"},\"logprobs\":null,\"finish_reason\":null}],"
                                + "\"usage\":null}"),
                        json("{" + head + ",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                                + "\"finish_reason\":\"stop\"}],\"usage\":null}"),
                        json("{" + head + ",\"choices\":[],\"usage\":{\"prompt_tokens\":1262,"
                                + "\"completion_tokens\":10,\"total_tokens\":1272,"
                                + "\"prompt_tokens_details\":{\"cached_tokens\":1152}}}"));
    }

    @Test
    void withoutIncludeUsageNoChunkMentionsUsage() {
        List<JsonNode> chunks = trees(StreamReplay.chunks(bytes(TEXT), false));

        assertThat(chunks).hasSize(3).noneMatch(c -> c.has("usage"));
        assertThat(chunks.get(2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void toolCallsStartWithIdTypeAndNameThenTheirArguments() {
        List<JsonNode> deltas = trees(StreamReplay.chunks(bytes(TOOL_CALLS), false)).stream()
                .map(c -> c.at("/choices/0/delta"))
                .toList();

        assertThat(deltas)
                .containsExactly(
                        json("{\"role\":\"assistant\",\"content\":\"\"}"),
                        json("{\"content\":\"Checking both.\"}"),
                        json("{\"tool_calls\":[{\"index\":0,\"id\":\"call_A\",\"type\":\"function\","
                                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}"),
                        json("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                                + "\"{\\\"location\\\":\\\"Paris\\\"}\"}}]}"),
                        json("{\"tool_calls\":[{\"index\":1,\"id\":\"call_B\",\"type\":\"function\","
                                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}"),
                        json("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":"
                                + "\"{\\\"location\\\":\\\"Tokyo\\\"}\"}}]}"),
                        json("{}"));
    }

    @Test
    void aMessageWithoutTextStartsWithNullContentAsOpenAiDoes() {
        JsonNode first = trees(StreamReplay.chunks(ProviderTesting.fixture("openai", "chat-tool-call.json"), false))
                .get(0);
        assertThat(first.at("/choices/0/delta")).isEqualTo(json("{\"role\":\"assistant\",\"content\":null}"));
    }

    @Test
    void longTextGoesInBoundedPiecesWithoutSplittingACharacter() {
        String text = longText();
        String content = json(text).at("/choices/0/message/content").asText();
        List<String> pieces = new ArrayList<>();
        for (JsonNode c : trees(StreamReplay.chunks(bytes(text), false))) {
            JsonNode piece = c.at("/choices/0/delta/content");
            if (piece.isTextual() && !c.at("/choices/0/delta").has("role")) {
                pieces.add(piece.asText());
            }
        }

        assertThat(pieces).hasSizeGreaterThan(2);
        assertThat(String.join("", pieces)).isEqualTo(content);
        assertThat(pieces).allSatisfy(p -> {
            assertThat(p.length()).isLessThanOrEqualTo(StreamReplay.PIECE_CHARS + 1);
            assertThat(Character.isLowSurrogate(p.charAt(0))).isFalse();
            assertThat(Character.isHighSurrogate(p.charAt(p.length() - 1))).isFalse();
        });
    }

    @Test
    void logprobsTravelWithTheTextInBoundedGroups() {
        List<JsonNode> chunks = trees(StreamReplay.chunks(bytes(withLogprobs(40)), false));
        List<JsonNode> scored = chunks.stream()
                .map(c -> c.at("/choices/0/logprobs/content"))
                .filter(l -> l.isArray() && !l.isEmpty())
                .toList();

        assertThat(scored).hasSize(3); // 40 entries, at most 16 a chunk
        assertThat(scored).allSatisfy(l -> assertThat(l.size()).isLessThanOrEqualTo(StreamReplay.PIECE_LOGPROBS));
        assertThat(chunks.get(0).at("/choices/0/logprobs").isNull()).isTrue();
    }

    @Test
    void aStreamAssembledFromTheProviderReplaysAndAssemblesToTheSameBytes() {
        for (List<String> stream : List.of(
                openAiFixture("chat-stream-usage.sse"),
                openAiFixture("chat-stream.sse"),
                openAiFixture("tool-call-stream.sse"),
                azureFixture("chat-stream.sse"),
                azureFixture("chat-stream-tool-call.sse"))) {
            byte[] whole = feed(stream).completion(new Usage(81, 30, 0));
            byte[] again = feedBytes(StreamReplay.chunks(whole, true)).completion(null);
            assertThat(whole).isNotNull();
            assertThat(again).isEqualTo(whole);
        }
    }

    @Test
    void aProvidersNonStreamedAnswerReplaysWithItsUsageAsItCame() {
        for (String fixture : List.of("chat.json", "chat-tool-call.json")) {
            byte[] cached = ProviderTesting.fixture("openai", fixture);
            JsonNode x = json(cached);
            List<byte[]> chunks = StreamReplay.chunks(cached, true);
            JsonNode again = json(feedBytes(chunks).completion(null));

            assertThat(again.at("/choices/0/message/content"))
                    .as(fixture)
                    .isEqualTo(x.at("/choices/0/message/content"));
            assertThat(again.at("/choices/0/message/tool_calls"))
                    .as(fixture)
                    .isEqualTo(x.at("/choices/0/message/tool_calls"));
            assertThat(again.at("/choices/0/finish_reason")).isEqualTo(x.at("/choices/0/finish_reason"));
            assertThat(json(chunks.get(chunks.size() - 1)).get("usage")).isEqualTo(x.get("usage"));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "not json",
                "[]",
                "{\"object\":\"text_completion\",\"choices\":[{\"text\":\"Hi\",\"index\":0,\"finish_reason\":\"stop\"}]}",
                "{\"object\":\"chat.completion\",\"choices\":[]}",
                "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"}}]}",
                "{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}",
                "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                        + "\"audio\":{\"id\":\"audio_1\",\"data\":\"UklGR\"}},\"finish_reason\":\"stop\"}]}",
                "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                        + "\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}},\"finish_reason\":\"function_call\"}]}",
                "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                        + "[{\"id\":\"c\",\"type\":\"custom\",\"custom\":{\"name\":\"f\",\"input\":\"x\"}}]},"
                        + "\"finish_reason\":\"tool_calls\"}]}",
                "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\"}]},"
                        + "\"finish_reason\":\"stop\"}]}"
            })
    void whatCannotBeReplayedFaithfullyIsNull(String cached) {
        assertThat(StreamReplay.chunks(bytes(cached), true)).isNull();
    }

    /** Text past three pieces, with characters outside the BMP where the pieces are cut. */
    private static String longText() {
        // "ab" and a smiley (two chars) repeated: the cut at a third of the length falls inside a smiley
        String smileys = "ab\uD83D\uDE00".repeat(2 * StreamReplay.PIECE_CHARS / 4 + 3);
        String text = smileys + "x".repeat(StreamReplay.PIECE_CHARS);
        return """
                {"id":"chatcmpl-L1","object":"chat.completion","created":1751544500,"model":"gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"length"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":4096,"total_tokens":4101}}""".formatted(text);
    }

    /** A completion with logprobs: one entry per token, numbers as OpenAI writes them. */
    private static String withLogprobs(int tokens) {
        StringBuilder content = new StringBuilder();
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < tokens; i++) {
            String token = "t" + i + " ";
            content.append(token);
            entries.add("{\"token\":\"" + token + "\",\"logprob\":-0.00" + (i + 1) + "7251,\"bytes\":[116],"
                    + "\"top_logprobs\":[{\"token\":\"" + token + "\",\"logprob\":-1.4305106E-6,\"bytes\":[116]}]}");
        }
        return """
                {"id":"chatcmpl-P1","object":"chat.completion","created":1751544600,"model":"gpt-4o-mini",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"%s"},
                             "logprobs":{"content":[%s],"refusal":null},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":9,"completion_tokens":%d,"total_tokens":%d}}""".formatted(content, String.join(",", entries), tokens, tokens + 9);
    }

    private static List<JsonNode> trees(List<byte[]> chunks) {
        assertThat(chunks).isNotNull();
        return chunks.stream().map(Chunks::json).toList();
    }
}
