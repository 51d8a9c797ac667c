package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import io.llmux.wire.Json;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * OpenAI {@code messages} as Anthropic's {@code system} and {@code messages}. The Messages API has two roles that
 * alternate, a top-level system prompt and tool results inside user turns, so: system and developer messages are
 * lifted out; assistant {@code tool_calls} become {@code tool_use} blocks; {@code tool} messages become
 * {@code tool_result} blocks of a user turn; consecutive turns of one role are merged into one.
 */
final class AnthropicMessages {
    private static final Set<String> USER_PARTS = Set.of("text", "image_url", "file");
    private static final Set<String> ASSISTANT_PARTS = Set.of("text", "refusal");
    private static final Set<String> SYSTEM_PARTS = Set.of("text");
    private static final Set<String> TOOL_PARTS = Set.of("text", "image_url");

    /**
     * @param system the system text blocks in order (each may carry {@code cache_control}); empty when none
     * @param messages the alternating user/assistant turns
     */
    record Result(ArrayNode system, ArrayNode messages) {}

    private final ArrayNode system = Json.MAPPER.createArrayNode();
    private final ArrayNode out = Json.MAPPER.createArrayNode();
    /** Ids of the last assistant turn's tool calls that no tool message has answered yet. */
    private final Set<String> unanswered = new LinkedHashSet<>();

    private int unansweredAt = -1;

    private AnthropicMessages() {}

    static Result translate(JsonNode messages) throws ProviderFailure {
        if (messages == null || !messages.isArray()) {
            throw BadRequest.of("messages", "'messages' must be a list of messages");
        }
        AnthropicMessages t = new AnthropicMessages();
        for (int i = 0; i < messages.size(); i++) {
            t.message(messages.get(i), i);
        }
        for (JsonNode m : t.out) {
            simplify((ObjectNode) m);
        }
        return new Result(t.system, t.out);
    }

    private void message(JsonNode m, int i) throws ProviderFailure {
        String at = "messages[" + i + "]";
        if (!m.isObject()) {
            throw BadRequest.of(at, "'" + at + "' must be an object with a role and content");
        }
        String role = m.path("role").asText("");
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        switch (role) {
            case "system", "developer" -> {
                AnthropicParts.append(m.get("content"), SYSTEM_PARTS, at + ".content", blocks);
                cacheMessage(m, blocks);
                system.addAll(blocks);
            }
            case "user" -> {
                requireAnswered(at);
                AnthropicParts.append(m.get("content"), USER_PARTS, at + ".content", blocks);
                cacheMessage(m, blocks);
                append("user", blocks);
            }
            case "assistant" -> {
                requireAnswered(at);
                if (m.hasNonNull("function_call")) {
                    throw BadRequest.of(
                            at + ".function_call",
                            "the deprecated 'function_call' of assistant messages is not supported for anthropic"
                                    + " models; use 'tool_calls'");
                }
                AnthropicParts.append(m.get("content"), ASSISTANT_PARTS, at + ".content", blocks);
                toolUses(m.get("tool_calls"), at + ".tool_calls", blocks);
                cacheMessage(m, blocks);
                append("assistant", blocks);
                unansweredAt = i;
            }
            case "tool" -> {
                blocks.add(toolResult(m, at));
                cacheMessage(m, blocks);
                append("user", blocks);
            }
            case "function" ->
                throw BadRequest.of(
                        at + ".role",
                        "the deprecated 'function' role is not supported for anthropic models; use 'tool' messages");
            default ->
                throw BadRequest.of(
                        at + ".role",
                        "'" + at + ".role' must be system, developer, user, assistant or tool (got '" + role + "')");
        }
    }

    /** Each call becomes a {@code tool_use} block whose {@code input} is the parsed arguments object. */
    private void toolUses(JsonNode calls, String where, ArrayNode blocks) throws ProviderFailure {
        unanswered.clear();
        if (calls == null || calls.isNull()) {
            return;
        }
        if (!calls.isArray()) {
            throw BadRequest.of(where, "'" + where + "' must be a list of tool calls");
        }
        for (int k = 0; k < calls.size(); k++) {
            String at = where + "[" + k + "]";
            JsonNode call = calls.get(k);
            String id = call.path("id").asText("");
            String name = call.path("function").path("name").asText("");
            if (!call.path("type").asText("function").equals("function") || id.isEmpty() || name.isEmpty()) {
                throw BadRequest.of(at, "'" + at + "' must be a function call with an id and a function name");
            }
            ObjectNode use = blocks.addObject()
                    .put("type", "tool_use")
                    .put("id", ToolIds.upstream(id))
                    .put("name", name);
            use.set("input", arguments(call.path("function").get("arguments"), at + ".function.arguments"));
            unanswered.add(id);
        }
    }

