package io.llmux.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.GatewayException;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.RetryAfter;
import io.llmux.provider.http.UpstreamErrors;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class OpenAiErrorsTest {
    private static final Instant NOW = Instant.parse("2025-07-03T12:00:00Z");
    private static final UpstreamErrors ERRORS = new UpstreamErrors(
            "openai",
            "gpt-4o-mini",
            URI.create("https://api.openai.com/v1/chat/completions"),
            "sk-secret-123456",
            OpenAiErrorBody::fields);

    private static HttpHeaders headers(String... nameValues) {
        Map<String, List<String>> map = new HashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            map.put(nameValues[i], List.of(nameValues[i + 1]));
        }
        return HttpHeaders.of(map, (a, b) -> true);
    }

    private static ProviderFailure status(int status, String body) {
        return ERRORS.ofStatus(status, headers(), body.getBytes(StandardCharsets.UTF_8), NOW);
    }

    @Test
    void retryAfterIsParsed() {
        assertThat(RetryAfter.parse(headers("retry-after", "20"), NOW)).isEqualTo(Duration.ofSeconds(20));
        assertThat(RetryAfter.parse(headers("retry-after", " 1.5 "), NOW)).isEqualTo(Duration.ofMillis(1500));
        assertThat(RetryAfter.parse(headers("retry-after", "Thu, 03 Jul 2025 12:00:30 GMT"), NOW))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse(headers("retry-after", "Thu, 03 Jul 2025 11:00:00 GMT"), NOW))
                .isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse(headers("retry-after-ms", "250", "retry-after", "1"), NOW))
                .isEqualTo(Duration.ofMillis(250));
        assertThat(RetryAfter.parse(headers("retry-after-ms", "soon", "retry-after", "2"), NOW))
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(RetryAfter.parse(headers("retry-after", "later"), NOW)).isNull();
        assertThat(RetryAfter.parse(headers("retry-after", "-3"), NOW)).isNull();
        assertThat(RetryAfter.parse(headers(), NOW)).isNull();
    }

    @Test
    void statusesMapToFailureKinds() {
        assertThat(status(401, "").kind()).isEqualTo(Failure.AUTH);
        assertThat(status(403, "").kind()).isEqualTo(Failure.AUTH);
        assertThat(status(429, "").kind()).isEqualTo(Failure.RATE_LIMITED);
        assertThat(status(408, "").kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(status(500, "").kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(status(529, "").kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(status(400, "").kind()).isEqualTo(Failure.CALLER);
        assertThat(status(404, "").kind()).isEqualTo(Failure.CALLER);
        assertThat(status(422, "").kind()).isEqualTo(Failure.CALLER);
        assertThat(status(302, "").kind()).isEqualTo(Failure.TRANSIENT);
    }

    @Test
    void contextLengthIsKnownByItsCodeOrByTheMessageCompatibleServersSend() {
        String vllm = "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens. However,"
                + " you requested 5000 tokens.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}";
        ProviderFailure f = status(400, vllm);
        assertThat(f.kind()).isEqualTo(Failure.CONTEXT_LENGTH);
        assertThat(f.errorType()).isEqualTo("BadRequestError");
        assertThat(f.errorCode()).isEqualTo("400");
        assertThat(status(400, "{\"error\":{\"message\":\"too long\",\"code\":\"context_length_exceeded\"}}")
                        .kind())
                .isEqualTo(Failure.CONTEXT_LENGTH);
    }

    @Test
    void otherErrorShapesStillYieldAMessage() {
        assertThat(status(400, "{\"error\":\"model is required\"}")).hasMessage("model is required");
        assertThat(status(422, "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"bad\"}]}"))
                .hasMessage("[{\"loc\":[\"body\"],\"msg\":\"bad\"}]");
        assertThat(status(502, "<html>\n  <head><title>502 Bad Gateway</title></head>\n</html>"))
                .hasMessage("<html> <head><title>502 Bad Gateway</title></head> </html>");
        assertThat(status(500, "x".repeat(5000)).getMessage()).endsWith("x…").hasSizeLessThan(1100);
    }

    @Test
    void theCredentialNeverAppearsInAMessage() {
        assertThat(status(401, "{\"error\":{\"message\":\"bad key sk-secret-123456\"}}")
                        .getMessage())
                .doesNotContain("sk-secret-123456")
                .contains("bad key ****");
    }

    @Test
    void errorEventsAreClassifiedByTheirCodeAndType() {
        assertThat(ERRORS.ofEvent("{\"error\":{\"message\":\"x\",\"code\":\"rate_limit_exceeded\"}}"
                                .getBytes(StandardCharsets.UTF_8))
                        .kind())
                .isEqualTo(Failure.RATE_LIMITED);
        ProviderFailure caller = ERRORS.ofEvent(
                "{\"error\":{\"message\":\"x\",\"type\":\"invalid_request_error\"}}".getBytes(StandardCharsets.UTF_8));
        assertThat(caller.kind()).isEqualTo(Failure.CALLER);
        assertThat(caller.upstreamStatus()).isEqualTo(400);
        assertThat(ERRORS.ofEvent("{\"error\":{\"message\":\"x\",\"type\":\"server_error\"}}"
                                .getBytes(StandardCharsets.UTF_8))
                        .kind())
                .isEqualTo(Failure.TRANSIENT);
    }

    @Test
    void aRefusedConnectionSaysWhatTheSocketSaidNotAJavaClassName() {
        // java.net.http throws a ConnectException without a message around the socket's own
        ConnectException wrapped = new ConnectException();
        wrapped.initCause(new ConnectException("Connection refused"));
        ProviderFailure f = ERRORS.ofException(new ExecutionException(wrapped), Duration.ofSeconds(1), "timeout");
        assertThat(f.kind()).isEqualTo(Failure.TRANSIENT);
        assertThat(f)
                .hasMessage("could not connect to https://api.openai.com/v1/chat/completions (Connection refused)");
        assertThat(ERRORS.ofException(new ConnectException(), Duration.ofSeconds(1), "timeout"))
                .hasMessageEndingWith("(connection refused)");
    }

    @Test
    void midStreamFailuresBecomeTheStreamsErrorEvent() {
        GatewayException timeout = ERRORS.midStream(ERRORS.stalled(Duration.ofSeconds(30)));
        assertThat(timeout.status()).isEqualTo(504);
        assertThat(timeout)
                .hasMessage("openai/gpt-4o-mini: sent nothing for 30s (stream_timeout); the stream was ended");
        GatewayException upstream = ERRORS.midStream(
                ERRORS.ofEvent("{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"code\":\"server_error\"}}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertThat(upstream.status()).isEqualTo(502);
        assertThat(upstream.code()).isEqualTo("provider_error");
        assertThat(upstream).hasMessage("openai/gpt-4o-mini: boom");
        assertThat(ERRORS.midStream(status(401, "")).code()).isEqualTo("provider_auth_error");
    }

    @Test
    void errorEventsAreSpottedFromTheirFirstBytes() {
        assertThat(OpenAiStream.isError(null, "{\"error\":{}}".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(OpenAiStream.isError(null, " { \"error\" : {}}".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(OpenAiStream.isError("error", "{}".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(OpenAiStream.isError(null, "{\"id\":\"x\",\"error\":null}".getBytes(StandardCharsets.UTF_8)))
                .isFalse();
        assertThat(OpenAiStream.isError(null, "{\"err".getBytes(StandardCharsets.UTF_8)))
                .isFalse();
        assertThat(OpenAiStream.isError(null, Map.of().toString().getBytes(StandardCharsets.UTF_8)))
                .isFalse();
    }

    @Test
    void aLibraryMessageQuotingAUrlWithAKeyOrAHeaderLosesTheSecret() {
        ProviderFailure f = ERRORS.ofException(
                new java.io.IOException("GOAWAY from https://g.example/v1/models/m:generateContent?key=AIzaSy0123456789"
                        + " (x-goog-api-key: AIzaSy0123456789)"),
                Duration.ofSeconds(5),
                "timeout");
        assertThat(f.getMessage())
                .contains("?key=[REDACTED]")
                .contains("x-goog-api-key: [REDACTED]")
                .doesNotContain("AIzaSy0123456789");
    }

    @Test
    void anUpstreamMessageQuotingAnotherKeyLosesIt() {
        String other = "sk-" + "someoneElsesKey0123456789abcdefghij";
        ProviderFailure f = status(400, "{\"error\":{\"message\":\"invalid user " + other + "\"}}");
        assertThat(f.getMessage()).isEqualTo("invalid user sk-[REDACTED]");
    }
}
