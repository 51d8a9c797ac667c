package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.store.BudgetDurations;
import io.llmux.store.KeyRow;
import io.llmux.store.Limits;
import io.llmux.store.Page;
import io.llmux.store.StoreException;
import io.llmux.store.TeamMember;
import io.llmux.store.TeamRow;
import io.llmux.store.UserRow;
import io.llmux.store.UserStore;
import io.llmux.wire.Json;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Users (SPEC §8), as LiteLLM's {@code /user/*} routes take and answer them. A user's budget, limits and models
 * bound every key issued to it; a {@code proxy_admin} user's keys may call the management API. {@code /user/new}
 * also issues the user a key unless {@code auto_create_key} is false, and deleting a user deletes its keys.
 */
public final class UserEndpoints {
    static final int DEFAULT_PAGE_SIZE = 25;
    static final int MAX_PAGE_SIZE = 100;

    private final Management m;

    public UserEndpoints(Management m) {
        this.m = m;
    }

    public List<AdminRoute> routes() {
        return List.of(
                AdminRoute.admin("POST", "/user/new", this::create),
                AdminRoute.admin("POST", "/user/update", this::update),
                AdminRoute.admin("POST", "/user/delete", this::delete),
                AdminRoute.read("GET", "/user/info", this::info),
                AdminRoute.read("GET", "/user/list", this::list));
    }

    /** A team the request puts the user in: a team id, or LiteLLM's {@code {team_id, user_role}}. */
    private record TeamSpec(String teamId, String role, boolean roleGiven) {}

