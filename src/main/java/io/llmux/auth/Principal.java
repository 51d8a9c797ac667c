package io.llmux.auth;

import io.llmux.store.KeyRow;
import io.llmux.store.OrganizationRow;
import io.llmux.store.TeamRow;
import io.llmux.store.UserRow;
import java.time.Instant;
import java.util.List;

/**
 * A virtual key with the user, team and organization it belongs to, as loaded together into the key cache. Every
 * rule of SPEC §8 is checked against one of these, never against the database.
 *
 * @param user null when the key has no user (or the user is gone)
 * @param team null when the key has no team
 * @param organization the key's organization, else its team's; null for none
 */
public record Principal(KeyRow key, UserRow user, TeamRow team, OrganizationRow organization) {

    /** A name for logs and errors: the key's alias, else its masked form; never the key. */
    public String label() {
        String alias = key.keyAlias();
        return alias != null && !alias.isBlank() ? alias : key.keyName();
    }

    /** Why the key may not be used at {@code now}, or null when it may. */
    public String refusal(Instant now) {
        if (key.blocked()) {
            return "This key is blocked. Ask an administrator to unblock it (POST /key/unblock).";
        }
        if (key.expiredAt(now)) {
            return "This key expired at " + key.expires() + ". Ask an administrator for a new key.";
        }
        if (team != null && team.blocked()) {
            return "The team of this key ('" + teamLabel() + "') is blocked.";
        }
        return null;
    }

    /**
     * Why this key may not use a model, or null when it may: the model (as asked, or its group) must be on the key's,
     * user's, team's and organization's lists, where an empty list allows everything.
     */
    public String modelRefusal(String requested, String group) {
        if (!allows(key.models(), requested, group)) {
            return refusal("key", label(), key.models(), requested);
        }
        if (user != null && !allows(user.models(), requested, group)) {
            return refusal("user", user.userId(), user.models(), requested);
        }
        if (team != null && !allows(team.models(), requested, group)) {
            return refusal("team", teamLabel(), team.models(), requested);
        }
        if (organization != null && !allows(organization.models(), requested, group)) {
            return refusal("organization", organization.organizationId(), organization.models(), requested);
        }
        return null;
    }

    /** LiteLLM's words in a model list for "whatever the team allows" and "every model". */
    private static boolean allows(List<String> allowed, String requested, String group) {
        return allowed.isEmpty()
                || allowed.contains(requested)
                || allowed.contains(group)
                || allowed.contains("all-team-models")
                || allowed.contains("all-proxy-models")
                || allowed.contains("*");
    }

    private static String refusal(String kind, String label, List<String> allowed, String requested) {
        String shown =
                allowed.size() <= 20 ? String.join(", ", allowed) : String.join(", ", allowed.subList(0, 20)) + ", …";
        return "The " + kind + " '" + label + "' may not use model '" + requested + "'. Allowed: " + shown + ".";
    }

    public boolean proxyAdmin() {
        return user != null && UserRow.PROXY_ADMIN.equals(user.userRole());
    }

    /** The team's alias, else its id; only when {@link #team} is not null. */
    public String teamLabel() {
        return team.teamAlias() != null && !team.teamAlias().isBlank() ? team.teamAlias() : team.teamId();
    }
}
