package io.llmux.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import java.util.Set;
import java.util.TreeMap;

/**
 * One choice of a streamed answer, gathered from its deltas the way OpenAI's own SDK does: content, refusal and tool
 * call arguments are concatenated, a tool call's id, type and name are taken as sent (last non-empty wins, for
 * servers that repeat them), tool calls are merged by their {@code index}, logprobs arrays are concatenated, and the
 * last finish reason counts.
 */
final class ChoiceParts {
    /** The least a choice adds to the answer's JSON: {@code {"index":0,"message":{…},"finish_reason":…}}. */
    static final int CHOICE_BYTES = 64;
    /** The least a tool call adds: {@code {"id":"","type":"function","function":{"name":"","arguments":""}}}. */
    static final int CALL_BYTES = 62;

    private static final Set<String> DELTA = Set.of("role", "content", "refusal", "tool_calls");
    private static final Set<String> CALL = Set.of("index", "id", "type", "function");
    private static final Set<String> FUNCTION = Set.of("name", "arguments");

    private String role;
    private final StringBuilder content = new StringBuilder();
    private StringBuilder refusal;
    private final TreeMap<Integer, CallParts> calls = new TreeMap<>();
    private boolean logprobs;
    private ArrayNode contentLogprobs;
    private ArrayNode refusalLogprobs;
    private String finishReason;

    /**
     * Adds one chunk's entry for this choice.
     *
     * @return how many bytes it adds to the answer's JSON, at least: the size bound counts these
     */
    long add(JsonNode choice) throws Unreadable {
        long added = 0;
        JsonNode delta = choice.get("delta");
        if (delta != null && !delta.isNull()) {
            if (!delta.isObject()) {
                throw new Unreadable("a delta is not an object");
            }
            added += delta(delta);
        }
        added += logprobs(choice.get("logprobs"));
        String finish = Nodes.text(choice, "finish_reason");
        if (finish != null) {
            finishReason = finish;
        }
        return added;
    }

    boolean finished() {
        return finishReason != null;
    }

    /** The choice of a {@code chat.completion}; content is null when no text arrived (a tool call or refusal). */
    ObjectNode write(int index) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("index", index);
        ObjectNode message = out.putObject("message");
        message.put("role", role != null ? role : "assistant");
        message.put("content", content.isEmpty() ? null : content.toString());
        if (refusal != null) {
            message.put("refusal", refusal.toString());
        }
        if (!calls.isEmpty()) {
            ArrayNode array = message.putArray("tool_calls");
            calls.values().forEach(call -> array.add(call.write()));
        }
        if (logprobs) {
            ObjectNode l = out.putObject("logprobs");
            l.set("content", contentLogprobs);
            l.set("refusal", refusalLogprobs);
        }
        out.put("finish_reason", finishReason);
        return out;
    }

    private long delta(JsonNode delta) throws Unreadable {
        Nodes.onlyKnown(delta, DELTA, "a delta");
        String r = Nodes.text(delta, "role");
        if (r != null && !r.isEmpty()) {
            role = r;
        }
        // OpenAI's first chunk carries "content":"" whatever follows; only text makes the content non-null
        String text = Nodes.text(delta, "content");
        long added = 0;
        if (text != null) {
            content.append(text);
            added += text.length();
        }
        String refused = Nodes.text(delta, "refusal");
        if (refused != null) {
            refusal = refusal == null ? new StringBuilder() : refusal;
            refusal.append(refused);
            added += refused.length();
        }
        JsonNode toolCalls = delta.get("tool_calls");
        if (toolCalls != null && !toolCalls.isNull()) {
            if (!toolCalls.isArray()) {
                throw new Unreadable("tool_calls is not an array");
            }
            for (JsonNode call : toolCalls) {
                added += call(call);
            }
        }
        return added;
    }

    private long call(JsonNode call) throws Unreadable {
        if (!call.isObject()) {
            throw new Unreadable("a tool call is not an object");
        }
        Nodes.onlyKnown(call, CALL, "a tool call");
        // without its index a fragment cannot be told apart from a parallel call's, so the answer is not kept
        int index = Nodes.index(call, "index", -1);
        if (index < 0) {
            throw new Unreadable("a tool call has no index");
        }
        long added = 0;
        CallParts parts = calls.get(index);
        if (parts == null) {
            parts = new CallParts();
            calls.put(index, parts);
            added += CALL_BYTES;
        }
        added += parts.id.set(Nodes.text(call, "id"));
        added += parts.type.set(Nodes.text(call, "type"));
        JsonNode function = call.get("function");
        if (function != null && !function.isNull()) {
            if (!function.isObject()) {
                throw new Unreadable("a tool call's function is not an object");
            }
            Nodes.onlyKnown(function, FUNCTION, "a tool call's function");
            added += parts.name.set(Nodes.text(function, "name"));
            String arguments = Nodes.text(function, "arguments");
            if (arguments != null) {
                parts.arguments.append(arguments);
                added += arguments.length();
            }
        }
        return added;
    }

    /** {@code logprobs: {content: […], refusal: […]}}: each chunk's entries follow the previous chunks'. */
    private long logprobs(JsonNode l) throws Unreadable {
        if (l == null || l.isNull()) {
            return 0;
        }
        if (!l.isObject()) {
            throw new Unreadable("logprobs is not an object");
        }
        logprobs = true;
        long added = 0;
        JsonNode c = entries(l, "content");
        if (c != null) {
            contentLogprobs = contentLogprobs == null ? Json.MAPPER.createArrayNode() : contentLogprobs;
            contentLogprobs.addAll((ArrayNode) c);
            added += c.toString().length();
        }
        JsonNode r = entries(l, "refusal");
        if (r != null) {
            refusalLogprobs = refusalLogprobs == null ? Json.MAPPER.createArrayNode() : refusalLogprobs;
            refusalLogprobs.addAll((ArrayNode) r);
            added += r.toString().length();
        }
        return added;
    }

    private static JsonNode entries(JsonNode logprobs, String field) throws Unreadable {
        JsonNode v = logprobs.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new Unreadable("logprobs." + field + " is not an array");
        }
        return v;
    }

    /** One tool call, merged from the deltas with its index. */
    private static final class CallParts {
        final Latest id = new Latest();
        final Latest type = new Latest();
        final Latest name = new Latest();
        final StringBuilder arguments = new StringBuilder();

        ObjectNode write() {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("id", id.value != null ? id.value : "");
            out.put("type", type.value != null ? type.value : "function");
            ObjectNode function = out.putObject("function");
            function.put("name", name.value != null ? name.value : "");
            function.put("arguments", arguments.toString());
            return out;
        }
    }

    /** A value sent once, or repeated in every delta by some servers: the last non-empty one counts. */
    private static final class Latest {
        String value;

        /** @return how much longer the value got (a repeated value costs nothing more) */
        long set(String v) {
            if (v == null || v.isEmpty()) {
                return 0;
            }
            long grown = Math.max(0, v.length() - (value == null ? 0 : value.length()));
            value = v;
            return grown;
        }
    }
}
