package io.llmux.provider.translate;

import com.fasterxml.jackson.core.JsonGenerator;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.util.List;

/**
 * Writes a whole translated answer as OpenAI's {@code chat.completion} (or {@code text_completion} for a legacy
 * {@code /v1/completions} request served by a chat-only provider), so clients cannot tell which provider answered.
 */
public final class CompletionWriter {
    private CompletionWriter() {}

    /**
     * @param content the answer's text, or null when it only calls tools
     * @param finishReason OpenAI's finish reason
     */
    public static byte[] chat(
            String id,
            long created,
            String model,
            String content,
            List<ToolCall> toolCalls,
            String finishReason,
            Usage usage) {
        return ChunkWriter.bytes(g -> {
            head(g, id, "chat.completion", created, model);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            if (content == null) {
                g.writeNullField("content");
            } else {
                g.writeStringField("content", content);
            }
            if (!toolCalls.isEmpty()) {
                g.writeArrayFieldStart("tool_calls");
                for (ToolCall call : toolCalls) {
                    g.writeStartObject();
                    g.writeStringField("id", call.id());
                    g.writeStringField("type", "function");
                    g.writeObjectFieldStart("function");
                    g.writeStringField("name", call.name());
                    g.writeStringField("arguments", call.arguments());
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeNullField("refusal");
            g.writeEndObject();
            g.writeNullField("logprobs");
            g.writeStringField("finish_reason", finishReason);
            g.writeEndObject();
            g.writeEndArray();
            ChunkWriter.writeUsage(g, usage);
            g.writeEndObject();
        });
    }

    /** A legacy {@code text_completion}: the chat answer's text as {@code choices[0].text}. */
    public static byte[] text(String id, long created, String model, String text, String finishReason, Usage usage) {
        return ChunkWriter.bytes(g -> {
            head(g, id, "text_completion", created, model);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeStringField("text", text == null ? "" : text);
            g.writeNumberField("index", 0);
            g.writeNullField("logprobs");
            g.writeStringField("finish_reason", finishReason);
            g.writeEndObject();
            g.writeEndArray();
            ChunkWriter.writeUsage(g, usage);
            g.writeEndObject();
        });
    }

    private static void head(JsonGenerator g, String id, String object, long created, String model) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", object);
        g.writeNumberField("created", created);
        g.writeStringField("model", model);
    }
}
