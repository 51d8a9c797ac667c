package io.llmux.provider.azure;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.config.DeploymentConfig;
import io.llmux.config.ProviderConfig;
import io.llmux.provider.http.ErrorFields;
import io.llmux.provider.http.ErrorParser;
import io.llmux.wire.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads Azure OpenAI's error bodies: OpenAI's shape, read by the OpenAI parser, then refined where Azure says more or
 * less than OpenAI would. Its {@code code} is often the status as a string ({@code "401"}, {@code "429"}), which tells
 * a client nothing; two 404s are the gateway's own configuration, so their messages say what to fix in it; and a
 * content-filter refusal names the categories that were filtered.
 */
final class AzureErrors {
    private static final String CONTENT_FILTER = "content_filter";
    private static final String DEPLOYMENT_NOT_FOUND = "DeploymentNotFound";

    private final String root;
    private final String apiVersion;

    /**
     * @param root the provider's {@code base_url} (never has user info or a query: the config loader refuses them)
     * @param apiVersion the {@code api-version} the gateway sends
     */
    AzureErrors(String root, String apiVersion) {
        this.root = root;
        this.apiVersion = apiVersion;
    }

    /** The parser of one deployment's error bodies, on top of the OpenAI one. */
    ErrorParser parser(DeploymentConfig deployment, ErrorParser openAi) {
        return body -> refine(openAi.parse(body), body, deployment);
    }

    ErrorFields refine(ErrorFields said, byte[] body, DeploymentConfig deployment) {
        String code = said.code();
        if (CONTENT_FILTER.equals(code)) {
            return contentFilter(said, body);
        }
        if (DEPLOYMENT_NOT_FOUND.equals(code)) {
            return ErrorFields.of(
                    "Azure has no deployment named \"" + deployment.model() + "\" at " + root
                            + ": the deployment's model in the LLMux config must be the name of an Azure deployment"
                            + " of this resource, as the Azure portal lists it (Azure said: " + said.message() + ")",
                    "not_found_error",
                    null,
                    code);
        }
        if ("Resource not found".equalsIgnoreCase(said.message().strip())) {
            String hint = root.endsWith("/openai") ? ", without the /openai the gateway appends itself" : "";
            return ErrorFields.of(
                    "Azure answered Resource not found: check the provider's base_url " + root
                            + " (the resource endpoint, https://{resource}.openai.azure.com" + hint
                            + ") and api_version " + apiVersion + " (one Azure OpenAI supports, e.g. "
                            + ProviderConfig.DEFAULT_AZURE_API_VERSION + ")",
                    "not_found_error",
                    null,
                    null);
        }
        if (code != null && !code.isEmpty() && code.chars().allMatch(Character::isDigit)) {
            // the status again, as a string: no code at all is clearer to a client
            return new ErrorFields(
                    said.message(),
                    said.type(),
                    said.param(),
                    null,
                    said.contextLength(),
                    said.rateLimited() || code.equals("429"),
                    said.authentication() || code.equals("401"));
        }
        return said;
    }

    /**
     * A prompt (or completion) Azure's content filter refused: a 400 of the request itself, with the categories the
     * filter flagged when the body says which ({@code innererror.content_filter_result}, plural in some versions).
     * Azure sends {@code type: null}; the client gets {@code invalid_request_error}, like any 400.
     */
    private static ErrorFields contentFilter(ErrorFields said, byte[] body) {
        String message =
                said.message().isEmpty() ? "The request was refused by Azure OpenAI's content filter" : said.message();
        List<String> categories = filteredCategories(body);
        if (!categories.isEmpty()) {
            message = message + " (filtered: " + String.join(", ", categories) + ")";
        }
        return ErrorFields.of(
                message, said.type() != null ? said.type() : "invalid_request_error", said.param(), CONTENT_FILTER);
    }

    /** {@code hate (high)}, {@code jailbreak}, {@code custom_blocklists (my-list)}: each flagged category. */
    static List<String> filteredCategories(byte[] body) {
        List<String> out = new ArrayList<>();
        JsonNode inner;
        try {
            inner = Json.MAPPER.readTree(body).path("error").path("innererror");
        } catch (IOException | RuntimeException e) {
            return out; // the message alone still reaches the client
        }
        JsonNode result = inner.has("content_filter_result")
                ? inner.get("content_filter_result")
                : inner.path("content_filter_results");
        if (!result.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> category : result.properties()) {
            JsonNode verdict = category.getValue();
            if (!verdict.path("filtered").asBoolean(false)) {
                continue;
            }
            List<String> details = new ArrayList<>();
            String severity = verdict.path("severity").asText("");
            if (!severity.isEmpty() && !severity.equals("safe")) {
                details.add(severity);
            }
            for (JsonNode item : verdict.path("details")) { // custom blocklists name the list that matched
                if (item.path("filtered").asBoolean(false) && item.hasNonNull("id")) {
                    details.add(item.get("id").asText());
                }
            }
            out.add(category.getKey() + (details.isEmpty() ? "" : " (" + String.join(", ", details) + ")"));
        }
        return out;
    }
}
