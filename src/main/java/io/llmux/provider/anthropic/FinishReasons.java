package io.llmux.provider.anthropic;

/** Anthropic's {@code stop_reason} as OpenAI's {@code finish_reason}. */
final class FinishReasons {
    private FinishReasons() {}

    /**
     * @param jsonMode the answer came through the forced {@code json_schema} tool: its {@code tool_use} stop is the
     *     end of a normal answer to the client, who sent no tools
     */
    static String of(String stopReason, boolean jsonMode) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> jsonMode ? "stop" : "tool_calls";
            case "refusal" -> "content_filter";
            // end_turn, stop_sequence, pause_turn (a server tool paused a long turn; it is an answer as it stands)
            default -> "stop";
        };
    }
}
