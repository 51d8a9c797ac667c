package io.llmux.store;

import java.util.Objects;

/**
 * A user's membership of a team.
 *
 * @param role {@code admin} or {@code user}, as LiteLLM's team members
 */
public record TeamMember(String teamId, String userId, String role) {
    public static final String DEFAULT_ROLE = "user";

    public TeamMember {
        Objects.requireNonNull(teamId, "teamId");
        Objects.requireNonNull(userId, "userId");
        role = role == null ? DEFAULT_ROLE : role;
    }
}
