package io.llmux.provider.openai;

import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.pipeline.Endpoint;
import io.llmux.provider.http.ErrorParser;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * How an OpenAI-compatible upstream is addressed and authenticated: the only part that differs between the
 * {@code openai} and {@code azure} types, which share this package's body, stream and error handling.
 *
 * @param urls the URL of an endpoint for a deployment
 * @param authHeader the header that carries the credential ({@code Authorization}, Azure's {@code api-key})
 * @param credential the header's value; empty sends no credential header (a local server without keys)
 * @param errorParsers given a deployment and the OpenAI error parser, the parser of this upstream's error bodies:
 *     Azure wraps the OpenAI one to name the deployment it could not find and the categories its filter blocked
 */
public record OpenAiAddress(
        BiFunction<Endpoint, DeploymentConfig, URI> urls,
        String authHeader,
        String credential,
        BiFunction<DeploymentConfig, ErrorParser, ErrorParser> errorParsers) {

    /** An upstream whose error bodies are OpenAI's. */
    public OpenAiAddress(BiFunction<Endpoint, DeploymentConfig, URI> urls, String authHeader, String credential) {
        this(urls, authHeader, credential, (deployment, openAi) -> openAi);
    }

    /** OpenAI's layout: {@code base_url} + {@link #path}, {@code Authorization: Bearer <api_key>}. */
    public static OpenAiAddress openAi(ProviderConfig config) {
        String base = config.baseUrl().toString();
        String root = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        Map<Endpoint, URI> byEndpoint = new EnumMap<>(Endpoint.class);
        for (Endpoint endpoint : Endpoint.values()) {
            byEndpoint.put(endpoint, URI.create(root + path(endpoint)));
        }
        String key = config.apiKey();
        return new OpenAiAddress(
                (endpoint, deployment) -> byEndpoint.get(endpoint),
                "Authorization",
                key.isEmpty() ? "" : "Bearer " + key);
    }

    /** What OpenAI appends to its base for each endpoint; Azure appends the same after the deployment. */
    public static String path(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT -> "/chat/completions";
            case COMPLETIONS -> "/completions";
            case EMBEDDINGS -> "/embeddings";
        };
    }

    URI uri(Endpoint endpoint, DeploymentConfig deployment) {
        return urls.apply(endpoint, deployment);
    }

    ErrorParser errorParser(DeploymentConfig deployment) {
        return errorParsers.apply(deployment, OpenAiErrorBody::fields);
    }

    /** Never prints the credential. */
    @Override
    public String toString() {
        return "OpenAiAddress[authHeader=" + authHeader + ", credential=" + (credential.isEmpty() ? "" : "****") + "]";
    }
}
