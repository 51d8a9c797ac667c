package io.llmux.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.GatewayException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    private final Authenticator auth = new Authenticator("sk-master");

    @Test
    void bearerAndXApiKeyAreAccepted() throws Exception {
        assertThat(auth.authenticate(Map.of("authorization", "Bearer sk-master")::get)
                        .label())
                .isEqualTo("master");
        assertThat(auth.authenticate(Map.of("authorization", "bearer  sk-master ")::get)
                        .label())
                .isEqualTo("master");
        assertThat(auth.authenticate(Map.of("x-api-key", "sk-master")::get).label())
                .isEqualTo("master");
    }

    @Test
    void missingKeyIs401() {
        assertThatThrownBy(() -> auth.authenticate(Map.<String, String>of()::get))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.type()).isEqualTo("authentication_error");
                    assertThat(e.getMessage()).contains("Authorization: Bearer");
                });
    }

    @Test
    void wrongKeyIs401AndNeverEchoed() {
        assertThatThrownBy(() -> auth.authenticate(Map.of("authorization", "Bearer sk-guess-123")::get))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage()).doesNotContain("sk-guess-123");
                });
    }
}
