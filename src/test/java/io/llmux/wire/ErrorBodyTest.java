package io.llmux.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import org.junit.jupiter.api.Test;

class ErrorBodyTest {

    @Test
    void errorHasMessageTypeParamAndCodeAlwaysPresent() throws Exception {
        JsonNode e = Json.MAPPER
                .readTree(ErrorBody.render(GatewayException.invalidRequest(null, "bad")))
                .get("error");
        assertThat(e.get("message").asText()).isEqualTo("bad");
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.has("param")).isTrue();
        assertThat(e.get("param").isNull()).isTrue();
        assertThat(e.has("code")).isTrue();
        assertThat(e.get("code").isNull()).isTrue();
    }

    @Test
    void messagesAreEscapedAsJson() throws Exception {
        String nasty = "quote \" backslash \\ newline \n tab \t control \u0001 unicode ✓";
        JsonNode e = Json.MAPPER
                .readTree(ErrorBody.render(nasty, "api_error", "p", "c"))
                .get("error");
        assertThat(e.get("message").asText()).isEqualTo(nasty);
        assertThat(e.get("param").asText()).isEqualTo("p");
        assertThat(e.get("code").asText()).isEqualTo("c");
    }

    @Test
    void modelNotFoundIs404WithCode() throws Exception {
        GatewayException ex = GatewayException.modelNotFound("nope");
        assertThat(ex.status()).isEqualTo(404);
        JsonNode e = Json.MAPPER.readTree(ErrorBody.render(ex)).get("error");
        assertThat(e.get("type").asText()).isEqualTo("not_found_error");
        assertThat(e.get("code").asText()).isEqualTo("model_not_found");
        assertThat(e.get("message").asText()).contains("nope").contains("/v1/models");
    }
}
