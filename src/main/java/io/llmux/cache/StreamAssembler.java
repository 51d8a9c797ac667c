package io.llmux.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.TreeMap;

/**
 * Gathers a streamed answer ({@code chat.completion.chunk} payloads, in order) into the {@code chat.completion} the
 * same request would have got without {@code stream}, so the cache can keep it (SPEC §7: streamed answers are cached
 * once complete). Several choices ({@code n > 1}) may interleave; they come out ordered by index.
 *
 * <p>The assembler gives up, for good, on anything it cannot turn into a faithful answer: a payload that is not a
 * JSON object, an {@code error} event, a chunk of another kind, a part of the answer it does not carry (see {@link
 * Nodes#onlyKnown}), or an answer larger than the byte limit. It never throws: caching must never break the stream
 * it watches. One assembler per stream, fed from the one thread that reads it.
 */
public final class StreamAssembler {
    private static final String CHUNK = "chat.completion.chunk";

    private final long maxBytes;
    private final TreeMap<Integer, ChoiceParts> choices = new TreeMap<>();
    private ChunkHead head = ChunkHead.NONE;
    private Usage usage;
    private long collected;
    private String gaveUp;

    /** @param maxBytes the largest answer worth keeping (the cache's {@code max_item_size}); beyond it, give up */
    public StreamAssembler(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Takes the next {@code data:} payload (not {@code [DONE]}, which is not a chunk). */
    public void accept(byte[] payload) {
        if (gaveUp != null) {
            return;
        }
        try {
            read(payload);
        } catch (Unreadable e) {
            giveUp(e.getMessage());
        } catch (IOException | RuntimeException e) { // not JSON, or past the parser's limits: the stream goes on
            giveUp("a chunk is not JSON");
        }
    }

    /** Whether every choice has its finish reason (and the assembler has not given up). */
    public boolean complete() {
        if (gaveUp != null || choices.isEmpty()) {
            return false;
        }
        for (ChoiceParts choice : choices.values()) {
            if (!choice.finished()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The whole answer; call it once the stream ended normally.
     *
     * @param fallback the usage to report when no chunk carried one (the adapter's count); null for none
     * @return the {@code chat.completion} JSON, or null when the answer is not complete, was given up, or is larger
     *     than the byte limit
     */
    public byte[] completion(Usage fallback) {
        if (!complete()) {
            return null;
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        head.write(out, "chat.completion");
        ArrayNode array = out.putArray("choices");
        choices.forEach((index, choice) -> array.add(choice.write(index)));
        Usage counted = usage != null ? usage : fallback != null ? fallback : Usage.NONE;
        out.set("usage", UsageJson.write(counted));
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(out);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        if (bytes.length > maxBytes) {
            giveUp(tooLarge());
            return null;
        }
        return bytes;
    }

    /** Why the assembler gave up, or null while it has not; for logs and tests. */
    public String gaveUpBecause() {
        return gaveUp;
    }

    private void read(byte[] payload) throws IOException, Unreadable {
        JsonNode chunk = Json.MAPPER.readTree(payload);
        if (chunk == null || !chunk.isObject()) {
            throw new Unreadable("a chunk is not a JSON object");
        }
        if (!Nodes.isEmpty(chunk.get("error"))) {
            throw new Unreadable("the stream carried an error");
        }
        String object = Nodes.text(chunk, "object");
        if (object != null && !object.isEmpty() && !object.equals(CHUNK)) { // Azure's filter chunk has ""
            throw new Unreadable("a chunk is a " + object);
        }
        head = head.fill(chunk);
        JsonNode u = chunk.get("usage");
        if (u != null && !u.isNull()) {
            if (!u.isObject()) {
                throw new Unreadable("usage is not an object");
            }
            usage = UsageJson.read(u); // a later count is the more complete one
        }
        JsonNode array = chunk.get("choices");
        if (array != null && !array.isNull()) {
            if (!array.isArray()) {
                throw new Unreadable("choices is not an array");
            }
            for (JsonNode choice : array) {
                collected += choice(choice);
            }
        }
        // collected is at most the answer's JSON size, so giving up here never loses an answer that would fit
        if (collected > maxBytes) {
            throw new Unreadable(tooLarge());
        }
    }

    private long choice(JsonNode choice) throws Unreadable {
        if (!choice.isObject()) {
            throw new Unreadable("a choice is not an object");
        }
        int index = Nodes.index(choice, "index", 0); // some OpenAI-compatible servers leave out the only one's index
        ChoiceParts parts = choices.get(index);
        long added = 0;
        if (parts == null) {
            parts = new ChoiceParts();
            choices.put(index, parts);
            added += ChoiceParts.CHOICE_BYTES;
        }
        return added + parts.add(choice);
    }

    private String tooLarge() {
        return "the answer is larger than " + maxBytes + " bytes";
    }

    private void giveUp(String why) {
        gaveUp = why;
        choices.clear(); // a large answer's parts are not held on to for the rest of the stream
        usage = null;
    }
}
