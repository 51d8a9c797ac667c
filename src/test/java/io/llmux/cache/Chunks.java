package io.llmux.cache;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.ProviderTesting;
import io.llmux.wire.Usage;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Chunk payloads for the cache's tests: OpenAI's head around hand-written choices, fixtures, assembling. */
final class Chunks {
    static final String HEAD = "\"id\":\"chatcmpl-C1\",\"object\":\"chat.completion.chunk\",\"created\":1751544122,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_34a54ae93c\"";

    private Chunks() {}

    /** A chunk with OpenAI's head and these choices (JSON array elements). */
    static String chunk(String choices) {
        return "{" + HEAD + ",\"choices\":[" + choices + "],\"usage\":null}";
    }

    /** One choice entry: index, delta (JSON object), finish reason (null for none). */
    static String choice(int index, String delta, String finish) {
        return "{\"index\":" + index + ",\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}";
    }

    /** The usage chunk {@code include_usage} adds: no choices. */
    static String usageChunk(long prompt, long completion, long cached) {
        return "{" + HEAD + ",\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":"
                + completion + ",\"total_tokens\":" + (prompt + completion)
                + ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + ",\"audio_tokens\":0}}}";
    }

    /** The {@code data:} payloads of an OpenAI SSE fixture, without {@code [DONE]}. */
    static List<String> openAiFixture(String name) {
        return ProviderTesting.payloads(ProviderTesting.fixtureText("openai", name));
    }

    /** The {@code data:} payloads of an Azure SSE fixture: its first chunk holds only prompt filter results. */
    static List<String> azureFixture(String name) {
        return ProviderTesting.payloads(ProviderTesting.fixtureText("azure", name));
    }

    static StreamAssembler feed(List<String> payloads) {
        return feed(payloads, 1 << 20);
    }

    static StreamAssembler feed(List<String> payloads, long maxBytes) {
        StreamAssembler assembler = new StreamAssembler(maxBytes);
        payloads.forEach(p -> assembler.accept(bytes(p)));
        return assembler;
    }

    static StreamAssembler feedBytes(List<byte[]> payloads) {
        StreamAssembler assembler = new StreamAssembler(1 << 20);
        payloads.forEach(assembler::accept);
        return assembler;
    }

    static JsonNode assemble(List<String> payloads, Usage fallback) {
        byte[] whole = feed(payloads).completion(fallback);
        return whole == null ? null : json(whole);
    }

    static JsonNode json(String text) {
        return ProviderTesting.json(text);
    }

    static JsonNode tree(String text) {
        return ProviderTesting.tree(bytes(text));
    }

    static JsonNode json(byte[] bytes) {
        return ProviderTesting.tree(bytes);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
