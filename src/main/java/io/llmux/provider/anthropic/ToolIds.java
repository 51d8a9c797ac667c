package io.llmux.provider.anthropic;

/**
 * Anthropic accepts tool ids of {@code [a-zA-Z0-9_-]} only; ids made by other providers (a conversation that moved
 * between models) may hold other characters. They are rewritten the same way in {@code tool_use} and
 * {@code tool_result}, so the pairing holds.
 */
final class ToolIds {
    private ToolIds() {}

    static String upstream(String id) {
        StringBuilder out = null;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            if (!ok && out == null) {
                out = new StringBuilder(id.substring(0, i));
            }
            if (out != null) {
                out.append(ok ? c : '_');
            }
        }
        return out == null ? id : out.toString();
    }
}
