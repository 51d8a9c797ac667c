package io.llmux.provider.gemini;

import static io.llmux.provider.gemini.GeminiRequest.invalid;
import static io.llmux.provider.gemini.GeminiRequest.present;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.Answer;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.UpstreamErrors;
import io.llmux.wire.Json;
import io.llmux.wire.Usage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * OpenAI's {@code /v1/embeddings} on Gemini: one {@code input} string is an {@code embedContent} request, an array
 * of strings one {@code batchEmbedContents} request (each entry naming its model, as Google requires), and
 * {@code dimensions} is {@code outputDimensionality}. The answer is OpenAI's list: float arrays, or base64 of
 * little-endian float32 when {@code encoding_format: base64} (what OpenAI's SDKs ask for by default).
 *
 * <p>Gemini's embedding answers carry no token count, so {@code usage.prompt_tokens} is estimated at one token per
 * four characters of input (at least one per input) when Gemini reports none: enough for budgets and spend, not an
 * exact count. Token-array inputs cannot be embedded by Gemini and are refused.
 */
final class GeminiEmbeddings {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private GeminiEmbeddings() {}

    /** The Gemini method for this request: {@code embedContent} or {@code batchEmbedContents}. */
    static String method(ObjectNode openAi) {
        return openAi.path("input").isArray() ? "batchEmbedContents" : "embedContent";
    }

    static ObjectNode request(ObjectNode openAi, String model) throws ProviderFailure {
        JsonNode input = openAi.path("input");
        JsonNode dimensions = openAi.get("dimensions");
        if (!input.isArray()) {
            return entry(text(input, "input"), dimensions, null);
        }
        ObjectNode body = NODES.objectNode();
        ArrayNode requests = body.putArray("requests");
        String resource = GeminiAddress.resource(model);
        for (int i = 0; i < input.size(); i++) {
            requests.add(entry(text(input.get(i), "input[" + i + "]"), dimensions, resource));
        }
        return body;
    }

    private static String text(JsonNode input, String at) throws ProviderFailure {
        if (!input.isTextual()) {
            throw invalid(
                    at,
                    "gemini embedding models take text only; '" + at + "' must be a string (token arrays are not"
                            + " supported).");
        }
        return input.asText();
    }

    private static ObjectNode entry(String text, JsonNode dimensions, String resource) {
        ObjectNode entry = NODES.objectNode();
        if (resource != null) {
            entry.put("model", resource);
        }
        entry.putObject("content").putArray("parts").addObject().put("text", text);
        if (present(dimensions)) {
            entry.set("outputDimensionality", dimensions);
        }
        return entry;
    }

    static Answer.Whole answer(byte[] body, ObjectNode openAi, String model, UpstreamErrors errors)
            throws ProviderFailure {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw errors.malformed();
        }
        if (root == null || !root.isObject()) {
            throw errors.malformed();
        }
        JsonNode vectors =
                root.has("embedding") ? NODES.arrayNode().add(root.get("embedding")) : root.path("embeddings");
        JsonNode input = openAi.path("input");
        int expected = input.isArray() ? input.size() : 1;
        if (!vectors.isArray() || vectors.size() != expected) {
            throw errors.ofMessage(
                    Failure.TRANSIENT,
                    0,
                    "answered " + (vectors.isArray() ? vectors.size() : 0) + " embeddings for " + expected + " inputs");
        }
        boolean base64 = "base64".equals(openAi.path("encoding_format").asText());
        ObjectNode out = NODES.objectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            JsonNode values = vectors.get(i).path("values");
            if (!values.isArray()) {
                throw errors.malformed();
            }
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            item.set("embedding", base64 ? NODES.textNode(base64(values)) : values);
        }
        out.put("model", model);
        long tokens = root.path("usageMetadata").path("promptTokenCount").asLong(0);
        if (tokens == 0) {
            tokens = estimate(input);
        }
        out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        try {
            return new Answer.Whole(Json.MAPPER.writeValueAsBytes(out), new Usage(tokens, 0, 0));
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    /** OpenAI's base64 form: the float32 values, little-endian, as the SDKs decode them. */
    private static String base64(JsonNode values) {
        ByteBuffer buf = ByteBuffer.allocate(values.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode v : values) {
            buf.putFloat(v.floatValue());
        }
        return Base64.getEncoder().encodeToString(buf.array());
    }

    private static long estimate(JsonNode input) {
        long tokens = 0;
        for (JsonNode text : input.isArray() ? input : NODES.arrayNode().add(input)) {
            tokens += Math.max(1, (text.asText().length() + 3) / 4);
        }
        return tokens;
    }
}
