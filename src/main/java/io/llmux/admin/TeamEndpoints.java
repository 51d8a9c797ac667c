package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.admin.EntityFields.MemberSpec;
import io.llmux.store.KeyRow;
import io.llmux.store.Limits;
import io.llmux.store.TeamMember;
import io.llmux.store.TeamRow;
import io.llmux.store.TeamStore;
import io.llmux.store.UserRow;
import io.llmux.wire.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Teams (SPEC §8), as LiteLLM's {@code /team/*} routes take and answer them. A team bounds its keys: its models,
 * budget and limits apply to every key with its {@code team_id}, and blocking it refuses them all. Deleting a team
 * deletes its keys, as LiteLLM does, so no key outlives the bounds it was issued under.
 */
public final class TeamEndpoints {
    /** {@code /team/list?organization_id=default_organization}: LiteLLM's name for teams of no organization. */
    static final String NO_ORGANIZATION = "default_organization";

    private final Management m;

    public TeamEndpoints(Management m) {
        this.m = m;
    }

    public List<AdminRoute> routes() {
        return List.of(
                AdminRoute.admin("POST", "/team/new", this::create),
                AdminRoute.admin("POST", "/team/update", this::update),
                AdminRoute.admin("POST", "/team/delete", this::delete),
                AdminRoute.read("GET", "/team/info", this::info),
                AdminRoute.read("GET", "/team/list", this::list),
                AdminRoute.admin("POST", "/team/member_add", this::memberAdd),
                AdminRoute.admin("POST", "/team/member_delete", this::memberDelete),
                AdminRoute.admin("POST", "/team/block", r -> block(r, true)),
                AdminRoute.admin("POST", "/team/unblock", r -> block(r, false)));
    }

    private JsonNode create(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        Instant now = m.clock().instant();
        String teamId = EntityFields.idOrNew(f, "team_id");
        String organizationId = EntityFields.id(f, "organization_id").apply(null);
        TeamRow team = new TeamRow(
                teamId,
                EntityFields.text(f, "team_alias").apply(null),
                organizationId,
                f.strings("models").applyOr(List.of(), List.of()),
                EntityFields.newBudget(f, now),
                new Limits(
                        f.count("tpm_limit").apply(null),
                        f.count("rpm_limit").apply(null),
                        EntityFields.parallel(f, "max_parallel_requests").apply(null)),
                f.object("metadata").applyOr(Map.of(), Map.of()),
                Boolean.TRUE.equals(f.bool("blocked").apply(false)),
                null,
                null);
        List<MemberSpec> members = new ArrayList<>(EntityFields.members(r.body(), "members_with_roles", false));
        members.addAll(EntityFields.members(r.body(), "members", true));
        if (teams().find(teamId).isPresent()) {
            throw Fields.bad("team_id", "\"" + teamId + "\" is already a team; choose another or leave it out");
        }
        requireOrganization(organizationId);

        TeamRow stored = teams().insert(team);
        for (MemberSpec member : members) {
            UserRow user = userFor(member);
            teams().addMember(new TeamMember(teamId, user.userId(), member.role()));
        }
        m.invalidation().all();
        return teamJson(stored);
    }

    /** Changes only the fields sent; {@code null} clears one. Members change through member_add/member_delete. */
    private JsonNode update(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        String teamId = EntityFields.requiredId(f, "team_id");
        TeamRow current = find(teamId);
        Patch<String> organization = EntityFields.id(f, "organization_id");
        TeamRow next = new TeamRow(
                teamId,
                EntityFields.text(f, "team_alias").apply(current.teamAlias()),
                organization.apply(current.organizationId()),
                f.strings("models").applyOr(current.models(), List.of()),
                EntityFields.updatedBudget(f, current.budget(), m.clock().instant()),
                new Limits(
                        f.count("tpm_limit").apply(current.limits().tpmLimit()),
                        f.count("rpm_limit").apply(current.limits().rpmLimit()),
                        EntityFields.parallel(f, "max_parallel_requests")
                                .apply(current.limits().maxParallelRequests())),
                f.object("metadata").applyOr(current.metadata(), Map.of()),
                Boolean.TRUE.equals(f.bool("blocked").applyOr(current.blocked(), false)),
                null,
                null);
        if (organization instanceof Patch.Set<String> s) {
            requireOrganization(s.value());
        }
        TeamRow stored = teams().update(next).orElseThrow(() -> missing(teamId));
        m.invalidation().all();
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("team_id", teamId);
        out.set("data", teamJson(stored));
        return out;
    }

    /** All or nothing: one unknown id refuses the call before anything is deleted, as LiteLLM does. */
    private JsonNode delete(AdminRequest r) throws GatewayException {
        List<String> ids = EntityFields.ids(r.fields(), "team_ids");
        for (String id : ids) {
            find(id);
        }
        List<KeyRow> keys = m.stores().keys().deleteByTeams(ids);
        keys.forEach(k -> m.invalidation().key(k.token()));
        List<TeamRow> deleted = teams().delete(ids);
        m.invalidation().all();
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode names = out.putArray("deleted_teams");
        deleted.forEach(t -> names.add(t.teamId()));
        return out;
    }

    private JsonNode info(AdminRequest r) throws GatewayException {
        String teamId = Query.string(r.query(), "team_id");
        if (teamId == null) {
            throw Fields.bad("team_id", "is required: /team/info?team_id=...");
        }
        TeamRow team = find(teamId);
        List<TeamMember> members = teams().members(teamId);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("team_id", teamId);
        out.set("team_info", EntityJson.team(m, team, members));
        ArrayNode keys = out.putArray("keys");
        for (KeyRow key : EntityJson.keysOf(m, null, teamId)) {
            keys.add(EntityJson.key(key));
        }
        ArrayNode memberships = out.putArray("team_memberships");
        members.forEach(member -> memberships.add(EntityJson.membership(member)));
        return out;
    }

