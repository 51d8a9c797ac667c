package io.llmux.provider;

import io.llmux.config.ProviderConfig;
import io.llmux.config.ProviderType;
import io.llmux.provider.anthropic.AnthropicProvider;
import io.llmux.provider.azure.AzureProviders;
import io.llmux.provider.gemini.GeminiProvider;
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
        if (config.type() != ProviderType.MOCK && config.baseUrl() == null) {
            // only a base_url whose variable is unset leaves it empty; the loader disabled the provider for that
            return new UnavailableProvider(config, config.disabledReason());
        }
        return new BoundedProvider(adapter(config, maxLineBytes), config.maxConcurrent());
    }

    private Provider adapter(ProviderConfig config, long maxLineBytes) {
        return switch (config.type()) {
            case OPENAI -> new OpenAiProvider(config, HttpClients.forProvider(config), watchdog, maxLineBytes);
            case MOCK -> new MockProvider(config, clock);
            case AZURE -> AzureProviders.create(config, watchdog, maxLineBytes);
            case ANTHROPIC ->
                new AnthropicProvider(config, HttpClients.forProvider(config), watchdog, maxLineBytes, clock);
            case GEMINI -> new GeminiProvider(config, HttpClients.forProvider(config), watchdog, maxLineBytes, clock);
        };
    }
}
