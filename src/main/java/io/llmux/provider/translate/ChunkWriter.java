package io.llmux.provider.translate;

import com.fasterxml.jackson.core.JsonGenerator;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the {@code chat.completion.chunk} payloads of a translated stream (Anthropic, Gemini) exactly as OpenAI
 * sends them: the role first, content and tool-call deltas with their {@code index}, {@code finish_reason: null}
 * until the finish chunk, then the usage chunk with {@code choices: []}. One writer per stream: it holds the id,
 * creation time and model every chunk repeats. With {@code legacy} it writes {@code text_completion} chunks instead,
 * for {@code /v1/completions} served by a chat-only provider.
 */
public final class ChunkWriter {
    private final String id;
    private final long created;
    private final String model;
    private final boolean legacy;

    public ChunkWriter(String id, long created, String model, boolean legacy) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.legacy = legacy;
    }

    /** The first chunk: {@code delta: {role: assistant, content: ""}}. Null for legacy text, which has no role. */
    public byte[] role() {
        if (legacy) {
            return null;
        }
        return write(
                g -> {
                    g.writeObjectFieldStart("delta");
                    g.writeStringField("role", "assistant");
                    g.writeStringField("content", "");
                    g.writeEndObject();
                },
                null);
    }

    public byte[] content(String text) {
        if (legacy) {
            return write(g -> g.writeStringField("text", text), null);
        }
        return write(
                g -> {
                    g.writeObjectFieldStart("delta");
                    g.writeStringField("content", text);
                    g.writeEndObject();
                },
                null);
    }

    /** A tool call begins: its index among this answer's calls, the id the client answers with, the function. */
    public byte[] toolCallStart(int index, String callId, String name) {
        return write(
                g -> {
                    g.writeObjectFieldStart("delta");
                    g.writeArrayFieldStart("tool_calls");
                    g.writeStartObject();
                    g.writeNumberField("index", index);
                    g.writeStringField("id", callId);
                    g.writeStringField("type", "function");
                    g.writeObjectFieldStart("function");
                    g.writeStringField("name", name);
                    g.writeStringField("arguments", "");
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeEndObject();
                },
                null);
    }

    /** A fragment of a tool call's JSON arguments; the client concatenates fragments of the same index. */
    public byte[] toolCallArguments(int index, String fragment) {
        return write(
                g -> {
                    g.writeObjectFieldStart("delta");
                    g.writeArrayFieldStart("tool_calls");
                    g.writeStartObject();
                    g.writeNumberField("index", index);
                    g.writeObjectFieldStart("function");
                    g.writeStringField("arguments", fragment);
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeEndObject();
                },
                null);
    }

    /** The chunk that carries the finish reason ({@code stop}, {@code length}, {@code tool_calls}, …). */
    public byte[] finish(String finishReason) {
        if (legacy) {
            return write(g -> g.writeStringField("text", ""), finishReason);
        }
        return write(
                g -> {
                    g.writeObjectFieldStart("delta");
                    g.writeEndObject();
                },
                finishReason);
    }

    /** The last chunk when the client asked for usage: {@code choices: []} and the answer's token counts. */
    public byte[] usage(Usage usage) {
        return bytes(g -> {
            head(g);
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            writeUsage(g, usage);
            g.writeEndObject();
        });
    }

    /** OpenAI's usage object; {@code prompt_tokens} includes cached tokens, as OpenAI counts them. */
    public static void writeUsage(JsonGenerator g, Usage usage) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", usage.promptTokens());
        g.writeNumberField("completion_tokens", usage.completionTokens());
        g.writeNumberField("total_tokens", usage.totalTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", usage.cachedTokens());
        g.writeEndObject();
        g.writeEndObject();
    }

    /** JSON written with a generator: a chunk's choice fields, or a whole body. */
    @FunctionalInterface
    interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private byte[] write(Fields choice, String finishReason) {
        return bytes(g -> {
            head(g);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            choice.write(g);
            g.writeNullField("logprobs");
            if (finishReason == null) {
                g.writeNullField("finish_reason");
            } else {
                g.writeStringField("finish_reason", finishReason);
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private void head(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", legacy ? "text_completion" : "chat.completion.chunk");
        g.writeNumberField("created", created);
        g.writeStringField("model", model);
    }

    static byte[] bytes(Fields body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }
}
