package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.UpstreamSse;
import io.llmux.provider.sse.SseReader;
import io.llmux.provider.translate.ChunkWriter;
import io.llmux.provider.translate.TranslatedStream;
import io.llmux.wire.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * An Anthropic event stream as OpenAI chunks. {@code message_start} gives the id, model and prompt usage (and the role
 * chunk); each content block's deltas become content or tool-call argument chunks; {@code message_delta} carries the
 * stop reason (the finish chunk) and the output usage; {@code message_stop} ends the answer, after the usage chunk
 * when the client asked for one. {@code ping} and unknown events yield nothing; an {@code error} event fails the
 * stream. No Anthropic event reaches the client as it came.
 *
 * <p>Anthropic numbers content blocks across text and tools; OpenAI numbers tool calls alone. An answer that opens
 * with a text block (index 0) and then calls a tool (block 1) must give the client tool call 0, so tool indexes are
 * counted here, per {@code tool_use} block.
 */
final class AnthropicStream extends TranslatedStream {
    private final String jsonTool;
    private final boolean legacy;
    private final boolean clientWantsUsage;
    private final long created;
    private final AnthropicUsage usage = new AnthropicUsage();
    /** Anthropic block index → OpenAI tool-call index. */
    private final Map<Integer, Integer> toolIndexes = new HashMap<>();

    private ChunkWriter writer;
    private int jsonBlock = -1;
    private boolean finished;

    /**
     * @param jsonTool the forced tool that carries a {@code json_schema} answer (its input streams as content), or null
     * @param legacy write {@code text_completion} chunks for {@code /v1/completions}
     */
    AnthropicStream(UpstreamSse upstream, String jsonTool, boolean legacy, boolean clientWantsUsage, long created) {
        super(upstream);
        this.jsonTool = jsonTool;
        this.legacy = legacy;
        this.clientWantsUsage = clientWantsUsage;
        this.created = created;
    }

    @Override
    protected boolean translate(SseReader.Event event, Emitter emit) throws ProviderFailure {
        JsonNode data = parse(event);
        String type = data.path("type").asText(event.name() == null ? "" : event.name());
        if (type.equals("error")) {
            throw upstream().errors().ofEvent(event.data());
        }
        if (type.equals("message_start")) {
            JsonNode message = data.path("message");
            writer = new ChunkWriter(
                    message.path("id").asText(""),
                    created,
                    message.path("model").asText(""),
                    legacy);
            usage(usage.add(message.get("usage")).toUsage());
            byte[] role = writer.role();
            if (role != null) {
                emit.chunk(role);
            }
            return false;
        }
        if (writer == null) {
            if (type.equals("ping")) {
                return false;
            }
            throw malformed("sent '" + type + "' before message_start");
        }
        switch (type) {
            case "content_block_start" -> blockStart(data.path("index").asInt(), data.path("content_block"), emit);
            case "content_block_delta" -> delta(data.path("index").asInt(), data.path("delta"), emit);
            case "message_delta" -> {
                usage(usage.add(data.get("usage")).toUsage());
                JsonNode stop = data.path("delta").path("stop_reason");
                if (stop.isTextual()) {
                    finish(stop.asText(), emit);
                }
            }
            case "message_stop" -> {
                finish(null, emit);
                if (clientWantsUsage) {
                    emit.chunk(writer.usage(usage.toUsage()));
                }
                return true;
            }
            default -> {
                // ping, content_block_stop, and event types added later: nothing for the client
            }
        }
        return false;
    }

    /** Anthropic ends with {@code message_stop}: a body that ends before it is a broken stream. */
    @Override
    protected boolean endOfBody(Emitter emit) {
        return false;
    }

    private void blockStart(int index, JsonNode block, Emitter emit) {
        switch (block.path("type").asText()) {
            case "text" -> content(block.path("text").asText(""), emit);
            case "tool_use" -> {
                String name = block.path("name").asText("");
                if (jsonTool != null && jsonTool.equals(name)) {
                    jsonBlock = index;
                } else if (!legacy) {
                    int tool = toolIndexes.size();
                    toolIndexes.put(index, tool);
                    emit.chunk(writer.toolCallStart(tool, block.path("id").asText(""), name));
                }
            }
            default -> {
                // thinking and server tool blocks: nothing in OpenAI's stream holds them
            }
        }
    }

    private void delta(int index, JsonNode delta, Emitter emit) {
        switch (delta.path("type").asText()) {
            case "text_delta" -> content(delta.path("text").asText(""), emit);
            case "input_json_delta" -> {
                String fragment = delta.path("partial_json").asText("");
                Integer tool = toolIndexes.get(index);
                if (fragment.isEmpty()) {
                    return;
                }
                if (index == jsonBlock) {
                    emit.chunk(writer.content(fragment));
                } else if (tool != null) {
                    emit.chunk(writer.toolCallArguments(tool, fragment));
                }
            }
            default -> {
                // thinking_delta, signature_delta, citations_delta: not part of OpenAI's answer
            }
        }
    }

    /** In JSON mode only the tool's input is the answer: text the model wrote around the call would break the JSON. */
    private void content(String text, Emitter emit) {
        if (!text.isEmpty() && jsonTool == null) {
            emit.chunk(writer.content(text));
        }
    }

    /** One finish chunk per answer: at the stop reason, or at {@code message_stop} when none came. */
    private void finish(String stopReason, Emitter emit) {
        if (!finished) {
            finished = true;
            emit.chunk(writer.finish(FinishReasons.of(stopReason, jsonTool != null)));
        }
    }

    private JsonNode parse(SseReader.Event event) throws ProviderFailure {
        try {
            JsonNode data = Json.MAPPER.readTree(event.data());
            if (data != null && data.isObject()) {
                return data;
            }
        } catch (IOException e) {
            // reported below
        }
        throw malformed("sent an event that is not a JSON object");
    }

    private ProviderFailure malformed(String what) {
        return upstream().errors().ofMessage(Failure.TRANSIENT, 0, "the stream " + what);
    }
}
