package io.llmux.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.Answer;
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
 * A whole {@code GenerateContentResponse} as OpenAI's {@code chat.completion} (or {@code text_completion}): each
 * candidate is a choice, its text parts joined into {@code content}, its {@code functionCall} parts as
 * {@code tool_calls}. Thought summaries ({@code thought: true} parts) are the model's notes, not its answer, and are
 * left out.
 */
final class GeminiAnswer {
    private GeminiAnswer() {}

    /** One candidate, read. */
    record Choice(String text, List<ToolCall> toolCalls, String finishReason) {
        /** OpenAI's {@code content}: null when the answer only calls tools. */
        String content() {
            return text.isEmpty() && !toolCalls.isEmpty() ? null : text;
        }
    }

    static Answer.Whole translate(byte[] body, GeminiReply reply, UpstreamErrors errors) throws ProviderFailure {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw errors.malformed();
        }
        if (root == null || !root.isObject()) {
            throw errors.malformed();
        }
        if (root.has("error")) {
            throw errors.ofEvent(body);
        }
        JsonNode candidates = root.path("candidates");
        if (!candidates.isArray() || candidates.isEmpty()) {
            throw GeminiFinish.noCandidate(root, errors);
        }
        String model = reply.model(root.path("modelVersion").asText(null));
        Usage usage = GeminiUsage.of(root.path("usageMetadata"));
        List<Choice> choices = new ArrayList<>();
        int position = 0;
        for (JsonNode candidate : candidates) {
            Choice choice = read(candidate, reply, position, errors);
            position += choice.toolCalls().size();
            choices.add(choice);
        }
        Choice first = choices.get(0);
        if (reply.legacy()) {
            return new Answer.Whole(
                    CompletionWriter.text(
                            reply.id(), reply.created(), model, first.text(), first.finishReason(), usage),
                    usage);
        }
        byte[] answer = CompletionWriter.chat(
                reply.id(), reply.created(), model, first.content(), first.toolCalls(), first.finishReason(), usage);
        return new Answer.Whole(choices.size() == 1 ? answer : withChoices(answer, choices, reply, model), usage);
    }

    /** Reads one candidate; {@code position} is the index its first function call takes in the answer. */
    static Choice read(JsonNode candidate, GeminiReply reply, int position, UpstreamErrors errors)
            throws ProviderFailure {
        StringBuilder text = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.path("thought").asBoolean(false)) {
                continue;
            }
            if (part.path("text").isTextual()) {
                text.append(part.get("text").asText());
            } else if (part.path("functionCall").isObject()) {
                JsonNode call = part.get("functionCall");
                calls.add(new ToolCall(
                        reply.toolCallId(position + calls.size()),
                        call.path("name").asText(""),
                        arguments(call)));
            }
        }
        return new Choice(text.toString(), calls, GeminiFinish.reason(candidate, !calls.isEmpty(), errors));
    }

    /** A call's {@code args} as the JSON string OpenAI's {@code arguments} is. */
    static String arguments(JsonNode functionCall) {
        JsonNode args = functionCall.path("args");
        return args.isObject() ? args.toString() : "{}";
    }

    /** {@code n > 1}: the writer writes one choice, so the others are written alone and moved in. */
    private static byte[] withChoices(byte[] first, List<Choice> choices, GeminiReply reply, String model) {
        try {
            ObjectNode root = (ObjectNode) Json.MAPPER.readTree(first);
            ArrayNode all = (ArrayNode) root.get("choices");
            for (int i = 1; i < choices.size(); i++) {
                Choice c = choices.get(i);
                byte[] alone = CompletionWriter.chat(
                        reply.id(), reply.created(), model, c.content(), c.toolCalls(), c.finishReason(), Usage.NONE);
                ObjectNode choice =
                        (ObjectNode) Json.MAPPER.readTree(alone).get("choices").get(0);
                choice.put("index", i);
                all.add(choice);
            }
            return Json.MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("the completion writer wrote JSON that does not read back", e);
        }
    }
}
