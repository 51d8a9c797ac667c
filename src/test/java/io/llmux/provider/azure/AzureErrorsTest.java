package io.llmux.provider.azure;

import static io.llmux.provider.azure.AzureTesting.DEPLOYMENT;
import static io.llmux.provider.azure.AzureTesting.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.http.ErrorFields;
import io.llmux.provider.http.ErrorParser;
import io.llmux.provider.http.UpstreamErrors;
import io.llmux.wire.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Azure's error bodies, read on top of a stand-in for the OpenAI parser (message, type, param and code only). */
class AzureErrorsTest {
    private static final AzureErrors AZURE = new AzureErrors("https://contoso.openai.azure.com", "2024-10-21");

    /** What the OpenAI parser reads from these bodies (never a null message); the openai tests cover the real one. */
    private static final ErrorParser OPENAI = body -> {
        String text = new String(body, StandardCharsets.UTF_8);
        String code = field(text, "code");
        String message = field(text, "message");
        return ErrorFields.of(message == null ? "" : message, null, field(text, "param"), code);
    };

    private static String field(String json, String name) {
        try {
            JsonNode value = Json.MAPPER.readTree(json).path("error").path(name);
            return value.isTextual() ? value.asText() : null;
        } catch (IOException e) {
            return name.equals("message") ? json : null;
        }
    }

    private static ErrorFields parse(String body) {
        return AZURE.parser(DEPLOYMENT, OPENAI).parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyFilteredCategoryIsNamedWithItsSeverityOrList() {
        String body = """
                {"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter",
                 "status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_results":{
                  "hate":{"filtered":false,"severity":"low"},
                  "jailbreak":{"filtered":true,"detected":true},
                  "self_harm":{"filtered":true,"severity":"medium"},
                  "custom_blocklists":{"filtered":true,"details":[{"filtered":true,"id":"competitors"},
                                                                  {"filtered":false,"id":"profanity"}]}}}}}""";
        ErrorFields e = parse(body);
        assertThat(e.message())
                .isEqualTo("The response was filtered (filtered: jailbreak, self_harm (medium),"
                        + " custom_blocklists (competitors))");
        assertThat(e.type()).isEqualTo("invalid_request_error");
        assertThat(e.code()).isEqualTo("content_filter");
        assertThat(e.param()).isEqualTo("prompt");
    }

    @Test
    void aContentFilterErrorWithoutDetailsKeepsAzuresMessage() {
        ErrorFields e = parse("{\"error\":{\"message\":\"The response was filtered\",\"code\":\"content_filter\"}}");
        assertThat(e.message()).isEqualTo("The response was filtered");
        ErrorFields silent =
                parse("{\"error\":{\"code\":\"content_filter\",\"innererror\":{\"content_filter_result\":7}}}");
        assertThat(silent.message()).isEqualTo("The request was refused by Azure OpenAI's content filter");
    }

    @Test
    void aContentFilterErrorEventInAStreamIsTheRequestsFault() {
        UpstreamErrors errors = new UpstreamErrors(
                "az",
                "dep-chat",
                URI.create("https://contoso.openai.azure.com/openai/deployments/dep-chat/chat/completions"),
                "secret-key-123456",
                AZURE.parser(DEPLOYMENT, OPENAI));
        ProviderFailure f = errors.ofEvent(fixture("error-content-filter.json"));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(f.errorCode()).isEqualTo("content_filter");
    }

    @Test
    void codesThatOnlyRepeatTheStatusAreDroppedButStillClassifyStreamEvents() {
        ErrorFields limited = parse(new String(fixture("error-429.json"), StandardCharsets.UTF_8));
        assertThat(limited.code()).isNull();
        assertThat(limited.rateLimited()).isTrue();
        ErrorFields refused = parse(new String(fixture("error-401.json"), StandardCharsets.UTF_8));
        assertThat(refused.code()).isNull();
        assertThat(refused.authentication()).isTrue();
        ErrorFields other = parse("{\"error\":{\"code\":\"OperationNotSupported\",\"message\":\"no\"}}");
        assertThat(other.code()).isEqualTo("OperationNotSupported");
        assertThat(other.message()).isEqualTo("no");
    }

    @Test
    void aBodyThatIsNotJsonIsLeftToTheOpenAiParser() {
        ErrorFields e = parse("<html>502 Bad Gateway</html>");
        assertThat(e.message()).isEqualTo("<html>502 Bad Gateway</html>");
        assertThat(AzureErrors.filteredCategories("not json".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
    }
}
