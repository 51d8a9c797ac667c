package io.llmux.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One entry of {@code providers:}: an account or endpoint. {@code missingCredential} names the environment variable
 * whose absence left {@code api_key} empty; such a provider is loaded disabled (SPEC §2), never silently keyless.
 *
 * @param baseUrl the upstream base, never null for types that need one (defaults filled by the loader)
 * @param mock options of the built-in {@code mock} type; {@link MockOptions#DEFAULT} for every other type
 */
public record ProviderConfig(
        String name,
        ProviderType type,
        String apiKey,
        String missingCredential,
        URI baseUrl,
        String apiVersion,
        Duration timeout,
        Duration streamTimeout,
        int maxConcurrent,
        Map<String, String> headers,
        double weight,
        List<String> tags,
        List<DeploymentConfig> models,
        MockOptions mock) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_STREAM_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CONCURRENT = 100;
    public static final String DEFAULT_AZURE_API_VERSION = "2024-10-21";
    /** {@code missingCredential} when {@code api_key} is empty or absent rather than an unset variable. */
    public static final String NO_API_KEY = "api_key";

    public ProviderConfig {
        apiKey = apiKey == null ? "" : apiKey;
        headers = Map.copyOf(headers);
        tags = List.copyOf(tags);
        models = List.copyOf(models);
        mock = mock == null ? MockOptions.DEFAULT : mock;
    }

    /** False when the provider's credential variable is unset: it answers nothing until the key is provided. */
    public boolean enabled() {
        return missingCredential == null;
    }

    /**
     * Why the provider is disabled ({@code OPENAI_API_KEY is not set}), for warnings, {@code /health} and 503
     * messages; null when it is enabled.
     */
    public String disabledReason() {
        if (missingCredential == null) {
            return null;
        }
        return missingCredential.equals(NO_API_KEY) ? "api_key is empty" : missingCredential + " is not set";
    }

    @Override
    public String toString() {
        return "ProviderConfig[name=" + name + ", type=" + type.configName() + ", apiKey="
                + (apiKey.isEmpty() ? "" : "****") + ", baseUrl=" + baseUrl + ", models=" + models + "]";
    }
}
