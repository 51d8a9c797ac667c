package io.llmux.config;

import java.time.Duration;

/** {@code server:} — where the gateway listens and how long it waits for clients. */
public record ServerConfig(
        String host,
        int port,
        Duration readTimeout,
        Duration writeTimeout,
        Duration idleTimeout,
        long maxBodySize,
        Duration shutdownTimeout) {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final long DEFAULT_MAX_BODY_SIZE = 10L * 1024 * 1024;
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    public static ServerConfig defaults() {
        return new ServerConfig(
                DEFAULT_HOST,
                DEFAULT_PORT,
                DEFAULT_READ_TIMEOUT,
                DEFAULT_WRITE_TIMEOUT,
                DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_BODY_SIZE,
                DEFAULT_SHUTDOWN_TIMEOUT);
    }
}
