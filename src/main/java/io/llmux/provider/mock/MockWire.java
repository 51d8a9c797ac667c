package io.llmux.provider.mock;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import java.util.ArrayList;
import java.util.List;

/** The OpenAI shapes the mock answers with: a whole completion, or the chunks of a stream. */
final class MockWire {
    private MockWire() {}

    static ObjectNode chatCompletion(MockAnswer a, String model, long created) {
        ObjectNode root = head(a.id("chatcmpl-mock-"), "chat.completion", model, created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (a.toolCall() != null) {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject();
            call.put("id", a.toolCall().id());
            call.put("type", "function");
            call.putObject("function")
                    .put("name", a.toolCall().name())
                    .put("arguments", a.toolCall().arguments());
        } else {
            message.put("content", a.text());
        }
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", a.finishReason());
        usage(root, a);
        root.put("system_fingerprint", "llmux-mock");
        return root;
    }

    static ObjectNode textCompletion(MockAnswer a, String model, long created) {
        ObjectNode root = head(a.id("cmpl-mock-"), "text_completion", model, created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("text", a.text() == null ? "" : a.text());
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.put("finish_reason", a.finishReason().equals("tool_calls") ? "stop" : a.finishReason());
        usage(root, a);
        return root;
    }

    /** The chunks of a streamed chat answer: role first, the content in pieces, the finish, then usage if asked. */
    static List<ObjectNode> chatChunks(MockAnswer a, String model, long created, int pieces, boolean withUsage) {
        String id = a.id("chatcmpl-mock-");
        List<ObjectNode> chunks = new ArrayList<>();
        ObjectNode first = chunk(id, "chat.completion.chunk", model, created);
        ObjectNode delta = choice(first).putObject("delta");
        delta.put("role", "assistant");
        if (a.toolCall() != null) {
            delta.putNull("content");
            ObjectNode call = delta.putArray("tool_calls").addObject();
            call.put("index", 0);
            call.put("id", a.toolCall().id());
            call.put("type", "function");
            call.putObject("function").put("name", a.toolCall().name()).put("arguments", "");
            chunks.add(first);
            for (String part : split(a.toolCall().arguments(), pieces)) {
                ObjectNode c = chunk(id, "chat.completion.chunk", model, created);
                ObjectNode tc =
                        choice(c).putObject("delta").putArray("tool_calls").addObject();
                tc.put("index", 0);
                tc.putObject("function").put("arguments", part);
                chunks.add(c);
            }
        } else {
            delta.put("content", "");
            chunks.add(first);
            for (String part : split(a.text(), pieces)) {
                ObjectNode c = chunk(id, "chat.completion.chunk", model, created);
                choice(c).putObject("delta").put("content", part);
                chunks.add(c);
            }
        }
        ObjectNode last = chunk(id, "chat.completion.chunk", model, created);
        choice(last).putObject("delta");
        ((ObjectNode) last.get("choices").get(0)).put("finish_reason", a.finishReason());
        chunks.add(last);
        if (withUsage) {
            ObjectNode u = chunk(id, "chat.completion.chunk", model, created);
            u.putArray("choices");
            usage(u, a);
            chunks.add(u);
        }
        return chunks;
    }

    static List<ObjectNode> textChunks(MockAnswer a, String model, long created, int pieces, boolean withUsage) {
        String id = a.id("cmpl-mock-");
        List<ObjectNode> chunks = new ArrayList<>();
        List<String> parts = split(a.text() == null ? "" : a.text(), pieces);
        for (int i = 0; i < parts.size(); i++) {
            ObjectNode c = chunk(id, "text_completion", model, created);
            ObjectNode choice = c.putArray("choices").addObject();
            choice.put("text", parts.get(i));
            choice.put("index", 0);
            choice.putNull("logprobs");
            if (i == parts.size() - 1) {
                choice.put("finish_reason", a.finishReason().equals("tool_calls") ? "stop" : a.finishReason());
            } else {
                choice.putNull("finish_reason");
            }
            chunks.add(c);
        }
        if (withUsage) {
            ObjectNode u = chunk(id, "text_completion", model, created);
            u.putArray("choices");
            usage(u, a);
            chunks.add(u);
        }
        return chunks;
    }

    /** Cuts text into at most {@code pieces} parts on word boundaries, keeping the spaces, so they join back exactly. */
    static List<String> split(String text, int pieces) {
        List<String> parts = new ArrayList<>();
        if (text.isEmpty()) {
            parts.add("");
            return parts;
        }
        int n = Math.max(1, Math.min(pieces, text.length()));
        int start = 0;
        for (int i = 1; i <= n; i++) {
            int end = i == n ? text.length() : Math.max(start + 1, text.length() * i / n);
            if (i < n) {
                int space = text.indexOf(' ', end);
                end = space < 0 ? text.length() : space;
            }
            if (end > start) {
                parts.add(text.substring(start, end));
            }
            start = end;
            if (start >= text.length()) {
                break;
            }
        }
        return parts;
    }

    private static ObjectNode head(String id, String object, String model, long created) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    private static ObjectNode chunk(String id, String object, String model, long created) {
        ObjectNode c = head(id, object, model, created);
        c.put("system_fingerprint", "llmux-mock");
        return c;
    }

    private static ObjectNode choice(ObjectNode chunk) {
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return choice;
    }

    private static void usage(ObjectNode root, MockAnswer a) {
        long completion = a.completionTokens();
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", a.promptTokens());
        u.put("completion_tokens", completion);
        u.put("total_tokens", a.promptTokens() + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", 0);
    }
}
