package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.store.BudgetDurations;
import io.llmux.store.BudgetFields;
import io.llmux.store.TeamMember;
import io.llmux.store.UserRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/**
 * The checked readers the team, user and organization routes share beyond {@link Fields}: ids and texts within
 * their column's length, whole-number limits that fit the schema, lists of ids, team members as LiteLLM sends them,
 * and budgets with their reset time.
 */
final class EntityFields {
    /** Ids are {@code VARCHAR(128)} in every table. */
    static final int MAX_ID = 128;
    /** Aliases and emails are {@code VARCHAR(256)}. */
    static final int MAX_TEXT = 256;

    /** LiteLLM's user roles; {@code proxy_admin} keys may call the management API (SPEC §8). */
    static final List<String> USER_ROLES = List.of(
            UserRow.PROXY_ADMIN,
            "proxy_admin_viewer",
            "org_admin",
            UserRow.DEFAULT_ROLE,
            "internal_user_viewer",
            "team",
            "customer");

    /** LiteLLM's team member roles. */
    static final List<String> TEAM_ROLES = List.of("admin", TeamMember.DEFAULT_ROLE);

    private EntityFields() {}

    /** A team member as a request names it: by user id, or by email for a user to find or create. */
    record MemberSpec(String userId, String userEmail, String role) {}

    /** An optional id: absent, null or empty gives a new UUID, as LiteLLM makes one. */
    static String idOrNew(Fields f, String name) throws GatewayException {
        String id = id(f, name).apply(null);
        return id == null ? UUID.randomUUID().toString() : id;
    }

    /**
     * An id that may be left out or cleared, never longer than its column. An empty string clears, as LiteLLM's
     * UI sends one for "none".
     */
    static Patch<String> id(Fields f, String name) throws GatewayException {
        return bounded(f, name, MAX_ID);
    }

    /** An id that must be sent. */
    static String requiredId(Fields f, String name) throws GatewayException {
        String id = id(f, name).apply(null);
        if (id == null) {
            throw Fields.bad(name, "is required");
        }
        return id;
    }

    /** A free text (alias, email) no longer than its column; empty clears, like an id. */
    static Patch<String> text(Fields f, String name) throws GatewayException {
        return bounded(f, name, MAX_TEXT);
    }

    /** A budget period ({@code 30d}); empty clears. */
    static Patch<String> period(Fields f, String name) throws GatewayException {
        Patch<String> raw = f.string(name);
        if (raw instanceof Patch.Set<String> s && s.value().isBlank()) {
            return new Patch.Clear<>();
        }
        return f.duration(name);
    }

    private static Patch<String> bounded(Fields f, String name, int max) throws GatewayException {
        Patch<String> p = f.string(name);
        if (p instanceof Patch.Set<String> s) {
            String v = s.value().strip();
            if (v.isEmpty()) {
                return new Patch.Clear<>();
            }
            if (v.length() > max) {
                throw Fields.bad(name, "must be at most " + max + " characters");
            }
            return new Patch.Set<>(v);
        }
        return p;
    }

    /** {@code max_parallel_requests}: an {@code INT} column. */
    static Patch<Integer> parallel(Fields f, String name) throws GatewayException {
        return switch (f.count(name)) {
            case Patch.Set<Long> s
            when s.value() > Integer.MAX_VALUE -> throw Fields.bad(name, "must be at most " + Integer.MAX_VALUE);
            case Patch.Set<Long> s -> new Patch.Set<>(s.value().intValue());
            case Patch.Clear<Long> c -> new Patch.Clear<>();
            case Patch.Absent<Long> a -> Patch.absent();
        };
    }

