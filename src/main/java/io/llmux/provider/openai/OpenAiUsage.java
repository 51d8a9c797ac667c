package io.llmux.provider.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads token counts from OpenAI answers without building a tree: a streaming parse that looks at {@code usage} (and,
 * in chunks, whether {@code choices} is empty) and skips everything else.
 */
final class OpenAiUsage {
    private static final byte[] KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * A chunk's usage.
     *
     * @param usageOnly the chunk has no choices: it is the usage chunk that {@code include_usage} adds at the end
     */
    record Chunk(Usage usage, boolean usageOnly) {}

    private OpenAiUsage() {}

    /**
     * Whether a chunk may carry usage: a {@code "usage"} key whose value is not null. Most chunks have none, or
     * {@code "usage":null} once usage is asked for, and are never parsed; a false positive only costs a parse.
     */
    static boolean mentionsUsage(byte[] json) {
        int n = json.length;
        outer:
        for (int i = 0; i <= n - KEY.length; i++) {
            if (json[i] != '"') {
                continue;
            }
            for (int k = 1; k < KEY.length; k++) {
                if (json[i + k] != KEY[k]) {
                    continue outer;
                }
            }
            int j = skipSpace(json, i + KEY.length);
            if (j < n && json[j] == ':') {
                j = skipSpace(json, j + 1);
                return j < n && json[j] != 'n';
            }
        }
        return false;
    }

    /** The chunk's usage, or null when it has none or cannot be read (a stream is not failed for its accounting). */
    static Chunk ofChunk(byte[] json) {
        try {
            return read(json, false);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The usage of a whole answer ({@link Usage#NONE} when it reports none; embeddings report prompt tokens only).
     *
     * @throws IOException when the body is not one JSON object
     */
    static Usage ofBody(byte[] json) throws IOException {
        Chunk chunk = read(json, true);
        return chunk == null ? Usage.NONE : chunk.usage();
    }

    private static Chunk read(byte[] json, boolean whole) throws IOException {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            Usage usage = null;
            boolean noChoices = true;
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_OBJECT && "usage".equals(field)) {
                    usage = usage(p);
                } else if (value == JsonToken.START_ARRAY && "choices".equals(field)) {
                    noChoices = skipArray(p) == 0;
                } else {
                    p.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || (whole && p.nextToken() != null)) {
                throw new IOException("not a JSON object");
            }
            return usage == null ? null : new Chunk(usage, noChoices);
        }
    }

    private static Usage usage(JsonParser p) throws IOException {
        long prompt = 0;
        long completion = 0;
        long cached = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (value.isNumeric()) {
                if ("prompt_tokens".equals(field)) {
                    prompt = p.getValueAsLong();
                } else if ("completion_tokens".equals(field)) {
                    completion = p.getValueAsLong();
                }
            } else if (value == JsonToken.START_OBJECT && "prompt_tokens_details".equals(field)) {
                cached = cachedTokens(p);
            } else {
                p.skipChildren();
            }
        }
        return new Usage(prompt, completion, cached);
    }

    private static long cachedTokens(JsonParser p) throws IOException {
        long cached = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (value.isNumeric() && "cached_tokens".equals(field)) {
                cached = p.getValueAsLong();
            } else {
                p.skipChildren();
            }
        }
        return cached;
    }

    /** Skips an array whose START_ARRAY was just read; returns how many elements it had. */
    private static int skipArray(JsonParser p) throws IOException {
        int count = 0;
        JsonToken token;
        while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
            if (token == null) {
                throw new IOException("unexpected end of JSON");
            }
            p.skipChildren();
            count++;
        }
        return count;
    }

    private static int skipSpace(byte[] json, int from) {
        int i = from;
        while (i < json.length && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) {
            i++;
        }
        return i;
    }
}
