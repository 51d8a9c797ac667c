package io.llmux.config;

/** {@code logging:} — the request log and the gateway's own messages. */
public record LoggingConfig(Level level, Format format, boolean logPayloads) {

    public enum Level {
        DEBUG,
        INFO,
        WARN,
        ERROR
    }

    public enum Format {
        JSON,
        TEXT
    }

    public static LoggingConfig defaults() {
        return new LoggingConfig(Level.INFO, Format.JSON, false);
    }
}