    /** A non-empty list of ids ({@code team_ids}, {@code user_ids}, ...), duplicates dropped, order kept. */
    static List<String> ids(Fields f, String name) throws GatewayException {
        List<String> ids = f.strings(name).apply(null);
        if (ids == null || ids.isEmpty()) {
            throw Fields.bad(name, "is required: a list of one or more ids");
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String id : ids) {
            if (id.isBlank() || id.strip().length() > MAX_ID) {
                throw Fields.bad(name, "must hold ids of 1 to " + MAX_ID + " characters");
            }
            out.add(id.strip());
        }
        return List.copyOf(out);
    }

    /**
     * Team members: objects {@code {user_id, user_email, role}} (LiteLLM's {@code members_with_roles}); with
     * {@code bareIds} also plain user-id strings (the older {@code members} list). Absent or null is none.
     */
    static List<MemberSpec> members(JsonNode body, String name, boolean bareIds) throws GatewayException {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw Fields.bad(name, "must be a list of members {\"user_id\": ..., \"role\": \"admin\" or \"user\"}");
        }
        List<MemberSpec> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            String path = name + "[" + i + "]";
            if (bareIds && item.isTextual()) {
                String id = item.asText().strip();
                if (id.isEmpty() || id.length() > MAX_ID) {
                    throw Fields.bad(path, "must be a user id of 1 to " + MAX_ID + " characters");
                }
                out.add(new MemberSpec(id, null, TeamMember.DEFAULT_ROLE));
            } else {
                out.add(member(item, path));
            }
        }
        return out;
    }

    /** One member object; {@code path} names it in errors ({@code member}, {@code members_with_roles[2]}). */
    static MemberSpec member(JsonNode item, String path) throws GatewayException {
        if (item == null || !item.isObject()) {
            throw Fields.bad(path, "must be a member {\"user_id\": ..., \"role\": \"admin\" or \"user\"}");
        }
        String userId = memberText(item, "user_id", path, MAX_ID);
        String email = memberText(item, "user_email", path, MAX_TEXT);
        String role = memberText(item, "role", path, MAX_ID);
        if (userId == null && email == null) {
            throw Fields.bad(path, "needs a user_id or a user_email");
        }
        if (role != null && !TEAM_ROLES.contains(role)) {
            throw Fields.bad(
                    path + ".role", "must be one of " + String.join(", ", TEAM_ROLES) + "; got \"" + role + "\"");
        }
        return new MemberSpec(userId, email, role == null ? TeamMember.DEFAULT_ROLE : role);
    }

    private static String memberText(JsonNode item, String field, String path, int max) throws GatewayException {
        JsonNode v = item.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().strip().length() > max) {
            throw Fields.bad(path + "." + field, "must be a string of at most " + max + " characters");
        }
        String text = v.asText().strip();
        return text.isEmpty() ? null : text;
    }

    /** The budget of a new entity: spend 0, the first reset one period from now (SPEC §8). */
    static BudgetFields newBudget(Fields f, Instant now) throws GatewayException {
        return budget(BudgetFields.NONE, f.amount("max_budget"), period(f, "budget_duration"), now);
    }

    /** A budget after an update: spend kept; {@link #budget(BudgetFields, Patch, Patch, Instant)}. */
    static BudgetFields updatedBudget(Fields f, BudgetFields current, Instant now) throws GatewayException {
        return budget(current, f.amount("max_budget"), period(f, "budget_duration"), now);
    }

    /**
     * The reset time is anchored one period from now when the duration is new or changes, and kept when the same
     * duration is sent again: scripts that resend every field must not push a running period's reset out.
     */
    static BudgetFields budget(BudgetFields current, Patch<Double> max, Patch<String> duration, Instant now) {
        String was = current.budgetDuration();
        String d = duration.apply(was);
        d = d == null ? null : d.strip();
        Instant reset = current.budgetResetAt();
        if (d == null) {
            reset = null;
        } else if (!d.equals(was) || reset == null) {
            reset = BudgetDurations.add(now, d, 1);
        }
        return new BudgetFields(max.apply(current.maxBudget()), d, reset, current.spend());
    }
}
