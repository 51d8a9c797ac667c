package io.llmux.pipeline;

/** The data-plane operations a request can ask for. */
public enum Endpoint {
    CHAT("chat.completions"),
    COMPLETIONS("text_completion"),
    EMBEDDINGS("embeddings");

    private final String operation;

    Endpoint(String operation) {
        this.operation = operation;
    }

    /** The name used in logs and traces. */
    public String operation() {
        return operation;
    }
}
