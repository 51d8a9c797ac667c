package io.llmux.provider;

import io.llmux.config.ProviderConfig;
import io.llmux.provider.mock.MockProvider;
import io.llmux.provider.openai.OpenAiProvider;
import java.time.Clock;

/** Makes the adapter for a provider's {@code type}. The one place that knows every adapter. */
public final class Providers {
    private final Watchdog watchdog;
    private final Clock clock;

    public Providers(Watchdog watchdog, Clock clock) {
        this.watchdog = watchdog;
        this.clock = clock;
    }

    /** @param maxLineBytes the longest stream line accepted from upstream ({@code server.max_body_size}) */
    public Provider create(ProviderConfig config, long maxLineBytes) {
        return switch (config.type()) {
            case OPENAI -> new OpenAiProvider(config, HttpClients.forProvider(config), watchdog, maxLineBytes);
            case MOCK -> new MockProvider(config, clock);
            case AZURE, ANTHROPIC, GEMINI ->
                new UnavailableProvider(
                        config,
                        "the " + config.type().configName() + " adapter is not available in this version of LLMux");
        };
    }
}
