package io.llmux.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.store.BudgetFields;
import io.llmux.store.Limits;
import io.llmux.wire.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The fields every entity shares, as LiteLLM names them in its answers. */
public final class RowJson {
    private RowJson() {}

    public static void putBudget(ObjectNode n, BudgetFields b) {
        if (b.maxBudget() == null) {
            n.putNull("max_budget");
        } else {
            n.put("max_budget", b.maxBudget());
        }
        n.put("budget_duration", b.budgetDuration());
        putTime(n, "budget_reset_at", b.budgetResetAt());
        n.put("spend", b.spend());
    }

    public static void putLimits(ObjectNode n, Limits l) {
        putLong(n, "tpm_limit", l.tpmLimit());
        putLong(n, "rpm_limit", l.rpmLimit());
        if (l.maxParallelRequests() == null) {
            n.putNull("max_parallel_requests");
        } else {
            n.put("max_parallel_requests", l.maxParallelRequests());
        }
    }

    public static void putTime(ObjectNode n, String field, Instant t) {
        if (t == null) {
            n.putNull(field);
        } else {
            n.put(field, t.toString());
        }
    }

    public static void putLong(ObjectNode n, String field, Long v) {
        if (v == null) {
            n.putNull(field);
        } else {
            n.put(field, v);
        }
    }

    public static void putStrings(ObjectNode n, String field, List<String> values) {
        values.forEach(n.putArray(field)::add);
    }

    public static void putObject(ObjectNode n, String field, Map<String, ?> value) {
        n.set(field, Json.MAPPER.valueToTree(value));
    }
}
