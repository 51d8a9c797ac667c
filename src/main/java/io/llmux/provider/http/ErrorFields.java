package io.llmux.provider.http;

/**
 * What a provider's error answer says, read by that provider's own parser: its message (never null; empty when it
 * said nothing), its type, param and code when it gives them, and the few facts the router acts on.
 *
 * @param contextLength the prompt did not fit the model's context window
 * @param rateLimited the error says rate limit even without a 429 (an error event inside a stream)
 * @param authentication the error says the credential was refused even without a 401 (an event inside a stream)
 */
public record ErrorFields(
        String message,
        String type,
        String param,
        String code,
        boolean contextLength,
        boolean rateLimited,
        boolean authentication) {

    public static ErrorFields of(String message, String type, String param, String code) {
        return new ErrorFields(message, type, param, code, false, false, false);
    }
}
