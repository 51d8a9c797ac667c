package io.llmux.config;

import java.util.List;

/**
 * One entry of a provider's {@code models:}: a deployment of model group {@code name}, sent upstream as
 * {@code model}. Numbers a user did not set are null, so that routing can tell "unset" from zero.
 *
 * @param weight resolved: the entry's, else the provider's; 0 makes it a standby picked only when nothing else is
 * @param cache {@code cache: false} keeps this deployment's answers out of the response cache (a model whose answers
 *     must be fresh, or may not be kept); a group none of whose deployments allow it bypasses the cache
 */
public record DeploymentConfig(
        String name,
        String model,
        double weight,
        Long rpm,
        Long tpm,
        List<String> tags,
        Double inputCostPerMillion,
        Double outputCostPerMillion,
        Double cachedInputCostPerMillion,
        Long maxInputTokens,
        boolean cache) {

    public DeploymentConfig {
        tags = List.copyOf(tags);
    }

    public static DeploymentConfig of(String name, String model, double weight, List<String> tags) {
        return new DeploymentConfig(name, model, weight, null, null, tags, null, null, null, null, true);
    }
}
