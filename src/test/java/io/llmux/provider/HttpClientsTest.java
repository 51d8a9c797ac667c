package io.llmux.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpClientsTest {

    private static ProviderConfig provider(String baseUrl, Duration timeout) {
        return new ProviderConfig(
                "p",
                ProviderType.OPENAI,
                "",
                null,
                URI.create(baseUrl),
                null,
                timeout,
                Duration.ofSeconds(30),
                10,
                Map.of(),
                1.0,
                List.of(),
                List.of(),
                null);
    }

    @Test
    void plainHttpUpstreamsSpeakHttp11SoNoUpgradeIsAttempted() {
        try (HttpClient client =
                HttpClients.forProvider(provider("http://127.0.0.1:8000/v1", Duration.ofSeconds(60)))) {
            assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        }
    }

    @Test
    void tlsUpstreamsMayNegotiateHttp2() {
        try (HttpClient client =
                HttpClients.forProvider(provider("https://api.openai.com/v1", Duration.ofSeconds(60)))) {
            assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.NEVER);
            assertThat(client.executor()).isPresent();
        }
    }

    @Test
    void connectTimeoutIsTheProviderTimeoutUpToTenSeconds() {
        try (HttpClient slow = HttpClients.forProvider(provider("https://x.example/v1", Duration.ofSeconds(60)));
                HttpClient quick = HttpClients.forProvider(provider("https://x.example/v1", Duration.ofSeconds(3)))) {
            assertThat(slow.connectTimeout()).contains(Duration.ofSeconds(10));
            assertThat(quick.connectTimeout()).contains(Duration.ofSeconds(3));
        }
        assertThat(HttpClients.connectTimeout(null)).isEqualTo(Duration.ofSeconds(10));
    }
}
