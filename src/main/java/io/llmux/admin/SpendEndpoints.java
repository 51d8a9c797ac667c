package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.auth.KeyHash;
import io.llmux.store.SpendLogRow;
import io.llmux.store.SpendLogStore;
import io.llmux.wire.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Spend as finance reads it (SPEC §8): the request log and totals per key, team, user, model and provider, and the
 * daily activity, each with {@code start_date}/{@code end_date} filters. Answers use LiteLLM's field names.
 */
public final class SpendEndpoints {
    static final int DEFAULT_LOG_LIMIT = 100;
    static final int MAX_LOG_LIMIT = 10_000;

    private final Management m;

    public SpendEndpoints(Management m) {
        this.m = m;
    }

    public List<AdminRoute> routes() {
        return List.of(
                AdminRoute.read("GET", "/spend/logs", this::logs),
                AdminRoute.read("GET", "/spend/keys", r -> totals(r, SpendLogStore.Group.KEY, "api_key")),
                AdminRoute.read("GET", "/spend/teams", r -> totals(r, SpendLogStore.Group.TEAM, "team_id")),
                AdminRoute.read("GET", "/spend/users", r -> totals(r, SpendLogStore.Group.USER, "user_id")),
                AdminRoute.read("GET", "/global/spend/models", r -> totals(r, SpendLogStore.Group.MODEL, "model")),
                AdminRoute.read(
                        "GET", "/global/spend/provider", r -> totals(r, SpendLogStore.Group.PROVIDER, "provider")),
                AdminRoute.read("GET", "/global/activity", this::activity));
    }

    private JsonNode logs(AdminRequest r) throws GatewayException {
        Map<String, String> q = r.query();
        String apiKey = Query.string(q, "api_key");
        if (apiKey != null && !KeyHash.looksLikeHash(apiKey)) {
            apiKey = KeyHash.of(apiKey); // scripts pass the key itself as often as its hash
        }
        SpendLogStore.Filter filter = new SpendLogStore.Filter(
                apiKey,
                Query.string(q, "user_id"),
                Query.string(q, "team_id"),
                Query.string(q, "request_id"),
                Query.time(q, "start_date", false),
                Query.time(q, "end_date", true),
                Query.integer(q, "limit", DEFAULT_LOG_LIMIT, 1, MAX_LOG_LIMIT));
        checkOrder(filter.start(), filter.end());
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (SpendLogRow row : m.stores().spendLogs().logs(filter)) {
            out.add(log(row));
        }
        return out;
    }

    static ObjectNode log(SpendLogRow row) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("request_id", row.requestId());
        n.put("api_key", row.apiKey());
        n.put("key_alias", row.keyAlias());
        n.put("user", row.userId());
        n.put("team_id", row.teamId());
        n.put("organization_id", row.organizationId());
        n.put("model", row.model());
        n.put("model_group", row.modelGroup());
        n.put("deployment", row.deployment());
        n.put("custom_llm_provider", row.provider());
        n.put("prompt_tokens", row.promptTokens());
        n.put("completion_tokens", row.completionTokens());
        n.put("total_tokens", row.totalTokens());
        n.put("spend", row.spend());
        n.put("cache_hit", row.cacheHit());
        n.put("status", row.status());
        RowJson.putTime(n, "startTime", row.startTime());
        RowJson.putTime(n, "endTime", row.endTime());
        return n;
    }

    private JsonNode totals(AdminRequest r, SpendLogStore.Group by, String field) throws GatewayException {
        Instant start = Query.time(r.query(), "start_date", false);
        Instant end = Query.time(r.query(), "end_date", true);
        checkOrder(start, end);
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (SpendLogStore.Total t : m.stores().spendLogs().totals(by, start, end)) {
            ObjectNode n = out.addObject();
            n.put(field, t.group());
            n.put("spend", t.spend());
            n.put("total_spend", t.spend());
            n.put("api_requests", t.requests());
            n.put("prompt_tokens", t.promptTokens());
            n.put("completion_tokens", t.completionTokens());
            n.put("total_tokens", t.totalTokens());
        }
        return out;
    }

    private JsonNode activity(AdminRequest r) throws GatewayException {
        Instant start = Query.time(r.query(), "start_date", false);
        Instant end = Query.time(r.query(), "end_date", true);
        checkOrder(start, end);
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode days = root.putArray("daily_data");
        long requests = 0;
        long tokens = 0;
        double spend = 0;
        for (SpendLogStore.Day d : m.stores().spendLogs().daily(start, end)) {
            ObjectNode n = days.addObject();
            n.put("date", d.date().toString());
            n.put("api_requests", d.requests());
            n.put("total_tokens", d.totalTokens());
            n.put("spend", d.spend());
            requests += d.requests();
            tokens += d.totalTokens();
            spend += d.spend();
        }
        root.put("sum_api_requests", requests);
        root.put("sum_total_tokens", tokens);
        root.put("sum_spend", spend);
        return root;
    }

    private static void checkOrder(Instant start, Instant end) throws GatewayException {
        if (start != null && end != null && !start.isBefore(end)) {
            throw Fields.bad("end_date", "must be after start_date");
        }
    }
}
