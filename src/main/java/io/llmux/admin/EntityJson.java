package io.llmux.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.budget.BudgetScope;
import io.llmux.budget.BudgetScopes;
import io.llmux.budget.Nanos;
import io.llmux.store.BudgetFields;
import io.llmux.store.KeyRow;
import io.llmux.store.OrganizationRow;
import io.llmux.store.Page;
import io.llmux.store.TeamMember;
import io.llmux.store.TeamRow;
import io.llmux.store.UserRow;
import io.llmux.wire.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * Teams, users, organizations and the keys listed with them, as LiteLLM's management answers name their fields.
 * {@code spend} is what the budget ledger counts right now (settled and in flight), so it agrees with what
 * admission enforces rather than lagging behind the spend-log batches.
 */
final class EntityJson {
    private static final int KEY_PAGE = 500;

    private EntityJson() {}

    static ObjectNode team(Management m, TeamRow t, List<TeamMember> members) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("team_id", t.teamId());
        n.put("team_alias", t.teamAlias());
        n.put("organization_id", t.organizationId());
        RowJson.putStrings(n, "models", t.models());
        RowJson.putBudget(n, live(m, BudgetScope.Kind.TEAM, t.teamId(), t.budget()));
        RowJson.putLimits(n, t.limits());
        RowJson.putObject(n, "metadata", t.metadata());
        n.put("blocked", t.blocked());
        ArrayNode withRoles = n.putArray("members_with_roles");
        ArrayNode ids = n.putArray("members");
        for (TeamMember member : members) {
            withRoles.addObject().put("user_id", member.userId()).put("role", member.role());
            ids.add(member.userId());
        }
        RowJson.putTime(n, "created_at", t.createdAt());
        RowJson.putTime(n, "updated_at", t.updatedAt());
        return n;
    }

    static ObjectNode membership(TeamMember member) {
        return Json.MAPPER
                .createObjectNode()
                .put("team_id", member.teamId())
                .put("user_id", member.userId())
                .put("role", member.role());
    }

    static ObjectNode user(Management m, UserRow u, List<String> teams) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("user_id", u.userId());
        n.put("user_email", u.userEmail());
        n.put("user_role", u.userRole());
        RowJson.putStrings(n, "teams", teams);
        RowJson.putStrings(n, "models", u.models());
        RowJson.putBudget(n, live(m, BudgetScope.Kind.USER, u.userId(), u.budget()));
        RowJson.putLimits(n, u.limits());
        RowJson.putObject(n, "metadata", u.metadata());
        RowJson.putTime(n, "created_at", u.createdAt());
        RowJson.putTime(n, "updated_at", u.updatedAt());
        return n;
    }

    /**
     * LiteLLM keeps an organization's budget and limits in a linked budget row, {@code litellm_budget_table};
     * they are given there and, for readers of the other projects' shape, at the top level as well.
     */
    static ObjectNode organization(Management m, OrganizationRow o, List<ObjectNode> teams) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("organization_id", o.organizationId());
        n.put("organization_alias", o.organizationAlias());
        RowJson.putStrings(n, "models", o.models());
        BudgetFields budget = live(m, BudgetScope.Kind.ORGANIZATION, o.organizationId(), o.budget());
        RowJson.putBudget(n, budget);
        RowJson.putLong(n, "tpm_limit", o.limits().tpmLimit());
        RowJson.putLong(n, "rpm_limit", o.limits().rpmLimit());
        RowJson.putObject(n, "metadata", o.metadata());
        ObjectNode table = n.putObject("litellm_budget_table");
        RowJson.putBudget(table, budget);
        table.remove("spend");
        RowJson.putLimits(table, o.limits());
        n.putArray("teams").addAll(teams);
        n.putArray("members");
        RowJson.putTime(n, "created_at", o.createdAt());
        RowJson.putTime(n, "updated_at", o.updatedAt());
        return n;
    }

    /**
     * A key as team and user answers list it: its hash ({@code token}, the id {@code /key/info} takes) and masked
     * name, never the key itself. Spend is the stored one: a listing does not ask the ledger once per key.
     */
    static ObjectNode key(KeyRow k) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("token", k.token());
        n.put("key_name", k.keyName());
        n.put("key_alias", k.keyAlias());
        RowJson.putStrings(n, "models", k.models());
        RowJson.putBudget(n, k.budget());
        if (k.softBudget() == null) {
            n.putNull("soft_budget");
        } else {
            n.put("soft_budget", k.softBudget());
        }
        RowJson.putLimits(n, k.limits());
        n.put("user_id", k.userId());
        n.put("team_id", k.teamId());
        n.put("organization_id", k.organizationId());
        RowJson.putObject(n, "metadata", k.metadata());
        RowJson.putStrings(n, "tags", k.tags());
        n.put("key_type", k.keyType());
        RowJson.putTime(n, "expires", k.expires());
        n.put("blocked", k.blocked());
        RowJson.putTime(n, "created_at", k.createdAt());
        RowJson.putTime(n, "updated_at", k.updatedAt());
        return n;
    }

    /** Every key of a user or a team, read a page at a time. */
    static List<KeyRow> keysOf(Management m, String userId, String teamId) {
        List<KeyRow> all = new ArrayList<>();
        for (int page = 1; ; page++) {
            Page<KeyRow> p = m.stores().keys().list(userId, teamId, page, KEY_PAGE);
            all.addAll(p.rows());
            if (page >= p.totalPages()) {
                return all;
            }
        }
    }

    /** The budget with the ledger's live spend for the entity's current period. */
    static BudgetFields live(Management m, BudgetScope.Kind kind, String id, BudgetFields b) {
        BudgetScope scope = BudgetScopes.scope(kind, id, id, b, m.clock().instant());
        return b.withSpend(Nanos.toUsd(m.ledger().spent(scope)));
    }
}
