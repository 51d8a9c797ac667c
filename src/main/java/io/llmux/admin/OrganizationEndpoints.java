package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.store.KeyRow;
import io.llmux.store.Limits;
import io.llmux.store.OrganizationRow;
import io.llmux.store.OrganizationStore;
import io.llmux.store.TeamMember;
import io.llmux.store.TeamRow;
import io.llmux.wire.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Organizations (SPEC §8), the top of the budget hierarchy, as LiteLLM's {@code /organization/*} routes take and
 * answer them; update and delete also answer to PATCH and DELETE, as the original project had them.
 *
 * <p>Deleting an organization deletes its teams, their members and keys, and the keys issued to the organization
 * itself: LiteLLM's {@code /organization/delete} does the same, and a team left pointing at a missing organization
 * would lose the bound the organization set.
 */
public final class OrganizationEndpoints {
    private final Management m;

    public OrganizationEndpoints(Management m) {
        this.m = m;
    }

    public List<AdminRoute> routes() {
        return List.of(
                AdminRoute.admin("POST", "/organization/new", this::create),
                AdminRoute.admin("POST", "/organization/update", this::update),
                AdminRoute.admin("PATCH", "/organization/update", this::update),
                AdminRoute.admin("POST", "/organization/delete", this::delete),
                AdminRoute.admin("DELETE", "/organization/delete", this::delete),
                AdminRoute.read("GET", "/organization/info", this::info),
                AdminRoute.read("GET", "/organization/list", this::list));
    }

    private JsonNode create(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        OrganizationRow org = new OrganizationRow(
                EntityFields.idOrNew(f, "organization_id"),
                requiredAlias(f),
                f.strings("models").applyOr(List.of(), List.of()),
                EntityFields.newBudget(f, m.clock().instant()),
                new Limits(
                        f.count("tpm_limit").apply(null), f.count("rpm_limit").apply(null), null),
                f.object("metadata").applyOr(Map.of(), Map.of()),
                null,
                null);
        if (orgs().find(org.organizationId()).isPresent()) {
            throw Fields.bad(
                    "organization_id",
                    "\"" + org.organizationId() + "\" is already an organization; choose another or leave it out");
        }
        OrganizationRow stored = orgs().insert(org);
        m.invalidation().all();
        return EntityJson.organization(m, stored, List.of());
    }

    /** Changes only the fields sent; {@code null} clears one (the alias, which LiteLLM requires, excepted). */
    private JsonNode update(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        String id = EntityFields.requiredId(f, "organization_id");
        Patch<String> alias = EntityFields.text(f, "organization_alias");
        if (alias instanceof Patch.Clear<String>) {
            throw Fields.bad("organization_alias", "must not be empty: every organization has a name");
        }
        OrganizationRow current = find(id);
        OrganizationRow next = new OrganizationRow(
                id,
                alias.apply(current.organizationAlias()),
                f.strings("models").applyOr(current.models(), List.of()),
                EntityFields.updatedBudget(f, current.budget(), m.clock().instant()),
                new Limits(
                        f.count("tpm_limit").apply(current.limits().tpmLimit()),
                        f.count("rpm_limit").apply(current.limits().rpmLimit()),
                        null),
                f.object("metadata").applyOr(current.metadata(), Map.of()),
                null,
                null);
        OrganizationRow stored = orgs().update(next).orElseThrow(() -> missing(id));
        m.invalidation().all();
        return organizationJson(stored);
    }

    /**
     * All or nothing: one unknown id refuses the call before anything is deleted. Keys go first, so no key is ever
     * left working under a team or organization that is gone; a call that fails half-way is safe to repeat.
     *
     * @return the organizations as they were, with the teams deleted with them (LiteLLM answers the same list)
     */
    private JsonNode delete(AdminRequest r) throws GatewayException {
        List<String> ids = EntityFields.ids(r.fields(), "organization_ids");
        List<ObjectNode> answers = new ArrayList<>();
        List<String> teamIds = new ArrayList<>();
        for (String id : ids) {
            OrganizationRow org = find(id);
            List<TeamRow> teams = m.stores().teams().list(id);
            teams.forEach(t -> teamIds.add(t.teamId()));
            answers.add(organizationJson(org, teams));
        }
        List<KeyRow> keys = new ArrayList<>(m.stores().keys().deleteByTeams(teamIds));
        keys.addAll(m.stores().keys().deleteByOrganizations(ids));
        keys.forEach(k -> m.invalidation().key(k.token()));
        m.stores().teams().delete(teamIds);
        orgs().delete(ids);
        m.invalidation().all();
        ArrayNode out = Json.MAPPER.createArrayNode();
        out.addAll(answers);
        return out;
    }

    private JsonNode info(AdminRequest r) throws GatewayException {
        String id = Query.string(r.query(), "organization_id");
        if (id == null) {
            throw Fields.bad("organization_id", "is required: /organization/info?organization_id=...");
        }
        return organizationJson(find(id));
    }

    /** Every organization in creation order, each with its teams. */
    private JsonNode list(AdminRequest r) {
        Map<String, List<TeamRow>> teamsByOrg = new LinkedHashMap<>();
        List<TeamRow> allTeams = m.stores().teams().list(null);
        for (TeamRow team : allTeams) {
            if (team.organizationId() != null) {
                teamsByOrg
                        .computeIfAbsent(team.organizationId(), k -> new ArrayList<>())
                        .add(team);
            }
        }
        Map<String, List<TeamMember>> members = m.stores()
                .teams()
                .members(teamsByOrg.values().stream()
                        .flatMap(List::stream)
                        .map(TeamRow::teamId)
                        .toList());
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (OrganizationRow org : orgs().list()) {
            List<ObjectNode> teams = new ArrayList<>();
            for (TeamRow team : teamsByOrg.getOrDefault(org.organizationId(), List.of())) {
                teams.add(EntityJson.team(m, team, members.getOrDefault(team.teamId(), List.of())));
            }
            out.add(EntityJson.organization(m, org, teams));
        }
        return out;
    }

    private ObjectNode organizationJson(OrganizationRow org) {
        return organizationJson(org, m.stores().teams().list(org.organizationId()));
    }

    private ObjectNode organizationJson(OrganizationRow org, List<TeamRow> teams) {
        Map<String, List<TeamMember>> members =
                m.stores().teams().members(teams.stream().map(TeamRow::teamId).toList());
        List<ObjectNode> teamJson = new ArrayList<>();
        for (TeamRow team : teams) {
            teamJson.add(EntityJson.team(m, team, members.getOrDefault(team.teamId(), List.of())));
        }
        return EntityJson.organization(m, org, teamJson);
    }

    private static String requiredAlias(Fields f) throws GatewayException {
        String alias = EntityFields.text(f, "organization_alias").apply(null);
        if (alias == null) {
            throw Fields.bad("organization_alias", "is required: the organization's name");
        }
        return alias;
    }

    private OrganizationRow find(String id) throws GatewayException {
        return orgs().find(id).orElseThrow(() -> missing(id));
    }

    private static GatewayException missing(String id) {
        return GatewayException.notFound(
                "Organization '" + id + "' does not exist; /organization/list lists the organizations.");
    }

    private OrganizationStore orgs() {
        return m.stores().organizations();
    }
}