    private JsonNode create(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        Instant now = m.clock().instant();
        UserRow user = new UserRow(
                EntityFields.idOrNew(f, "user_id"),
                EntityFields.text(f, "user_email").apply(null),
                f.choice("user_role", EntityFields.USER_ROLES).apply(null),
                f.strings("models").applyOr(List.of(), List.of()),
                EntityFields.newBudget(f, now),
                limits(f, Limits.NONE),
                f.object("metadata").applyOr(Map.of(), Map.of()),
                null,
                null);
        List<TeamSpec> teams = teams(r.body());
        boolean withKey = !Boolean.FALSE.equals(f.bool("auto_create_key").apply(true));
        String keyAlias = EntityFields.text(f, "key_alias").apply(null);
        String keyDuration = EntityFields.period(f, "duration").apply(null);
        if (users().find(user.userId()).isPresent()) {
            throw Fields.bad("user_id", "\"" + user.userId() + "\" is already a user; choose another or leave it out");
        }
        requireTeams(teams);
        if (withKey
                && keyAlias != null
                && m.stores().keys().findByAlias(keyAlias).isPresent()) {
            throw Fields.bad("key_alias", "\"" + keyAlias + "\" is already used by another key");
        }

        UserRow stored = users().insert(user);
        KeyIssuer.Issued issued = null;
        try {
            for (TeamSpec team : teams) {
                m.stores().teams().addMember(new TeamMember(team.teamId(), stored.userId(), team.role()));
            }
            if (withKey) {
                Instant expires = keyDuration == null ? null : BudgetDurations.add(now, keyDuration, 1);
                issued = KeyIssuer.issue(m, (token, name) -> userKey(token, name, keyAlias, stored.userId(), expires));
            }
        } catch (StoreException e) {
            // a user without the key it was asked for: undo, so the same call can simply be repeated
            try {
                users().delete(List.of(stored.userId()));
            } catch (StoreException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        m.invalidation().all();
        ObjectNode out = userJson(stored);
        out.put("key", issued == null ? null : issued.key());
        out.put("token", issued == null ? null : issued.row().token());
        out.put("key_name", issued == null ? null : issued.row().keyName());
        out.put("key_alias", issued == null ? null : issued.row().keyAlias());
        RowJson.putTime(out, "expires", issued == null ? null : issued.row().expires());
        return out;
    }

    /**
     * Changes only the fields sent, finding the user by {@code user_id} (else by {@code user_email}). A
     * {@code teams} list sets the user's memberships to exactly those teams; roles of teams it stays in are kept
     * unless given.
     */
    private JsonNode update(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        String userId = EntityFields.id(f, "user_id").apply(null);
        UserRow current;
        Patch<String> email;
        if (userId != null) {
            current = find(userId);
            email = EntityFields.text(f, "user_email");
        } else {
            String byEmail = EntityFields.text(f, "user_email").apply(null);
            if (byEmail == null) {
                throw Fields.bad("user_id", "is required (or user_email): the user to update");
            }
            current = users().findByEmail(byEmail)
                    .orElseThrow(() -> GatewayException.notFound("No user has the email '" + byEmail + "'."));
            email = Patch.absent();
        }
        UserRow next = new UserRow(
                current.userId(),
                email.apply(current.userEmail()),
                f.choice("user_role", EntityFields.USER_ROLES).applyOr(current.userRole(), UserRow.DEFAULT_ROLE),
                f.strings("models").applyOr(current.models(), List.of()),
                EntityFields.updatedBudget(f, current.budget(), m.clock().instant()),
                limits(f, current.limits()),
                f.object("metadata").applyOr(current.metadata(), Map.of()),
                null,
                null);
        boolean setTeams = r.body().has("teams");
        List<TeamSpec> teams = teams(r.body());
        requireTeams(teams);

        UserRow stored = users().update(next).orElseThrow(() -> missing(current.userId()));
        if (setTeams) {
            syncTeams(stored.userId(), teams);
        }
        m.invalidation().all();
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("user_id", stored.userId());
        out.set("data", userJson(stored));
        return out;
    }

    /** All or nothing, as LiteLLM: one unknown id refuses the call. The users' keys go with them. */
    private JsonNode delete(AdminRequest r) throws GatewayException {
        List<String> ids = EntityFields.ids(r.fields(), "user_ids");
        for (String id : ids) {
            find(id);
        }
        List<KeyRow> keys = m.stores().keys().deleteByUsers(ids);
        keys.forEach(k -> m.invalidation().key(k.token()));
        List<UserRow> deleted = users().delete(ids);
        m.invalidation().all();
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode names = out.putArray("deleted_users");
        deleted.forEach(u -> names.add(u.userId()));
        return out;
    }

    /** LiteLLM's shape: {@code {user_id, user_info, keys, teams}}, the teams in full with their members. */
    private JsonNode info(AdminRequest r) throws GatewayException {
        String userId = Query.string(r.query(), "user_id");
        if (userId == null) {
            throw Fields.bad("user_id", "is required: /user/info?user_id=...");
        }
        UserRow user = find(userId);
        List<String> teamIds = users().teams(userId);
        Map<String, TeamRow> teams = new LinkedHashMap<>();
        for (String id : teamIds) {
            m.stores().teams().find(id).ifPresent(t -> teams.put(id, t));
        }
        Map<String, List<TeamMember>> members = m.stores().teams().members(teams.keySet());

        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("user_id", userId);
        out.set("user_info", EntityJson.user(m, user, teamIds));
        ArrayNode keys = out.putArray("keys");
        Map<String, Optional<TeamRow>> otherTeams = new HashMap<>();
        for (KeyRow key : EntityJson.keysOf(m, userId, null)) {
            ObjectNode k = EntityJson.key(key);
            if (key.teamId() != null) {
                Optional<TeamRow> team = teams.containsKey(key.teamId())
                        ? Optional.of(teams.get(key.teamId()))
                        : otherTeams.computeIfAbsent(
                                key.teamId(), id -> m.stores().teams().find(id));
                k.put("team_alias", team.map(TeamRow::teamAlias).orElse(null));
            }
            keys.add(k);
        }
        ArrayNode list = out.putArray("teams");
        for (TeamRow team : teams.values()) {
            list.add(EntityJson.team(m, team, members.getOrDefault(team.teamId(), List.of())));
        }
        return out;
    }

    /** LiteLLM's page: {@code {users, total, page, page_size, total_pages}}, each user with its key count. */
    private JsonNode list(AdminRequest r) throws GatewayException {
        Map<String, String> q = r.query();
        String role = Query.string(q, "role");
        if (role != null && !EntityFields.USER_ROLES.contains(role)) {
            throw Fields.bad("role", "must be one of " + String.join(", ", EntityFields.USER_ROLES));
        }
        int page = Query.integer(q, "page", 1, 1, Integer.MAX_VALUE);
        String sizeName =
                Query.string(q, "page_size") == null && Query.string(q, "size") != null ? "size" : "page_size";
        int size = Query.integer(q, sizeName, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        Page<UserRow> rows = users().list(role, page, size);

        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("users");
        for (UserRow user : rows.rows()) {
            ObjectNode u = userJson(user);
            u.put("key_count", m.stores().keys().list(user.userId(), null, 1, 1).total());
            list.add(u);
        }
        out.put("total", rows.total());
        out.put("page", page);
        out.put("page_size", size);
        out.put("total_pages", rows.totalPages());
        return out;
    }

    private List<TeamSpec> teams(JsonNode body) throws GatewayException {
        JsonNode v = body.get("teams");
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw Fields.bad("teams", "must be a list of team ids (or {\"team_id\": ..., \"user_role\": ...})");
        }
        Map<String, TeamSpec> out = new LinkedHashMap<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            String path = "teams[" + i + "]";
            TeamSpec spec;
            if (item.isTextual()) {
                spec = new TeamSpec(checkedTeamId(item, path), TeamMember.DEFAULT_ROLE, false);
            } else if (item.isObject()) {
                Fields one = new Fields(item);
                String role;
                try {
                    role = one.choice("user_role", EntityFields.TEAM_ROLES).apply(null);
                } catch (GatewayException e) {
                    throw Fields.bad(
                            path + ".user_role", "must be one of " + String.join(", ", EntityFields.TEAM_ROLES));
                }
                spec = new TeamSpec(
                        checkedTeamId(item.get("team_id"), path + ".team_id"),
                        role == null ? TeamMember.DEFAULT_ROLE : role,
                        role != null);
            } else {
                throw Fields.bad(path, "must be a team id or {\"team_id\": ..., \"user_role\": ...}");
            }
            out.put(spec.teamId(), spec);
        }
        return List.copyOf(out.values());
    }

    private static String checkedTeamId(JsonNode v, String path) throws GatewayException {
        String id = v == null || !v.isTextual() ? "" : v.asText().strip();
        if (id.isEmpty() || id.length() > EntityFields.MAX_ID) {
            throw Fields.bad(path, "must be a team id of 1 to " + EntityFields.MAX_ID + " characters");
        }
        return id;
    }

    private void requireTeams(List<TeamSpec> teams) throws GatewayException {
        for (TeamSpec team : teams) {
            if (m.stores().teams().find(team.teamId()).isEmpty()) {
                throw Fields.bad("teams", "names no team: '" + team.teamId() + "' (create it with /team/new)");
            }
        }
    }

    private void syncTeams(String userId, List<TeamSpec> wanted) {
        List<String> current = users().teams(userId);
        Map<String, TeamSpec> byId = new HashMap<>();
        wanted.forEach(t -> byId.put(t.teamId(), t));
        for (String teamId : current) {
            if (!byId.containsKey(teamId)) {
                m.stores().teams().deleteMember(teamId, userId);
            }
        }
        for (TeamSpec team : wanted) {
            if (team.roleGiven() || !current.contains(team.teamId())) {
                m.stores().teams().addMember(new TeamMember(team.teamId(), userId, team.role()));
            }
        }
    }

    private static Limits limits(Fields f, Limits current) throws GatewayException {
        return new Limits(
                f.count("tpm_limit").apply(current.tpmLimit()),
                f.count("rpm_limit").apply(current.rpmLimit()),
                EntityFields.parallel(f, "max_parallel_requests").apply(current.maxParallelRequests()));
    }

    /** The key {@code /user/new} issues: the user's own, bounded by the user's budget, limits and models. */
    private static KeyRow userKey(String token, String name, String alias, String userId, Instant expires) {
        return new KeyRow(
                token, name, alias, List.of(), null, null, null, null, null, null, null, userId, null, null, null, null,
                null, expires, false, null, null);
    }

    private ObjectNode userJson(UserRow user) {
        return EntityJson.user(m, user, users().teams(user.userId()));
    }

    private UserRow find(String userId) throws GatewayException {
        return users().find(userId).orElseThrow(() -> missing(userId));
    }

    private static GatewayException missing(String userId) {
        return GatewayException.notFound("User '" + userId + "' does not exist; /user/list lists the users.");
    }

    private UserStore users() {
        return m.stores().users();
    }
}
