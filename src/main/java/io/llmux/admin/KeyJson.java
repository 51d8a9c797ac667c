package io.llmux.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.store.KeyRow;
import io.llmux.wire.Json;

/**
 * Keys as LiteLLM's proxy answers them. {@code token} is the key's id (its SHA-256); the key itself appears only in
 * {@link #generated}, the answer to the one call that made it.
 */
final class KeyJson {
    private KeyJson() {}

    /**
     * Every stored field of a key.
     *
     * @param spend what to show as {@code spend}: the stored spend, or the live one when the ledger knows better
     */
    static ObjectNode fields(KeyRow key, double spend) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("token", key.token());
        n.put("key_name", key.keyName());
        n.put("key_alias", key.keyAlias());
        RowJson.putStrings(n, "models", key.models());
        RowJson.putBudget(n, key.budget().withSpend(spend));
        if (key.softBudget() == null) {
            n.putNull("soft_budget");
        } else {
            n.put("soft_budget", key.softBudget());
        }
        RowJson.putLimits(n, key.limits());
        RowJson.putObject(n, "model_rpm_limit", key.modelRpmLimit());
        RowJson.putObject(n, "model_tpm_limit", key.modelTpmLimit());
        RowJson.putObject(n, "model_max_budget", key.modelMaxBudget());
        RowJson.putObject(n, "model_spend", key.modelSpend());
        n.put("user_id", key.userId());
        n.put("team_id", key.teamId());
        n.put("organization_id", key.organizationId());
        RowJson.putObject(n, "metadata", key.metadata());
        RowJson.putStrings(n, "tags", key.tags());
        n.put("key_type", key.keyType());
        RowJson.putTime(n, "expires", key.expires());
        n.put("blocked", key.blocked());
        RowJson.putTime(n, "created_at", key.createdAt());
        RowJson.putTime(n, "updated_at", key.updatedAt());
        return n;
    }

    /**
     * LiteLLM's {@code GenerateKeyResponse}: the new key in {@code key}, its hash in {@code token} and
     * {@code token_id} (LiteLLM fills both), then the stored fields.
     */
    static ObjectNode generated(String key, KeyRow row) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("key", key);
        n.put("token_id", row.token());
        n.setAll(fields(row, row.budget().spend()));
        return n;
    }
}
