package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import io.llmux.wire.Json;
import java.util.Locale;
import java.util.Set;

/**
 * One OpenAI content part as an Anthropic content block: {@code text} → text, {@code image_url} → image (a data URL
 * becomes a base64 source, an http(s) URL a url source), {@code file} with inline PDF data → document. A part's
 * {@code cache_control} is copied onto its block untouched, so prompt caching works through the gateway.
 */
final class AnthropicParts {
    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

    private AnthropicParts() {}

    /**
     * Appends the blocks of a message's {@code content} (a string or a list of parts) to {@code out}; empty text is
     * skipped, because Anthropic refuses empty text blocks (an assistant turn with only tool calls often has it).
     *
     * @param allowed the part types this role may carry; others get a 400
     * @param where the JSON path of the content, for messages ({@code messages[2].content})
     */
    static void append(JsonNode content, Set<String> allowed, String where, ArrayNode out) throws ProviderFailure {
        if (content == null || content.isNull()) {
            return;
        }
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) {
                out.addObject().put("type", "text").put("text", content.asText());
            }
            return;
        }
        if (!content.isArray()) {
            throw BadRequest.of(where, "'" + where + "' must be a string or a list of content parts");
        }
        for (int j = 0; j < content.size(); j++) {
            String at = where + "[" + j + "]";
            JsonNode part = content.get(j);
            String type = part.path("type").asText("");
            if (!part.isObject() || !allowed.contains(type)) {
                throw BadRequest.of(
                        at + ".type",
                        "content part type '" + type + "' cannot be sent to anthropic models here (allowed: "
                                + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            ObjectNode block = block(part, type, at);
            if (block != null) {
                JsonNode cache = part.get("cache_control");
                if (cache != null && !cache.isNull()) {
                    block.set("cache_control", cache);
                }
                out.add(block);
            }
        }
    }

    private static ObjectNode block(JsonNode part, String type, String at) throws ProviderFailure {
        return switch (type) {
            case "text", "refusal" -> text(part.path(type), at + "." + type);
            case "image_url" -> image(part.path("image_url"), at + ".image_url");
            case "file" -> document(part.path("file"), at + ".file");
            default -> throw new IllegalStateException("an allowed part type without a translation: " + type);
        };
    }

    private static ObjectNode text(JsonNode text, String at) throws ProviderFailure {
        if (!text.isTextual()) {
            throw BadRequest.of(at, "'" + at + "' must be a string");
        }
        return text.asText().isEmpty()
                ? null
                : Json.MAPPER.createObjectNode().put("type", "text").put("text", text.asText());
    }

    /** {@code image_url} is {@code {"url": …, "detail": …}} (or, from some clients, the URL string itself). */
    private static ObjectNode image(JsonNode imageUrl, String at) throws ProviderFailure {
        JsonNode urlNode = imageUrl.isTextual() ? imageUrl : imageUrl.path("url");
        if (!urlNode.isTextual() || urlNode.asText().isBlank()) {
            throw BadRequest.of(at + ".url", "'" + at + ".url' must be a data: or http(s) URL");
        }
        String url = urlNode.asText().strip();
        ObjectNode block = Json.MAPPER.createObjectNode().put("type", "image");
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            DataUrl data = DataUrl.parse(url, at + ".url");
            if (!IMAGE_TYPES.contains(data.mediaType())) {
                throw BadRequest.of(
                        at + ".url",
                        "image type '" + data.mediaType() + "' is not supported by anthropic models"
                                + " (use image/jpeg, image/png, image/gif or image/webp)");
            }
            block.set("source", data.source());
        } else if (lower.startsWith("https://") || lower.startsWith("http://")) {
            block.putObject("source").put("type", "url").put("url", url);
        } else {
            throw BadRequest.of(at + ".url", "'" + at + ".url' must be a data: or http(s) URL");
        }
        return block;
    }

    /** OpenAI's inline file part; Anthropic reads PDFs as documents. A {@code file_id} names OpenAI's file store. */
    private static ObjectNode document(JsonNode file, String at) throws ProviderFailure {
        JsonNode fileData = file.path("file_data");
        if (!fileData.isTextual()) {
            throw BadRequest.of(
                    at + ".file_data",
                    "anthropic models need the file inline: send it as '" + at
                            + ".file_data' (a data:application/pdf;base64 URL); file ids are OpenAI's");
        }
        DataUrl data = DataUrl.parse(fileData.asText(), at + ".file_data");
        if (!data.mediaType().equals("application/pdf")) {
            throw BadRequest.of(
                    at + ".file_data",
                    "file type '" + data.mediaType() + "' is not supported by anthropic models (PDF only)");
        }
        ObjectNode block = Json.MAPPER.createObjectNode().put("type", "document");
        block.set("source", data.source());
        return block;
    }

    /** A {@code data:<media type>;base64,<data>} URL. */
    private record DataUrl(String mediaType, String data) {
        static DataUrl parse(String url, String param) throws ProviderFailure {
            int comma = url.indexOf(',');
            String head =
                    comma < 0 ? "" : url.substring("data:".length(), comma).toLowerCase(Locale.ROOT);
            if (comma < 0 || !head.endsWith(";base64") || comma == url.length() - 1) {
                throw BadRequest.of(param, "'" + param + "' must be a base64 data URL (data:<type>;base64,<data>)");
            }
            String mediaType = head.substring(0, head.length() - ";base64".length());
            int semicolon = mediaType.indexOf(';'); // drops parameters such as charset
            return new DataUrl(semicolon < 0 ? mediaType : mediaType.substring(0, semicolon), url.substring(comma + 1));
        }

        ObjectNode source() {
            return Json.MAPPER
                    .createObjectNode()
                    .put("type", "base64")
                    .put("media_type", mediaType)
                    .put("data", data);
        }
    }
}
