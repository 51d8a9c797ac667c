package io.llmux.provider.gemini;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.config.ProviderConfig;
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
 * The {@code gemini} provider: Google's Gemini API ({@code generateContent}, {@code streamGenerateContent?alt=sse},
 * {@code embedContent}, {@code batchEmbedContents}), translated to and from OpenAI's chat, legacy completion and
 * embedding shapes. The key goes in the {@code x-goog-api-key} header only (SPEC §5: never in the URL).
 */
public final class GeminiProvider implements Provider {
    private static final String NAME = "gemini";

    private final ProviderConfig config;
    private final Upstream upstream;
    private final GeminiAddress address;
    private final Clock clock;

    /**
     * @param maxLineBytes {@code server.max_body_size}: the longest stream line accepted from Gemini
     * @param clock stamps each answer's {@code created}
     */
    public GeminiProvider(ProviderConfig config, HttpClient http, Watchdog watchdog, long maxLineBytes, Clock clock) {
        this.config = config;
        // the key travels only in a header: a URL with it would leak into logs and traces
        this.upstream =
                Upstream.forProvider(config, http, watchdog, maxLineBytes, Map.of("x-goog-api-key", config.apiKey()));
        this.address = new GeminiAddress(config.baseUrl());
        this.clock = clock;
    }

    @Override
    public ProviderConfig config() {
        return config;
    }

    @Override
    public Answer call(Call call) throws ProviderFailure {
        return switch (call.endpoint()) {
            case CHAT -> chat(call, call.body(), false);
            case COMPLETIONS -> chat(call, LegacyPrompt.asChat(call.body(), NAME), true);
            case EMBEDDINGS -> embed(call);
        };
    }

    private Answer chat(Call call, ObjectNode chat, boolean legacy) throws ProviderFailure {
        String model = call.deployment().model();
        ObjectNode body = GeminiRequest.build(chat, call.stream());
        URI uri = address.uri(model, call.stream() ? "streamGenerateContent" : "generateContent", call.stream());
        GeminiErrors parser = new GeminiErrors();
        UpstreamErrors errors = new UpstreamErrors(config.name(), model, uri, config.apiKey(), parser);
        HttpRequest request = upstream.post(uri, call, Upstream.json(body));
        GeminiReply reply = GeminiReply.start(clock.instant().getEpochSecond(), model, legacy);
        try {
            if (!call.stream()) {
                return GeminiAnswer.translate(upstream.whole(request, errors), reply, errors);
            }
            GeminiStream events = new GeminiStream(upstream.stream(request, errors), reply, call.clientWantsUsage());
            events.start();
            return new Answer.Streamed(events);
        } catch (ProviderFailure f) {
            throw parser.refine(f);
        }
    }

    private Answer embed(Call call) throws ProviderFailure {
        String model = call.deployment().model();
        ObjectNode body = GeminiEmbeddings.request(call.body(), model);
        URI uri = address.uri(model, GeminiEmbeddings.method(call.body()), false);
        GeminiErrors parser = new GeminiErrors();
        UpstreamErrors errors = new UpstreamErrors(config.name(), model, uri, config.apiKey(), parser);
        try {
            byte[] answer = upstream.whole(upstream.post(uri, call, Upstream.json(body)), errors);
            return GeminiEmbeddings.answer(answer, call.body(), model, errors);
        } catch (ProviderFailure f) {
            throw parser.refine(f);
        }
    }

    /** Waits for calls in flight to end, then releases the client's connections and threads. */
    @Override
    public void close() {
        upstream.close();
    }
}