    /** The arguments string as the JSON object Anthropic wants; an empty string is a call without arguments. */
    private static JsonNode arguments(JsonNode arguments, String at) throws ProviderFailure {
        if (arguments == null
                || arguments.isNull()
                || (arguments.isTextual() && arguments.asText().isBlank())) {
            return Json.MAPPER.createObjectNode();
        }
        if (arguments.isObject()) {
            return arguments;
        }
        try {
            JsonNode parsed = arguments.isTextual() ? Json.MAPPER.readTree(arguments.asText()) : null;
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (IOException e) {
            // reported below with the param
        }
        throw BadRequest.of(at, "'" + at + "' must be a JSON object in a string, as the model produced it");
    }

    private ObjectNode toolResult(JsonNode m, String at) throws ProviderFailure {
        JsonNode idNode = m.get("tool_call_id");
        if (idNode == null || !idNode.isTextual() || idNode.asText().isEmpty()) {
            throw BadRequest.of(at + ".tool_call_id", "'" + at + ".tool_call_id' is required for tool messages");
        }
        String id = idNode.asText();
        if (!unanswered.remove(id)) {
            throw BadRequest.of(
                    at + ".tool_call_id",
                    "tool message '" + at + "' answers tool call '" + id
                            + "', which the assistant message before it did not make (or which was already answered)");
        }
        ObjectNode result =
                Json.MAPPER.createObjectNode().put("type", "tool_result").put("tool_use_id", ToolIds.upstream(id));
        JsonNode content = m.get("content");
        if (content != null && content.isTextual()) {
            result.put("content", content.asText());
        } else {
            ArrayNode parts = Json.MAPPER.createArrayNode();
            AnthropicParts.append(content, TOOL_PARTS, at + ".content", parts);
            result.set("content", parts);
        }
        return result;
    }

    /** OpenAI, like Anthropic, wants every tool call answered before the conversation goes on. */
    private void requireAnswered(String at) throws ProviderFailure {
        if (!unanswered.isEmpty()) {
            throw BadRequest.of(
                    "messages[" + unansweredAt + "].tool_calls",
                    "the tool calls " + String.join(", ", unanswered) + " of messages[" + unansweredAt
                            + "] have no tool message answering them before " + at);
        }
    }

    /** Some clients put {@code cache_control} on the message itself: it goes on the message's last block. */
    private static void cacheMessage(JsonNode m, ArrayNode blocks) {
        JsonNode cache = m.get("cache_control");
        if (cache != null && !cache.isNull() && !blocks.isEmpty()) {
            ObjectNode last = (ObjectNode) blocks.get(blocks.size() - 1);
            if (!last.has("cache_control")) {
                last.set("cache_control", cache);
            }
        }
    }

    /** Anthropic's roles alternate: a turn of the same role as the one before is merged into it. */
    private void append(String role, ArrayNode blocks) {
        if (!out.isEmpty()) {
            ObjectNode last = (ObjectNode) out.get(out.size() - 1);
            if (last.path("role").asText().equals(role)) {
                ((ArrayNode) last.get("content")).addAll(blocks);
                return;
            }
        }
        out.addObject().put("role", role).set("content", blocks);
    }

    /**
     * A turn of one plain text block is sent as a string, as people write it; an empty turn as an empty string, which
     * the provider refuses with its own message.
     */
    private static void simplify(ObjectNode message) {
        JsonNode content = message.get("content");
        if (content.isEmpty()) {
            message.put("content", "");
        } else if (content.size() == 1
                && content.get(0).path("type").asText().equals("text")
                && !content.get(0).has("cache_control")) {
            message.put("content", content.get(0).get("text").asText());
        }
    }
}
