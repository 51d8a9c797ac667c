package io.llmux.provider;

import java.time.Duration;

/**
 * A failed upstream attempt. Carries the provider's status and its error fields so the client sees the provider's
 * message in the gateway's shape; never a credential or a URL with its query string.
 */
public final class ProviderFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final Failure kind;
    private final int upstreamStatus;
    private final String errorType;
    private final String errorCode;
    private final String param;
    private final Duration retryAfter;

    /**
     * @param upstreamStatus the provider's HTTP status, 0 when none came (connection failure, timeout)
     * @param message the provider's own message, or what went wrong when it said nothing
     * @param errorType the provider's error type when it gave one (OpenAI {@code error.type}), else null
     * @param retryAfter the provider's {@code Retry-After}, else null
     */
    public ProviderFailure(
            Failure kind,
            int upstreamStatus,
            String message,
            String errorType,
            String errorCode,
            String param,
            Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.upstreamStatus = upstreamStatus;
        this.errorType = errorType;
        this.errorCode = errorCode;
        this.param = param;
        this.retryAfter = retryAfter;
    }

    public static ProviderFailure of(Failure kind, String message) {
        return new ProviderFailure(kind, 0, message, null, null, null, null);
    }

    public Failure kind() {
        return kind;
    }

    public int upstreamStatus() {
        return upstreamStatus;
    }

    public String errorType() {
        return errorType;
    }

    public String errorCode() {
        return errorCode;
    }

    public String param() {
        return param;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
