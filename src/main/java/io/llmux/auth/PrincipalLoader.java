package io.llmux.auth;

import io.llmux.store.KeyRow;
import io.llmux.store.KeyStore;
import io.llmux.store.OrganizationRow;
import io.llmux.store.OrganizationStore;
import io.llmux.store.TeamRow;
import io.llmux.store.TeamStore;
import io.llmux.store.UserRow;
import io.llmux.store.UserStore;
import java.util.Optional;

/** Reads a key and what it belongs to from the database: a few primary-key lookups, off the request path. */
public final class PrincipalLoader {
    private final KeyStore keys;
    private final UserStore users;
    private final TeamStore teams;
    private final OrganizationStore organizations;

    public PrincipalLoader(KeyStore keys, UserStore users, TeamStore teams, OrganizationStore organizations) {
        this.keys = keys;
        this.users = users;
        this.teams = teams;
        this.organizations = organizations;
    }

    /**
     * @return empty for a key the database does not know
     * @throws io.llmux.store.StoreException when the database cannot answer
     */
    public Optional<Principal> load(String keyHash) {
        Optional<KeyRow> found = keys.findByHash(keyHash);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        KeyRow key = found.get();
        UserRow user = key.userId() == null ? null : users.find(key.userId()).orElse(null);
        TeamRow team = key.teamId() == null ? null : teams.find(key.teamId()).orElse(null);
        String orgId =
                key.organizationId() != null ? key.organizationId() : team == null ? null : team.organizationId();
        OrganizationRow org = orgId == null ? null : organizations.find(orgId).orElse(null);
        return Optional.of(new Principal(key, user, team, org));
    }
}
