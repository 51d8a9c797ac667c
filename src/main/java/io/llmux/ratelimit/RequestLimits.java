package io.llmux.ratelimit;

import io.llmux.auth.Principal;
import io.llmux.config.RateLimitConfig;
import io.llmux.store.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The limits that apply to one request (SPEC §9): the key's, its user's, its team's and its organization's
 * {@code rpm_limit}, {@code tpm_limit} and {@code max_parallel_requests}, and the key's {@code model_rpm_limit} and
 * {@code model_tpm_limit} for the model asked for. A key without an rpm or tpm limit of its own gets
 * {@code rate_limit.default_rpm} / {@code default_tpm}. Without a virtual key (an open gateway) the defaults apply
 * per client address; the master key is never limited, it is the operator's.
 *
 * <p>Counter ids start with the kind of entity, so a user and a team with the same id never share a counter.
 */
public final class RequestLimits {

    private static final String MODEL_PART = ":model:";

    private RequestLimits() {}

    /**
     * @param principal the virtual key calling; null for the master key or an open gateway
     * @param client the client's address, for an open gateway; null for the master key
     * @param requested the model as the client named it
     * @param group the model group it resolved to (the same when it is not an alias)
     */
    public static List<Limit> of(
            Principal principal, String client, String requested, String group, RateLimitConfig config) {
        if (!config.enabled()) {
            return List.of();
        }
        List<Limit> limits = new ArrayList<>(4);
        if (principal == null) {
            if (client != null) {
                String scope = "client " + client;
                add(limits, scope, "client:" + client, Limit.Kind.RPM, config.defaultRpm());
                add(limits, scope, "client:" + client, Limit.Kind.TPM, config.defaultTpm());
            }
            return limits;
        }
        String keyScope = "key '" + principal.label() + "'";
        String keyId = "key:" + principal.key().token();
        Limits own = principal.key().limits();
        add(limits, keyScope, keyId, Limit.Kind.RPM, orDefault(own.rpmLimit(), config.defaultRpm()));
        add(limits, keyScope, keyId, Limit.Kind.TPM, orDefault(own.tpmLimit(), config.defaultTpm()));
        add(limits, keyScope, keyId, Limit.Kind.PARALLEL, own.maxParallelRequests());
        Long modelRpm = forModel(principal.key().modelRpmLimit(), requested, group);
        Long modelTpm = forModel(principal.key().modelTpmLimit(), requested, group);
        if (modelRpm != null || modelTpm != null) {
            String scope = keyScope + " on model '" + group + "'";
            String id = keyId + MODEL_PART + group;
            add(limits, scope, id, Limit.Kind.RPM, modelRpm);
            add(limits, scope, id, Limit.Kind.TPM, modelTpm);
        }
        if (principal.user() != null) {
            entity(
                    limits,
                    "user '" + principal.user().userId() + "'",
                    "user:" + principal.user().userId(),
                    principal.user().limits());
        }
        if (principal.team() != null) {
            String alias = principal.team().teamAlias();
            String label =
                    alias != null && !alias.isBlank() ? alias : principal.team().teamId();
            entity(
                    limits,
                    "team '" + label + "'",
                    "team:" + principal.team().teamId(),
                    principal.team().limits());
        }
        if (principal.organization() != null) {
            String id = principal.organization().organizationId();
            entity(
                    limits,
                    "organization '" + id + "'",
                    "org:" + id,
                    principal.organization().limits());
        }
        return limits;
    }

    /**
     * The kind of entity a limit belongs to, for the {@code scope} label of {@code rate_limited_total}: key, model (a
     * key's per-model limit), user, team, organization or client. Read from the counter id, which starts with it.
     */
    public static String scopeOf(Limit limit) {
        String id = limit.id();
        if (id.startsWith("key:")) {
            return id.contains(MODEL_PART) ? "model" : "key";
        }
        if (id.startsWith("user:")) {
            return "user";
        }
        if (id.startsWith("team:")) {
            return "team";
        }
        if (id.startsWith("org:")) {
            return "organization";
        }
        return id.startsWith("client:") ? "client" : "other";
    }

    private static void entity(List<Limit> limits, String scope, String id, Limits own) {
        add(limits, scope, id, Limit.Kind.RPM, own.rpmLimit());
        add(limits, scope, id, Limit.Kind.TPM, own.tpmLimit());
        add(limits, scope, id, Limit.Kind.PARALLEL, own.maxParallelRequests());
    }

    /** A limit of 0 or less, or none, does not limit (LiteLLM stores null; some scripts send 0). */
    private static void add(List<Limit> limits, String scope, String id, Limit.Kind kind, Number value) {
        if (value != null && value.longValue() > 0) {
            limits.add(new Limit(scope, id, kind, value.longValue()));
        }
    }

    private static Long orDefault(Long own, long fallback) {
        return own != null && own > 0 ? own : fallback > 0 ? fallback : null;
    }

    private static Long forModel(Map<String, Long> perModel, String requested, String group) {
        Long value = perModel.get(requested);
        return value != null ? value : perModel.get(group);
    }
}