    /** Every team in creation order; {@code organization_id} and {@code user_id} narrow it as in LiteLLM. */
    private JsonNode list(AdminRequest r) {
        String organizationId = Query.string(r.query(), "organization_id");
        String userId = Query.string(r.query(), "user_id");
        boolean none = NO_ORGANIZATION.equals(organizationId);
        List<TeamRow> rows = teams().list(none ? null : organizationId);
        Map<String, List<TeamMember>> members =
                teams().members(rows.stream().map(TeamRow::teamId).toList());
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (TeamRow team : rows) {
            List<TeamMember> of = members.getOrDefault(team.teamId(), List.of());
            if (none && team.organizationId() != null) {
                continue;
            }
            if (userId != null
                    && of.stream().noneMatch(member -> member.userId().equals(userId))) {
                continue;
            }
            out.add(EntityJson.team(m, team, of));
        }
        return out;
    }

    /**
     * Adds one member or a list; a user the gateway does not know yet is created (LiteLLM does the same), found by
     * {@code user_id}, else by {@code user_email}. A user already in the team is a 400, as in LiteLLM: roles change
     * through a delete and an add.
     */
    private JsonNode memberAdd(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        String teamId = EntityFields.requiredId(f, "team_id");
        JsonNode member = r.body().get("member");
        List<MemberSpec> specs;
        if (member == null || member.isNull()) {
            throw Fields.bad("member", "is required: {\"user_id\": ..., \"role\": \"admin\" or \"user\"} or a list");
        } else if (member.isArray()) {
            specs = EntityFields.members(r.body(), "member", false);
        } else {
            specs = List.of(EntityFields.member(member, "member"));
        }
        TeamRow team = find(teamId);
        Set<String> current = new HashSet<>();
        teams().members(teamId).forEach(x -> current.add(x.userId()));
        for (MemberSpec spec : specs) {
            String known = spec.userId() != null
                    ? spec.userId()
                    : m.stores()
                            .users()
                            .findByEmail(spec.userEmail())
                            .map(UserRow::userId)
                            .orElse(null);
            if (known != null && !current.add(known)) {
                throw Fields.bad("member", "user '" + known + "' is already a member of team '" + teamId + "'");
            }
        }

        ArrayNode users = Json.MAPPER.createArrayNode();
        ArrayNode memberships = Json.MAPPER.createArrayNode();
        for (MemberSpec spec : specs) {
            UserRow user = userFor(spec);
            TeamMember added = new TeamMember(teamId, user.userId(), spec.role());
            teams().addMember(added);
            users.add(EntityJson.user(m, user, m.stores().users().teams(user.userId())));
            memberships.add(EntityJson.membership(added));
        }
        m.invalidation().all();
        ObjectNode out = teamJson(team);
        out.set("updated_users", users);
        out.set("updated_team_memberships", memberships);
        return out;
    }

    private JsonNode memberDelete(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        String teamId = EntityFields.requiredId(f, "team_id");
        String userId = EntityFields.id(f, "user_id").apply(null);
        String email = EntityFields.text(f, "user_email").apply(null);
        if (userId == null && email == null) {
            throw Fields.bad("user_id", "is required (or user_email): the member to remove");
        }
        TeamRow team = find(teamId);
        if (userId == null) {
            userId = m.stores()
                    .users()
                    .findByEmail(email)
                    .map(UserRow::userId)
                    .orElseThrow(() -> GatewayException.notFound("No user has the email '" + email + "'."));
        }
        if (!teams().deleteMember(teamId, userId)) {
            throw GatewayException.notFound("User '" + userId + "' is not a member of team '" + teamId + "'.");
        }
        m.invalidation().all();
        return teamJson(team);
    }

    private JsonNode block(AdminRequest r, boolean blocked) throws GatewayException {
        String teamId = EntityFields.requiredId(r.fields(), "team_id");
        TeamRow stored = teams().setBlocked(teamId, blocked).orElseThrow(() -> missing(teamId));
        m.invalidation().all();
        return teamJson(stored);
    }

    /** The member's user: found by id or email, else created with the default role (and the given email). */
    private UserRow userFor(MemberSpec spec) {
        var users = m.stores().users();
        var found = spec.userId() != null ? users.find(spec.userId()) : users.findByEmail(spec.userEmail());
        if (found.isPresent()) {
            return found.get();
        }
        String id = spec.userId() != null ? spec.userId() : UUID.randomUUID().toString();
        return users.insert(new UserRow(id, spec.userEmail(), null, List.of(), null, null, null, null, null));
    }

    private void requireOrganization(String organizationId) throws GatewayException {
        if (organizationId != null
                && m.stores().organizations().find(organizationId).isEmpty()) {
            throw Fields.bad(
                    "organization_id",
                    "names no organization: '" + organizationId + "' (create it with /organization/new)");
        }
    }

    private ObjectNode teamJson(TeamRow team) {
        return EntityJson.team(m, team, teams().members(team.teamId()));
    }

    private TeamRow find(String teamId) throws GatewayException {
        return teams().find(teamId).orElseThrow(() -> missing(teamId));
    }

    static GatewayException missing(String teamId) {
        return GatewayException.notFound("Team '" + teamId + "' does not exist; /team/list lists the teams.");
    }

    private TeamStore teams() {
        return m.stores().teams();
    }
}
