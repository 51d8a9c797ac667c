package io.llmux.provider.gemini;

import static io.llmux.provider.gemini.GeminiRequest.invalid;
import static io.llmux.provider.gemini.GeminiRequest.present;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.provider.ProviderFailure;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * A message's {@code content} (a string or an array of typed parts) as Gemini parts: text as {@code text}, media in
 * a data URL as {@code inlineData} (MIME type and base64, as the URL carries them), media at an http(s) URL as
 * {@code fileData}.
 *
 * <p>{@code fileData} needs the media's type, and OpenAI's {@code image_url} does not say it, so it is taken from the
 * URL's extension ({@link #BY_EXTENSION}: the image types Gemini reads, and PDF). A URL without a known extension is
 * refused with a 400 that says to send the image as a data URL, rather than guessed: the gateway does not fetch
 * client URLs. Files uploaded through Gemini's Files API ({@code …/v1beta/files/…}) need no type, Google knows it.
 * Empty text parts are left out, since Gemini refuses them.
 */
final class GeminiParts {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Map<String, String> BY_EXTENSION = Map.of(
            "png", "image/png",
            "jpg", "image/jpeg",
            "jpeg", "image/jpeg",
            "webp", "image/webp",
            "heic", "image/heic",
            "heif", "image/heif",
            "pdf", "application/pdf");
    private static final Map<String, String> AUDIO = Map.of("wav", "audio/wav", "mp3", "audio/mp3");

    private GeminiParts() {}

    /** Appends the text of {@code content} to {@code out}: a string, or parts of type text (or refusal). */
    static void text(JsonNode content, String at, ArrayNode out) throws ProviderFailure {
        if (!present(content)) {
            return;
        }
        if (content.isTextual()) {
            addText(content.asText(), out);
            return;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> addText(part.path("text").asText(""), out);
                case "refusal" -> addText(part.path("refusal").asText(""), out);
                default ->
                    throw invalid(
                            at + "[" + j + "].type",
                            "Only text can be sent in this message to gemini models, not '" + type + "'.");
            }
        }
    }

    /** A user message's parts: text, images, audio and files. */
    static ArrayNode user(JsonNode content, String at) throws ProviderFailure {
        ArrayNode out = NODES.arrayNode();
        if (!present(content) || content.isTextual()) {
            text(content, at, out);
            return out;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partAt = at + "[" + j + "]";
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> addText(part.path("text").asText(""), out);
                case "image_url" -> {
                    JsonNode image = part.path("image_url");
                    String url = image.isTextual()
                            ? image.asText()
                            : image.path("url").asText("");
                    out.add(media(url, partAt + ".image_url.url"));
                }
                case "input_audio" -> out.add(audio(part.path("input_audio"), partAt + ".input_audio"));
                case "file" -> out.add(file(part.path("file"), partAt + ".file"));
                default ->
                    throw invalid(
                            partAt + ".type",
                            "Content parts of type '" + type + "' are not supported on gemini models; use text,"
                                    + " image_url, input_audio or file.");
            }
        }
        return out;
    }

    private static void addText(String text, ArrayNode out) {
        if (!text.isEmpty()) {
            out.addObject().put("text", text);
        }
    }

    private static ObjectNode media(String url, String at) throws ProviderFailure {
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            return inline(url, at);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw invalid(at, "'" + at + "' is not a valid URL.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw invalid(at, "'" + at + "' must be an http(s) URL or a data URL (data:image/png;base64,…).");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        ObjectNode part = NODES.objectNode();
        ObjectNode fileData = part.putObject("fileData");
        if (!"generativelanguage.googleapis.com".equalsIgnoreCase(uri.getHost()) || !path.contains("/files/")) {
            int dot = path.lastIndexOf('.');
            String type = dot < path.lastIndexOf('/') || dot < 0
                    ? null
                    : BY_EXTENSION.get(path.substring(dot + 1).toLowerCase(Locale.ROOT));
            if (type == null) {
                throw invalid(
                        at,
                        "gemini needs to know the type of the file at '" + at + "' and cannot tell it from the URL"
                                + " (" + uri.getScheme() + "://" + uri.getHost() + path + "); use a URL ending in .png,"
                                + " .jpg, .jpeg, .webp, .heic, .heif or .pdf, or send the image as a data URL"
                                + " (data:image/png;base64,…).");
            }
            fileData.put("mimeType", type);
        }
        fileData.put("fileUri", url);
        return part;
    }

    /** {@code data:image/png;base64,iVBOR…} as {@code inlineData}; Gemini takes base64 only. */
    private static ObjectNode inline(String url, String at) throws ProviderFailure {
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(5, comma);
        int semicolon = header.indexOf(';');
        String mimeType = (semicolon < 0 ? header : header.substring(0, semicolon)).trim();
        if (comma < 0 || !header.toLowerCase(Locale.ROOT).endsWith(";base64") || mimeType.isEmpty()) {
            throw invalid(
                    at, "'" + at + "' must be a base64 data URL with a media type, e.g. data:image/png;base64,….");
        }
        ObjectNode part = NODES.objectNode();
        ObjectNode inlineData = part.putObject("inlineData");
        inlineData.put("mimeType", mimeType.toLowerCase(Locale.ROOT));
        inlineData.put("data", url.substring(comma + 1));
        return part;
    }

    private static ObjectNode audio(JsonNode audio, String at) throws ProviderFailure {
        String type = AUDIO.get(audio.path("format").asText(""));
        if (type == null) {
            throw invalid(at + ".format", "'" + at + ".format' must be wav or mp3.");
        }
        ObjectNode part = NODES.objectNode();
        ObjectNode inlineData = part.putObject("inlineData");
        inlineData.put("mimeType", type);
        inlineData.put("data", audio.path("data").asText(""));
        return part;
    }

    private static ObjectNode file(JsonNode file, String at) throws ProviderFailure {
        if (present(file.get("file_data"))) {
            return media(file.get("file_data").asText(""), at + ".file_data");
        }
        throw invalid(
                at + ".file_id",
                "OpenAI file ids cannot be read by gemini models; send the file inline as 'file_data' (a data URL).");
    }
}
