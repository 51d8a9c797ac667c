package io.llmux.cache;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.wire.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * The response cache's key (SPEC §7): a SHA-256 over one canonical JSON document,
 * {@code ["llmux-cache-1", tenant, endpoint, group, body]}. Being JSON, the document frames its parts unambiguously
 * (a tenant can never run into the endpoint); the version tag lets a later change of this form, or of what a cached
 * value holds, miss old Redis entries instead of misreading them.
 *
 * <p>Canonical, so that requests asking the same thing share an entry however the client wrote them: object keys
 * sorted at every depth, arrays in order, numbers by value ({@code 1}, {@code 1.0}, {@code 1e0} are one number),
 * strings exact. What the client wrote beyond that (field order, whitespace, escapes) is gone once parsed.
 *
 * <p>The document is written straight into the digest, never built as a string: bodies can be large (long
 * conversations, embedding inputs) and the key is computed on every cacheable request.
 */
public final class CacheKey {
    /** Bumped whenever the canonical form or the cached value's format changes. */
    static final String VERSION = "llmux-cache-1";

    /**
     * Top-level fields that do not change the answer: how it is delivered ({@code stream}, {@code stream_options}; a
     * cached answer serves both), who asked and how they labelled it ({@code user}, {@code metadata}, {@code tags}), and
     * the client's cache controls. {@code model} is left out too: the group stands for it, so an alias and its group
     * share entries. Every other field counts, unknown ones included, since the gateway cannot know they do not matter.
     */
    static final Set<String> IGNORED = Set.of("model", "stream", "stream_options", "user", "metadata", "cache", "tags");

    private CacheKey() {}

    /**
     * @param tenant whose entries these are ({@code team:eng}, {@code key:<hash>}, {@code master}, {@code open}):
     *     tenants never share an entry
     * @param endpoint {@code chat}, {@code completions} or {@code embeddings}
     * @param modelGroup the group the request's model resolved to
     * @return 64 lowercase hex digits
     */
    public static String of(String tenant, String endpoint, String modelGroup, ObjectNode body) {
        MessageDigest digest = sha256();
        try (JsonGenerator out =
                Json.MAPPER.getFactory().createGenerator(new DigestStream(digest), JsonEncoding.UTF8)) {
            out.writeStartArray();
            out.writeString(VERSION);
            out.writeString(tenant);
            out.writeString(endpoint);
            out.writeString(modelGroup);
            writeObject(out, body, IGNORED);
            out.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException("a digest does not fail to write", e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void write(JsonGenerator out, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> writeObject(out, node, Set.of());
            case ARRAY -> {
                out.writeStartArray();
                for (JsonNode item : node) {
                    write(out, item);
                }
                out.writeEndArray();
            }
            case NUMBER -> out.writeNumber(canonicalNumber(node));
            case STRING -> out.writeString(node.textValue());
            case BOOLEAN -> out.writeBoolean(node.booleanValue());
            case NULL, MISSING -> out.writeNull();
            // never parsed from a request; written by value so two equal ones still agree
            case BINARY, POJO -> out.writeString(node.asText());
        }
    }

    private static void writeObject(JsonGenerator out, JsonNode object, Set<String> skip) throws IOException {
        String[] names = new String[object.size()];
        int n = 0;
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (!skip.contains(field.getKey())) {
                names[n++] = field.getKey();
            }
        }
        Arrays.sort(names, 0, n);
        out.writeStartObject();
        for (int i = 0; i < n; i++) {
            out.writeFieldName(names[i]);
            write(out, object.get(names[i]));
        }
        out.writeEndObject();
    }

    /**
     * A number as {@code <digits>e<exponent>} with no trailing zeros in the digits: one spelling per value, so
     * {@code 100}, {@code 100.0} and {@code 1e2} all become {@code 1e2}. Not {@code toPlainString}: {@code 1e999999999}
     * is a short request and a gigabyte of zeros.
     */
    static String canonicalNumber(JsonNode number) {
        if (number.isIntegralNumber() && number.canConvertToLong()) {
            return canonical(number.longValue()); // the common case (max_tokens, token ids) without a BigDecimal
        }
        if ((number.isDouble() || number.isFloat()) && !Double.isFinite(number.doubleValue())) {
            return number.asText(); // NaN and Infinity, bare, so they differ from the strings "NaN" and "Infinity"
        }
        BigDecimal value = number.decimalValue().stripTrailingZeros();
        if (value.signum() == 0) {
            return "0e0";
        }
        return value.unscaledValue() + "e" + -(long) value.scale();
    }

    private static String canonical(long value) {
        if (value == 0) {
            return "0e0";
        }
        long digits = value;
        int exponent = 0;
        while (digits % 10 == 0) {
            digits /= 10;
            exponent++;
        }
        return digits + "e" + exponent;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Feeds what the generator writes to the digest, so the canonical document is never held in memory. */
    private static final class DigestStream extends OutputStream {
        private final MessageDigest digest;

        DigestStream(MessageDigest digest) {
            this.digest = digest;
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
        }
    }
}
