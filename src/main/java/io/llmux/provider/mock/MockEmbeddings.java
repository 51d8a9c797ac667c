package io.llmux.provider.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Deterministic unit vectors: the same input always embeds to the same vector. Honours {@code dimensions} and
 * {@code encoding_format: base64} (little-endian float32, what OpenAI's SDKs ask for by default).
 */
final class MockEmbeddings {
    private static final int DEFAULT_DIMENSIONS = 32;

    private MockEmbeddings() {}

    static ObjectNode answer(ObjectNode body, String model) {
        JsonNode input = body.get("input");
        int dims = body.path("dimensions").asInt(DEFAULT_DIMENSIONS);
        dims = Math.max(1, Math.min(dims, 8192));
        boolean base64 = "base64".equals(body.path("encoding_format").asText());
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        long tokens = 0;
        JsonNode items = input.isArray() ? input : Json.MAPPER.createArrayNode().add(input);
        for (int i = 0; i < items.size(); i++) {
            String text = items.get(i).isTextual()
                    ? items.get(i).asText()
                    : items.get(i).toString();
            tokens += Math.max(1, (text.length() + 3) / 4);
            float[] v = vector(text, dims);
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (base64) {
                ByteBuffer buf = ByteBuffer.allocate(dims * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    buf.putFloat(f);
                }
                item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float f : v) {
                    values.add(f);
                }
            }
        }
        root.put("model", model);
        root.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return root;
    }

    static float[] vector(String text, int dims) {
        float[] v = new float[dims];
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] block = new byte[0];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            if (i % 32 == 0) {
                sha.update(text.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) (i / 32));
                block = sha.digest();
            }
            v[i] = ((block[i % 32] & 0xff) - 127.5f) / 127.5f;
            norm += (double) v[i] * v[i];
        }
        float scale = norm == 0 ? 1 : (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dims; i++) {
            v[i] *= scale;
        }
        return v;
    }
}
