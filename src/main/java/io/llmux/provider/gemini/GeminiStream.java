package io.llmux.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.UpstreamSse;
import io.llmux.provider.sse.SseReader;
import io.llmux.provider.translate.ChunkWriter;
import io.llmux.provider.translate.TranslatedStream;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;

/**
 * {@code streamGenerateContent?alt=sse} as OpenAI chunks. Every event is a whole {@code GenerateContentResponse}
 * holding the next piece of the answer: text parts become content deltas; a function call arrives whole, so it
 * becomes a tool-call start and one arguments delta, indexed across the stream; the chunk with a
 * {@code finishReason} yields the finish chunk. Each event repeats the usage so far, so the last one counts.
 *
 * <p>Gemini ends a stream by ending the body, with no closing event: the end of the body completes the answer,
 * with a finish chunk if none came and the usage chunk when the client asked for it. A body that ends before any
 * event is a broken stream.
 */
final class GeminiStream extends TranslatedStream {
    private final GeminiReply reply;
    private final boolean clientWantsUsage;
    private ChunkWriter writer;
    private boolean roleSent;
    private int toolCalls;
    private boolean finished;
    private Usage lastUsage = Usage.NONE;

    GeminiStream(UpstreamSse upstream, GeminiReply reply, boolean clientWantsUsage) {
        super(upstream);
        this.reply = reply;
        this.clientWantsUsage = clientWantsUsage;
    }

    @Override
    protected boolean translate(SseReader.Event event, Emitter emit) throws ProviderFailure {
        byte[] data = event.data();
        if (data.length == 0) {
            return false;
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw upstream().errors().malformed();
        }
        if (root == null || !root.isObject()) {
            throw upstream().errors().malformed();
        }
        if (root.has("error")) {
            throw upstream().errors().ofEvent(data);
        }
        if (writer == null) {
            writer = new ChunkWriter(
                    reply.id(),
                    reply.created(),
                    reply.model(root.path("modelVersion").asText(null)),
                    reply.legacy());
        }
        if (root.has("usageMetadata")) {
            lastUsage = GeminiUsage.of(root.get("usageMetadata"));
            usage(lastUsage);
        }
        JsonNode candidates = root.path("candidates");
        if (!candidates.isArray() || candidates.isEmpty()) {
            if (root.path("promptFeedback").hasNonNull("blockReason")) {
                throw GeminiFinish.noCandidate(root, upstream().errors());
            }
            return false; // a chunk with usage only
        }
        JsonNode candidate = candidates.get(0);
        if (finished) {
            return false;
        }
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.path("thought").asBoolean(false)) {
                continue;
            }
            if (part.path("text").isTextual() && !part.get("text").asText().isEmpty()) {
                role(emit);
                emit.chunk(writer.content(part.get("text").asText()));
            } else if (part.path("functionCall").isObject()) {
                JsonNode call = part.get("functionCall");
                int index = toolCalls++;
                role(emit);
                emit.chunk(writer.toolCallStart(
                        index, reply.toolCallId(index), call.path("name").asText("")));
                emit.chunk(writer.toolCallArguments(index, GeminiAnswer.arguments(call)));
            }
        }
        if (candidate.hasNonNull("finishReason")) {
            String reason =
                    GeminiFinish.reason(candidate, toolCalls > 0, upstream().errors());
            role(emit);
            emit.chunk(writer.finish(reason));
            finished = true;
        }
        return false; // the body's end completes the answer: usage may still follow
    }

    @Override
    protected boolean endOfBody(Emitter emit) {
        if (writer == null) {
            return false;
        }
        if (!finished) {
            role(emit);
            emit.chunk(writer.finish(toolCalls > 0 ? "tool_calls" : "stop"));
            finished = true;
        }
        if (clientWantsUsage) {
            emit.chunk(writer.usage(lastUsage));
        }
        return true;
    }

    /** The role chunk comes first, once; a legacy text stream has none. */
    private void role(Emitter emit) {
        if (!roleSent) {
            roleSent = true;
            byte[] role = writer.role();
            if (role != null) {
                emit.chunk(role);
            }
        }
    }
}
