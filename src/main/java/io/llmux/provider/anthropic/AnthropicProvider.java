package io.llmux.provider.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.provider.Answer;
import io.llmux.provider.Call;
import io.llmux.provider.Provider;
import io.llmux.provider.ProviderFailure;
import io.llmux.provider.Watchdog;
import io.llmux.provider.http.Upstream;
import io.llmux.provider.http.UpstreamErrors;
import io.llmux.provider.translate.LegacyPrompt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.Map;

/**
 * The {@code anthropic} provider: OpenAI chat requests translated to the Messages API ({@code base_url} +
 * {@code /v1/messages}) and its answers, whole or streamed, translated back, so clients cannot tell Claude from GPT.
 * Legacy {@code /v1/completions} requests are served as one-message chats; there is no embeddings API to call.
 */
public final class AnthropicProvider implements Provider {
    /** The API version this adapter speaks; a {@code headers: {anthropic-version: …}} in the config wins. */
    static final String API_VERSION = "2023-06-01";

    static final String NO_EMBEDDINGS = "anthropic has no embeddings API; use an openai, azure or gemini model";

    private final ProviderConfig config;
    private final Upstream upstream;
    private final URI uri;
    private final Clock clock;

    /**
     * @param maxLineBytes {@code server.max_body_size}: the longest stream line accepted from the provider
     * @param clock stamps the {@code created} time of translated answers
     */
    public AnthropicProvider(
            ProviderConfig config, HttpClient http, Watchdog watchdog, long maxLineBytes, Clock clock) {
        this.config = config;
        // configured headers replace these defaults: an anthropic-beta, or a newer anthropic-version
        this.upstream = Upstream.forProvider(
                config,
                http,
                watchdog,
                maxLineBytes,
                Map.of("x-api-key", config.apiKey(), "anthropic-version", API_VERSION));
        String base = config.baseUrl().toString();
        this.uri = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/messages");
        this.clock = clock;
    }

    @Override
    public ProviderConfig config() {
        return config;
    }

    @Override
    public Answer call(Call call) throws ProviderFailure {
        if (call.endpoint() == Endpoint.EMBEDDINGS) {
            throw BadRequest.of("model", NO_EMBEDDINGS);
        }
        boolean legacy = call.endpoint() == Endpoint.COMPLETIONS;
        ObjectNode chat = legacy ? LegacyPrompt.asChat(call.body(), "anthropic") : call.body();
        String model = call.deployment().model();
        AnthropicRequest translated = AnthropicRequest.of(chat, model, call.stream());
        UpstreamErrors errors =
                new UpstreamErrors(config.name(), model, uri, config.apiKey(), AnthropicErrorBody::fields);
        HttpRequest request = upstream.post(uri, call, Upstream.json(translated.body()));
        long created = clock.instant().getEpochSecond();
        if (!call.stream()) {
            byte[] body = upstream.whole(request, errors);
            return AnthropicResponse.read(body, translated.jsonTool(), legacy, created, errors);
        }
        AnthropicStream events = new AnthropicStream(
                upstream.stream(request, errors), translated.jsonTool(), legacy, call.clientWantsUsage(), created);
        events.start();
        return new Answer.Streamed(events);
    }

    /** Waits for calls in flight to end, then releases the client's connections. */
    @Override
    public void close() {
        upstream.close();
    }
}
