package io.llmux.provider.gemini;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Where a Gemini request goes: {@code {base_url}/v1beta/{resource}:{method}}. The credential travels only in the
 * {@code x-goog-api-key} header, never as {@code ?key=}, because a URL ends up in logs and error messages.
 *
 * <p>A deployment's {@code model} may be written as Google names the resource ({@code models/gemini-1.5-flash},
 * {@code tunedModels/my-model}) or bare ({@code gemini-1.5-flash}, which means {@code models/…}). Anything else after
 * the collection is one path segment, percent-encoded, so a model name can never reach another path of the API: a
 * name like {@code google/gemini-pro} is asked for as such and Google answers that it does not exist.
 */
final class GeminiAddress {
    private static final String VERSION = "/v1beta/";
    private static final String TUNED = "tunedModels/";
    private static final String MODELS = "models/";

    private final String root;

    GeminiAddress(URI baseUrl) {
        String base = baseUrl.toString();
        this.root = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** The model's resource name, as the API writes it in bodies ({@code models/gemini-1.5-flash}). */
    static String resource(String model) {
        if (model.startsWith(TUNED)) {
            return TUNED + segment(model.substring(TUNED.length()));
        }
        String bare = model.startsWith(MODELS) ? model.substring(MODELS.length()) : model;
        return MODELS + segment(bare);
    }

    /**
     * @param method {@code generateContent}, {@code streamGenerateContent}, {@code embedContent}, …
     * @param sse asks for the stream as Server-Sent Events; without it Google streams one JSON array
     */
    URI uri(String model, String method, boolean sse) {
        return URI.create(root + VERSION + resource(model) + ":" + method + (sse ? "?alt=sse" : ""));
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters, {@code /} included. */
    private static String segment(String name) {
        if (name.equals(".") || name.equals("..")) {
            return name.replace(".", "%2E"); // a dot segment would climb the path
        }
        StringBuilder out = new StringBuilder(name.length());
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)));
                out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
