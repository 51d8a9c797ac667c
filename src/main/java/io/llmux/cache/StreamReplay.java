package io.llmux.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Sends a cached {@code chat.completion} to a client that asked for {@code stream: true} (SPEC §7), as the
 * {@code chat.completion.chunk} payloads OpenAI would have sent: per choice the role first ({@code content: ""}, or
 * null when the message has no text), the content, each tool call (its id, type, name and empty arguments, then the
 * arguments), the refusal, and a chunk with an empty delta and the finish reason; {@code finish_reason: null} until
 * then. With {@code includeUsage} the other chunks say {@code usage: null} and a last one with {@code choices: []}
 * carries the usage, as OpenAI does for {@code stream_options.include_usage}. Framing and {@code [DONE]} are the
 * server's. Several choices go one after the other rather than interleaved: clients merge deltas by index either way.
 *
 * <p>Long text goes in pieces of at most {@link #PIECE_CHARS} characters: SSE clients read line by line and some cap
 * a line (Go's default scanner at 64 KiB). Logprobs entries go with the pieces of the text they score.
 */
public final class StreamReplay {
    static final int PIECE_CHARS = 2048;
    /** At most this many logprobs entries per chunk (each may hold 20 alternatives), for the same line limits. */
    static final int PIECE_LOGPROBS = 16;

    private static final String CHUNK = "chat.completion.chunk";
    private static final Set<String> MESSAGE = Set.of("role", "content", "refusal", "tool_calls");
    private static final Set<String> CALL = Set.of("id", "type", "function");
    private static final Set<String> FUNCTION = Set.of("name", "arguments");

    private final ChunkHead head;
    private final boolean includeUsage;
    private final List<byte[]> out = new ArrayList<>();

    private StreamReplay(ChunkHead head, boolean includeUsage) {
        this.head = head;
        this.includeUsage = includeUsage;
    }

    /**
     * The chunk payloads of a cached answer.
     *
     * @return the payloads in order, or null when {@code completion} is not a {@code chat.completion} this class can
     *     replay faithfully (it holds parts chunks here do not carry: audio, annotations, a legacy function_call, a
     *     tool that is not a function); the caller treats that as a miss
     */
    public static List<byte[]> chunks(byte[] completion, boolean includeUsage) {
        try {
            return chunks(Json.MAPPER.readTree(completion), includeUsage);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@link #chunks(byte[], boolean)} of an answer already parsed: a cache hit reads its entry once. */
    static List<byte[]> chunks(JsonNode answer, boolean includeUsage) {
        try {
            if (answer == null || !answer.isObject()) {
                return null;
            }
            String object = Nodes.text(answer, "object");
            if (object != null && !object.isEmpty() && !object.equals("chat.completion")) {
                return null;
            }
            StreamReplay replay = new StreamReplay(ChunkHead.of(answer), includeUsage);
            replay.answer(answer);
            return Collections.unmodifiableList(replay.out);
        } catch (Unreadable e) {
            return null;
        }
    }

    private void answer(JsonNode answer) throws Unreadable {
        JsonNode choices = answer.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw new Unreadable("no choices");
        }
        int position = 0;
        for (JsonNode choice : choices) {
            choice(choice, position++);
        }
        if (includeUsage) {
            ObjectNode chunk = Json.MAPPER.createObjectNode();
            head.write(chunk, CHUNK);
            chunk.putArray("choices");
            JsonNode usage = answer.get("usage");
            chunk.set("usage", usage != null && usage.isObject() ? usage : UsageJson.write(Usage.NONE));
            out.add(bytes(chunk));
        }
    }

    private void choice(JsonNode choice, int position) throws Unreadable {
        if (!choice.isObject() || !choice.path("message").isObject()) {
            throw new Unreadable("a choice has no message");
        }
        int index = Nodes.index(choice, "index", position);
        JsonNode message = choice.get("message");
        Nodes.onlyKnown(message, MESSAGE, "the message");
        String role = Nodes.text(message, "role");
        String content = Nodes.text(message, "content");
        String refusal = Nodes.text(message, "refusal");
        String finish = Nodes.text(choice, "finish_reason");
        if (finish == null) {
            throw new Unreadable("a choice has no finish_reason");
        }
        JsonNode logprobs = choice.get("logprobs");
        boolean scored = logprobs != null && !logprobs.isNull();
        if (scored && !logprobs.isObject()) {
            throw new Unreadable("logprobs is not an object");
        }
        ArrayNode contentScores = scored ? entries(logprobs, "content") : null;
        ArrayNode refusalScores = scored ? entries(logprobs, "refusal") : null;

        ObjectNode first = Json.MAPPER.createObjectNode();
        first.put("role", role != null ? role : "assistant");
        first.put("content", content != null ? "" : null); // as OpenAI: "" before text, null before tool calls
        emit(index, first, null, null);
        text(index, "content", content, scored, contentScores);
        toolCalls(index, message.get("tool_calls"));
        text(index, "refusal", refusal, scored, refusalScores);
        ObjectNode lastScores = null;
        if (scored) { // empty arrays keep "there were logprobs" even when no text carried any
            lastScores = scores(
                    contentScores != null ? Json.MAPPER.createArrayNode() : null,
                    refusalScores != null ? Json.MAPPER.createArrayNode() : null);
        }
        emit(index, Json.MAPPER.createObjectNode(), lastScores, finish);
    }

    /** Text in pieces, each with the logprobs entries of its share; nothing for null text without entries. */
    private void text(int index, String field, String text, boolean scored, ArrayNode entries) {
        int length = text == null ? 0 : text.length();
        int count = entries == null ? 0 : entries.size();
        int pieces = Math.max(ceil(length, PIECE_CHARS), ceil(count, PIECE_LOGPROBS));
        int from = 0;
        for (int k = 1; k <= pieces; k++) {
            int to = Math.max(from, cut(text, (int) ((long) length * k / pieces)));
            ObjectNode delta = Json.MAPPER.createObjectNode();
            if (text != null) {
                delta.put(field, text.substring(from, to));
            }
            ObjectNode scores = null;
            if (scored) {
                ArrayNode share = entries == null ? null : slice(entries, count * (k - 1) / pieces, count * k / pieces);
                scores = field.equals("content") ? scores(share, null) : scores(null, share);
            }
            emit(index, delta, scores, null);
            from = to;
        }
    }

    private void toolCalls(int index, JsonNode calls) throws Unreadable {
        if (calls == null || calls.isNull()) {
            return;
        }
        if (!calls.isArray()) {
            throw new Unreadable("tool_calls is not an array");
        }
        int position = 0;
        for (JsonNode call : calls) {
            if (!call.isObject() || !call.path("function").isObject()) {
                throw new Unreadable("a tool call is not a function call");
            }
            Nodes.onlyKnown(call, CALL, "a tool call");
            String type = Nodes.text(call, "type");
            if (type != null && !type.equals("function")) {
                throw new Unreadable("a tool call of type " + type);
            }
            JsonNode function = call.get("function");
            Nodes.onlyKnown(function, FUNCTION, "a tool call's function");
            String id = Nodes.text(call, "id");
            String name = Nodes.text(function, "name");
            String arguments = Nodes.text(function, "arguments");

            ObjectNode start = Json.MAPPER.createObjectNode();
            start.put("index", position);
            start.put("id", id != null ? id : "");
            start.put("type", "function");
            start.putObject("function").put("name", name != null ? name : "").put("arguments", "");
            emit(index, toolCallDelta(start), null, null);
            String args = arguments != null ? arguments : "";
            int pieces = ceil(args.length(), PIECE_CHARS);
            int from = 0;
            for (int k = 1; k <= pieces; k++) {
                int to = Math.max(from, cut(args, (int) ((long) args.length() * k / pieces)));
                ObjectNode part = Json.MAPPER.createObjectNode();
                part.put("index", position);
                part.putObject("function").put("arguments", args.substring(from, to));
                emit(index, toolCallDelta(part), null, null);
                from = to;
            }
            position++;
        }
    }

    private void emit(int index, ObjectNode delta, ObjectNode logprobs, String finishReason) {
        ObjectNode chunk = Json.MAPPER.createObjectNode();
        head.write(chunk, CHUNK);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.set("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        if (includeUsage) {
            chunk.putNull("usage");
        }
        out.add(bytes(chunk));
    }

    private static ObjectNode toolCallDelta(ObjectNode call) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta.putArray("tool_calls").add(call);
        return delta;
    }

    private static ObjectNode scores(ArrayNode content, ArrayNode refusal) {
        ObjectNode scores = Json.MAPPER.createObjectNode();
        scores.set("content", content);
        scores.set("refusal", refusal);
        return scores;
    }

    private static ArrayNode entries(JsonNode logprobs, String field) throws Unreadable {
        JsonNode v = logprobs.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new Unreadable("logprobs." + field + " is not an array");
        }
        return (ArrayNode) v;
    }

    private static ArrayNode slice(ArrayNode entries, int from, int to) {
        ArrayNode share = Json.MAPPER.createArrayNode();
        for (int i = from; i < to; i++) {
            share.add(entries.get(i));
        }
        return share;
    }

    /** A cut at {@code at}, moved past the middle of a surrogate pair so no piece holds half a character. */
    private static int cut(String text, int at) {
        if (text != null
                && at > 0
                && at < text.length()
                && Character.isHighSurrogate(text.charAt(at - 1))
                && Character.isLowSurrogate(text.charAt(at))) {
            return at + 1;
        }
        return at;
    }

    private static int ceil(int n, int per) {
        return (n + per - 1) / per;
    }

    private static byte[] bytes(ObjectNode chunk) {
        try {
            return Json.MAPPER.writeValueAsBytes(chunk);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
    }
}
