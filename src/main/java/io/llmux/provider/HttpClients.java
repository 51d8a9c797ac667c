package io.llmux.provider;

import io.llmux.config.ProviderConfig;
import java.net.http.HttpClient;
import java.time.Duration;

/** Builds the one {@link HttpClient} each provider keeps for its whole life, so connections are reused. */
public final class HttpClients {
    /** Connecting is quick or hopeless: past this, the attempt fails even when the provider's timeout is longer. */
    static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private HttpClients() {}

    /**
     * A client for {@code config}'s upstream: HTTP/1.1 for {@code http://} (so no h2c upgrade is attempted on a plain
     * connection), HTTP/2 where TLS can negotiate it; redirects are never followed (a provider that redirects is
     * misconfigured, and following would resend the credential elsewhere). Callers block on virtual threads.
     */
    public static HttpClient forProvider(ProviderConfig config) {
        boolean plain = "http".equalsIgnoreCase(config.baseUrl().getScheme());
        return HttpClient.newBuilder()
                .version(plain ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
                .connectTimeout(connectTimeout(config.timeout()))
                .followRedirects(HttpClient.Redirect.NEVER)
                // the client's own small async steps run inline on its selector thread: handing each one to a new
                // virtual thread costs a thread wake-up per step, and none of them blocks (bodies are read by the
                // calling virtual thread through a non-blocking InputStream subscriber)
                .executor(Runnable::run)
                .build();
    }

    static Duration connectTimeout(Duration providerTimeout) {
        if (providerTimeout == null
                || providerTimeout.isZero()
                || providerTimeout.isNegative()
                || providerTimeout.compareTo(MAX_CONNECT_TIMEOUT) > 0) {
            return MAX_CONNECT_TIMEOUT;
        }
        return providerTimeout;
    }
}
