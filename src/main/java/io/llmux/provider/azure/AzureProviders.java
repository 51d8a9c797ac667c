package io.llmux.provider.azure;

import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.provider.HttpClients;
import io.llmux.provider.Provider;
import io.llmux.provider.UnavailableProvider;
import io.llmux.provider.Watchdog;
import io.llmux.provider.openai.OpenAiAddress;
import io.llmux.provider.openai.OpenAiProvider;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code azure} provider: Azure OpenAI speaks OpenAI's wire format, so it is the openai adapter with Azure's
 * address. Each deployment's {@code model} is the name of an Azure deployment of the resource, and goes in the path
 * ({@code {base_url}/openai/deployments/{model}/chat/completions?api-version=…}); the key goes in {@code api-key}.
 * Answers, streams (the prompt-filter chunk with {@code choices: []} included) and legacy completions pass through
 * as for openai; only the error bodies are read differently ({@link AzureErrors}).
 */
public final class AzureProviders {

    private AzureProviders() {}

    /**
     * The provider for {@code config}, with its own HTTP client.
     *
     * @param maxLineBytes {@code server.max_body_size}: the longest stream line accepted from Azure
     */
    public static Provider create(ProviderConfig config, Watchdog watchdog, long maxLineBytes) {
        if (config.baseUrl() == null) { // only a disabled provider gets this far without one: base_url: ${UNSET_VAR}
            String reason = config.disabledReason();
            return new UnavailableProvider(
                    config, reason != null ? reason : "base_url is missing (https://{resource}.openai.azure.com)");
        }
        return create(config, HttpClients.forProvider(config), watchdog, maxLineBytes);
    }

    /** @param http the client to send with; the provider closes it */
    public static Provider create(ProviderConfig config, HttpClient http, Watchdog watchdog, long maxLineBytes) {
        return new OpenAiProvider(config, http, watchdog, maxLineBytes, address(config));
    }

    static OpenAiAddress address(ProviderConfig config) {
        String root = root(config.baseUrl());
        String version = apiVersion(config);
        String query = "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
        // built once per configured deployment; a URL is only assembled per call for a name the config did not list
        Map<String, Map<Endpoint, URI>> byDeployment = new HashMap<>();
        for (DeploymentConfig deployment : config.models()) {
            byDeployment.computeIfAbsent(deployment.model(), name -> urls(root, name, query));
        }
        AzureErrors errors = new AzureErrors(root, version);
        return new OpenAiAddress(
                (endpoint, deployment) -> {
                    Map<Endpoint, URI> urls = byDeployment.get(deployment.model());
                    return (urls != null ? urls : urls(root, deployment.model(), query)).get(endpoint);
                },
                "api-key",
                config.apiKey(),
                (deployment, openAi) -> errors.parser(deployment, openAi));
    }

    /** The api-version to send: the loader fills its default, a config built in code may not. */
    static String apiVersion(ProviderConfig config) {
        String version = config.apiVersion();
        return version == null || version.isBlank() ? ProviderConfig.DEFAULT_AZURE_API_VERSION : version;
    }

    private static Map<Endpoint, URI> urls(String root, String deployment, String query) {
        Map<Endpoint, URI> urls = new EnumMap<>(Endpoint.class);
        for (Endpoint endpoint : Endpoint.values()) {
            urls.put(
                    endpoint,
                    URI.create(root + "/openai/deployments/" + segment(deployment) + OpenAiAddress.path(endpoint)
                            + query));
        }
        return urls;
    }

    private static String root(URI baseUrl) {
        String base = baseUrl.toString();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /**
     * A deployment name as one path segment: everything but RFC 3986's unreserved characters is percent-encoded, so
     * a space, {@code /}, {@code ?} or {@code #} in a name cannot change the URL's shape; a name of dots alone is
     * encoded too, or it would walk up the path.
     */
    static String segment(String name) {
        boolean dotsOnly = !name.isEmpty() && name.chars().allMatch(c -> c == '.');
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean unreserved = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '~'
                    || (c == '.' && !dotsOnly);
            if (unreserved) {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
