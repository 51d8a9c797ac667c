package io.llmux;

import java.time.Duration;

/**
 * The one error type of the gateway: an HTTP status plus the OpenAI error object of SPEC §4. Every failure a client
 * sees is one of these, built by the factories below so that status, type and code always agree with the contract.
 */
public final class GatewayException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Duration retryAfter;

    public GatewayException(int status, String type, String code, String param, String message) {
        this(status, type, code, param, message, null);
    }

    public GatewayException(int status, String type, String code, String param, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfter = retryAfter;
    }

    public static GatewayException invalidRequest(String param, String message) {
        return new GatewayException(400, "invalid_request_error", null, param, message);
    }

    public static GatewayException invalidRequest(String param, String code, String message) {
        return new GatewayException(400, "invalid_request_error", code, param, message);
    }

    public static GatewayException authentication(String message) {
        return new GatewayException(401, "authentication_error", "invalid_api_key", null, message);
    }

    public static GatewayException permissionDenied(String code, String message) {
        return new GatewayException(403, "permission_denied", code, null, message);
    }

    public static GatewayException modelNotFound(String model) {
        return new GatewayException(
                404,
                "not_found_error",
                "model_not_found",
                "model",
                "The model '" + model
                        + "' does not exist on this gateway; GET /v1/models lists the models you can use.");
    }

    public static GatewayException notFound(String message) {
        return new GatewayException(404, "not_found_error", null, null, message);
    }

    public static GatewayException methodNotAllowed(String method, String path, String allowed) {
        return new GatewayException(
                405,
                "invalid_request_error",
                "method_not_allowed",
                null,
                method + " is not allowed on " + path + "; use " + allowed + ".");
    }

    public static GatewayException tooLarge(long limit) {
        return new GatewayException(
                413,
                "invalid_request_error",
                "request_too_large",
                null,
                "The request body is larger than this gateway accepts (" + limit + " bytes, server.max_body_size).");
    }

    public static GatewayException unsupportedMediaType(String contentType) {
        return new GatewayException(
                415,
                "invalid_request_error",
                "unsupported_media_type",
                null,
                "The request body must be JSON: send the header 'Content-Type: application/json' (got '" + contentType
                        + "').");
    }

    public static GatewayException rateLimited(String message, Duration retryAfter) {
        return new GatewayException(429, "rate_limit_error", "rate_limit_exceeded", null, message, retryAfter);
    }

    /** A provider error the gateway could not get past; the provider's status and message are in the message. */
    public static GatewayException upstream(String code, String message) {
        return new GatewayException(502, "api_error", code, null, message);
    }

    public static GatewayException unavailable(String message) {
        return new GatewayException(503, "api_error", "service_unavailable", null, message);
    }

    public static GatewayException unavailable(String message, Duration retryAfter) {
        return new GatewayException(503, "api_error", "service_unavailable", null, message, retryAfter);
    }

    public static GatewayException timeout(String message) {
        return new GatewayException(504, "timeout_error", "timeout", null, message);
    }

    /** For bugs only: the message never carries internals, the cause goes to the log. */
    public static GatewayException internal(String requestId) {
        return new GatewayException(
                500,
                "api_error",
                "internal_error",
                null,
                "The gateway failed to handle this request (request id " + requestId
                        + "); it has been logged. Retrying may help.");
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    /** When the client may retry, or null; rendered as a whole-second {@code Retry-After} header. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
