package io.llmux.provider.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The mock's answer to one request, derived from a SHA-256 of the fields that shape an answer, so the same request
 * always gets the same text, tool call and token counts (tests and cache demos rely on this).
 */
record MockAnswer(byte[] seed, String text, ToolCall toolCall, String finishReason, long promptTokens) {

    /** A call of one of the request's tools, arguments already serialised. */
    record ToolCall(String id, String name, String arguments) {}

    private static final String[] WORDS =
            ("alpine brook cobalt dawn ember fern granite heron indigo jade kite lantern maple nimbus opal pine "
                            + "quarry reef sierra thistle ultramarine velvet wren yew zinc aspen birch cirrus delta estuary "
                            + "flint gale heath inlet juniper knoll lichen moss nettle orchid plume quill rowan sorrel tide")
                    .split(" ");

    /** The conversation fields that decide the answer; volatile ones (stream, user, metadata) are left out. */
    static MockAnswer of(ObjectNode body, String fixedText, String promptField) {
        byte[] seed = seedOf(body, promptField);
        long limit = limit(body);
        JsonNode tools = body.get("tools");
        ToolCall call = toolCall(body, tools, seed);
        long promptTokens = promptTokens(body.get(promptField));
        if (call != null) {
            return new MockAnswer(seed, null, call, "tool_calls", promptTokens);
        }
        List<String> words = new ArrayList<>();
        if (fixedText != null) {
            words.addAll(List.of(fixedText.split(" ", -1)));
        } else {
            int n = 8 + (seed[0] & 0xff) % 12;
            for (int i = 0; i < n; i++) {
                words.add(WORDS[(seed[(i + 1) % seed.length] & 0xff) % WORDS.length]);
            }
        }
        String finish = "stop";
        if (limit > 0 && words.size() > limit) {
            words = words.subList(0, (int) limit);
            finish = "length";
        }
        String text = String.join(" ", words);
        if (fixedText == null && !text.isEmpty()) {
            text = Character.toUpperCase(text.charAt(0)) + text.substring(1) + (finish.equals("stop") ? "." : "");
        }
        return new MockAnswer(seed, text, null, finish, promptTokens);
    }

    long completionTokens() {
        if (toolCall != null) {
            return Math.max(1, toolCall.arguments().length() / 4);
        }
        return text.isBlank() ? 0 : text.split("\\s+").length;
    }

    String id(String prefix) {
        return prefix + HexFormat.of().formatHex(seed, 0, 12);
    }

    private static byte[] seedOf(ObjectNode body, String promptField) {
        ObjectNode key = Json.MAPPER.createObjectNode();
        for (String f : List.of(promptField, "tools", "tool_choice", "max_tokens", "max_completion_tokens")) {
            if (body.has(f)) {
                key.set(f, body.get(f));
            }
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static long limit(ObjectNode body) {
        JsonNode limit =
                body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        return limit == null || !limit.isNumber() ? 0 : limit.asLong();
    }

    /** A tool is called when the request offers tools, does not forbid them, and the user spoke last. */
    private static ToolCall toolCall(ObjectNode body, JsonNode tools, byte[] seed) {
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            return null;
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && "none".equals(choice.asText())) {
            return null;
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return null;
        }
        if (!"user".equals(messages.get(messages.size() - 1).path("role").asText())) {
            return null;
        }
        String forced =
                choice == null ? "" : choice.path("function").path("name").asText("");
        for (JsonNode tool : tools) {
            JsonNode fn = tool.path("function");
            String name = fn.path("name").asText("");
            if (!name.isEmpty() && (forced.isEmpty() || forced.equals(name))) {
                ObjectNode args = Json.MAPPER.createObjectNode();
                int i = 0;
                for (var prop : fn.path("parameters").path("properties").properties()) {
                    int b = seed[(i++ * 5 + 3) % seed.length] & 0xff;
                    switch (prop.getValue().path("type").asText("string")) {
                        case "integer" -> args.put(prop.getKey(), b % 100);
                        case "number" -> args.put(prop.getKey(), b % 100 + 0.5);
                        case "boolean" -> args.put(prop.getKey(), b % 2 == 0);
                        default -> args.put(prop.getKey(), WORDS[b % WORDS.length]);
                    }
                }
                String id = "call_" + HexFormat.of().formatHex(seed, 12, 24);
                return new ToolCall(id, name, args.toString());
            }
        }
        return null;
    }

    /** About four characters a token plus a few per message, like real tokenizers on English. */
    private static long promptTokens(JsonNode prompt) {
        if (prompt == null) {
            return 0;
        }
        if (prompt.isTextual()) {
            return (prompt.asText().length() + 3L) / 4;
        }
        long tokens = 0;
        for (JsonNode item : prompt) {
            tokens += 3
                    + (item.isObject()
                                    ? item.path("content").toString().length()
                                    : item.toString().length())
                            / 4;
        }
        return tokens;
    }
}
