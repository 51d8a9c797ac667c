package io.llmux.config;

import java.util.Locale;

/** The wire dialect a provider speaks; {@code openai} is any OpenAI-compatible API. */
public enum ProviderType {
    OPENAI("https://api.openai.com/v1"),
    AZURE(null),
    ANTHROPIC("https://api.anthropic.com"),
    GEMINI("https://generativelanguage.googleapis.com"),
    MOCK(null);

    private final String defaultBaseUrl;

    ProviderType(String defaultBaseUrl) {
        this.defaultBaseUrl = defaultBaseUrl;
    }

    /** The provider's public endpoint, or null when there is none to default to (azure needs a resource name). */
    public String defaultBaseUrl() {
        return defaultBaseUrl;
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
