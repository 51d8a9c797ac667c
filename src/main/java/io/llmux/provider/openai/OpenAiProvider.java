package io.llmux.provider.openai;

import io.llmux.config.ProviderConfig;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Provider;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.provider.http.Upstream;
import io.llmux.provider.http.UpstreamErrors;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.Map;

/**
 * The {@code openai} provider: any OpenAI-compatible upstream, passed through. The body goes up as the client sent it
 * with {@code model} rewritten; answers come back as the provider's bytes. Azure reuses it with another
 * {@link OpenAiAddress}.
 */
public final class OpenAiProvider implements Provider {
    private final ProviderConfig config;
    private final Upstream upstream;
    private final OpenAiAddress address;

    /** @param maxLineBytes {@code server.max_body_size}: the longest stream line accepted from the provider */
    public OpenAiProvider(ProviderConfig config, HttpClient http, Watchdog watchdog, long maxLineBytes) {
        this(config, http, watchdog, maxLineBytes, OpenAiAddress.openAi(config));
    }

    /** @param address where requests go and how they authenticate (Azure passes its own) */
    public OpenAiProvider(
            ProviderConfig config, HttpClient http, Watchdog watchdog, long maxLineBytes, OpenAiAddress address) {
        this.config = config;
        this.upstream = Upstream.forProvider(
                config, http, watchdog, maxLineBytes, Map.of(address.authHeader(), address.credential()));
        this.address = address;
    }

    @Override
    public ProviderConfig config() {
        return config;
    }

    @Override
    public Answer call(Call call) throws ProviderFailure {
        URI uri = address.uri(call.endpoint(), call.deployment());
        UpstreamErrors errors = new UpstreamErrors(
                config.name(), call.deployment().model(), uri, config.apiKey(), address.errorParser(call.deployment()));
        HttpRequest request = upstream.post(uri, call, OpenAiWire.body(call));
        if (!call.stream()) {
            byte[] body = upstream.whole(request, errors);
            try {
                return new Answer.Whole(body, OpenAiUsage.ofBody(body));
            } catch (IOException e) {
                throw errors.malformed();
            }
        }
        OpenAiStream events = new OpenAiStream(upstream.stream(request, errors), call.clientWantsUsage());
        events.start();
        return new Answer.Streamed(events);
    }

    /** Waits for calls in flight to end, then releases the client's connections and threads. */
    @Override
    public void close() {
        upstream.close();
    }
}
