package io.llmux.provider.gemini;

import static io.llmux.provider.gemini.GeminiTesting.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.ErrorFields;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Gemini's error bodies read into the fields the router acts on. */
class GeminiErrorsTest {

    @Test
    void invalidArgumentIsAnInvalidRequestWithATidyMessage() {
        ErrorFields f = new GeminiErrors().parse(fixture("error-400.json"));
        assertThat(f.message())
                .isEqualTo("* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be"
                        + " positive.");
        assertThat(f.type()).isEqualTo("invalid_request_error");
        assertThat(f.authentication()).isFalse();
        assertThat(f.contextLength()).isFalse();
    }

    @Test
    void aWrongKeySaysAuthenticationAndIsRefinedToAuth() {
        GeminiErrors errors = new GeminiErrors();
        ErrorFields f = errors.parse(fixture("error-api-key-invalid.json"));
        assertThat(f.authentication()).isTrue();
        assertThat(f.code()).isEqualTo("API_KEY_INVALID");

        ProviderFailure asClassified =
                new ProviderFailure(Failure.CALLER, 400, f.message(), f.type(), f.code(), null, null);
        assertThat(errors.refine(asClassified).kind()).isEqualTo(Failure.AUTH);
    }

    @Test
    void permissionDeniedSaysAuthentication() {
        assertThat(new GeminiErrors().parse(fixture("error-403.json")).authentication())
                .isTrue();
    }

    @Test
    void resourceExhaustedIsRateLimitedAndItsRetryDelayIsKept() {
        GeminiErrors errors = new GeminiErrors();
        ErrorFields f = errors.parse(fixture("error-429.json"));
        assertThat(f.rateLimited()).isTrue();
        ProviderFailure limited = new ProviderFailure(Failure.RATE_LIMITED, 429, f.message(), null, null, null, null);
        assertThat(errors.refine(limited).retryAfter()).isEqualTo(Duration.ofSeconds(18));

        ProviderFailure withHeader =
                new ProviderFailure(Failure.RATE_LIMITED, 429, f.message(), null, null, null, Duration.ofSeconds(3));
        assertThat(errors.refine(withHeader).retryAfter())
                .as("a Retry-After header wins")
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void theInputTokenCountMessageIsContextLength() {
        assertThat(new GeminiErrors()
                        .parse(fixture("error-context-length.json"))
                        .contextLength())
                .isTrue();
    }

    @Test
    void anErrorInsideAnArrayIsReadToo() {
        byte[] body = "[{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}]"
                .getBytes(StandardCharsets.UTF_8);
        ErrorFields f = new GeminiErrors().parse(body);
        assertThat(f.message()).isEqualTo("The model is overloaded.");
        assertThat(f.type()).isNull();
    }

    @Test
    void aBodyThatIsNotGeminisShapeIsItsOwnMessage() {
        byte[] body = "<html>\n  <body>502 Bad Gateway</body>\n</html>".getBytes(StandardCharsets.UTF_8);
        assertThat(new GeminiErrors().parse(body).message()).isEqualTo("<html> <body>502 Bad Gateway</body> </html>");
        assertThat(new GeminiErrors().parse(new byte[0]).message()).isEmpty();
    }
}
