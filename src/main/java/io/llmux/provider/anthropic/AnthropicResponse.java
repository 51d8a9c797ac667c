package io.llmux.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.Answer;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.UpstreamErrors;
import io.llmux.provider.translate.CompletionWriter;
import io.llmux.provider.translate.ToolCall;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole Anthropic message as OpenAI's {@code chat.completion} (or {@code text_completion}): text blocks joined into
 * the content, {@code tool_use} blocks as tool calls with their input as the JSON arguments, the stop reason as the
 * finish reason, the message's id and model. Blocks the client has no field for (thinking) are left out.
 */
final class AnthropicResponse {
    private AnthropicResponse() {}

    /**
     * @param jsonTool the forced tool that carries a {@code json_schema} answer, or null
     * @param legacy write a {@code text_completion} for {@code /v1/completions}
     * @throws ProviderFailure when the body is not an Anthropic message (a transient failure: another try may work)
     */
    static Answer.Whole read(byte[] body, String jsonTool, boolean legacy, long created, UpstreamErrors errors)
            throws ProviderFailure {
        JsonNode message;
        try {
            message = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw errors.malformed();
        }
        if (message == null || !message.isObject()) {
            throw errors.malformed();
        }
        if (!message.path("content").isArray()) {
            throw errors.ofMessage(Failure.TRANSIENT, 200, "returned JSON that is not a message (no content list)");
        }
        StringBuilder text = new StringBuilder();
        String json = null;
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : message.get("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "tool_use" -> {
                    String arguments = arguments(block.path("input"));
                    if (jsonTool != null && jsonTool.equals(block.path("name").asText())) {
                        json = arguments;
                    } else {
                        calls.add(new ToolCall(
                                block.path("id").asText(), block.path("name").asText(), arguments));
                    }
                }
                default -> {
                    // thinking, redacted_thinking, server tool blocks: nothing in OpenAI's answer holds them
                }
            }
        }
        // in JSON mode the tool's input is the answer; text the model wrote around the call would break the JSON
        String content = json != null ? json : text.isEmpty() && !calls.isEmpty() ? null : text.toString();
        String finish = FinishReasons.of(message.path("stop_reason").textValue(), jsonTool != null);
        Usage usage = AnthropicUsage.of(message.get("usage"));
        String id = message.path("id").asText("");
        String model = message.path("model").asText("");
        byte[] out = legacy
                ? CompletionWriter.text(id, created, model, content, finish, usage)
                : CompletionWriter.chat(id, created, model, content, calls, finish, usage);
        return new Answer.Whole(out, usage);
    }

    static String arguments(JsonNode input) {
        try {
            return Json.MAPPER.writeValueAsString(input.isMissingNode() ? Json.MAPPER.createObjectNode() : input);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }
}
