package io.llmux.auth;

import io.llmux.store.KeyRow;
import io.llmux.store.OrganizationRow;
import io.llmux.store.TeamRow;
import io.llmux.store.UserRow;
import java.time.Instant;

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

    public boolean proxyAdmin() {
        return user != null && UserRow.PROXY_ADMIN.equals(user.userRole());
    }

    String teamLabel() {
        return team.teamAlias() != null && !team.teamAlias().isBlank() ? team.teamAlias() : team.teamId();
    }
}
