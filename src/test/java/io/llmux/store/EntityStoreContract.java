package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link TeamStore}, {@link UserStore} and {@link OrganizationStore} on a real database. */
abstract class EntityStoreContract extends DatabaseContract {

    @Test
    void aTeamReadsBackWithEveryField() {
        TeamRow team = new TeamRow(
                "team-1",
                "Search",
                "org-1",
                List.of("gpt-4o"),
                new BudgetFields(100.0, "1mo", T0.plus(Duration.ofDays(31)), 3.5),
                new Limits(1_000L, 10L, 2),
                nestedMetadata(),
                true,
                null,
                null);

        TeamRow stored = teams.insert(team);

        assertThat(stored.createdAt()).isEqualTo(T0);
        assertThat(teams.find("team-1")).contains(stored);
        assertThat(teams.find("nope")).isEmpty();
    }

    @Test
    void aDuplicateTeamIdIsAConflict() {
        teams.insert(team("team-1", null));

        assertThatThrownBy(() -> teams.insert(team("team-1", null)))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.conflict()).isTrue())
                .hasMessageContaining("team_id \"team-1\" already exists");
    }

    @Test
    void teamUpdateKeepsSpendAndCreation() {
        TeamRow original = teams.insert(withSpend(team("team-1", null), 2.0));
        clock.advance(Duration.ofHours(1));

        TeamRow updated = teams.update(new TeamRow(
                        "team-1",
                        "Renamed",
                        "org-2",
                        List.of("a"),
                        new BudgetFields(5.0, "1d", T0.plus(Duration.ofDays(1)), 0),
                        new Limits(1L, 2L, 3),
                        Map.of(),
                        false,
                        null,
                        null))
                .orElseThrow();

        assertThat(updated.teamAlias()).isEqualTo("Renamed");
        assertThat(updated.organizationId()).isEqualTo("org-2");
        assertThat(updated.budget()).isEqualTo(new BudgetFields(5.0, "1d", T0.plus(Duration.ofDays(1)), 2.0));
        assertThat(updated.limits()).isEqualTo(new Limits(1L, 2L, 3));
        assertThat(updated.createdAt()).isEqualTo(original.createdAt());
        assertThat(updated.updatedAt()).isEqualTo(clock.instant());
        assertThat(teams.update(team("ghost", null))).isEmpty();
    }

    @Test
    void teamBlockAndUnblock() {
        teams.insert(team("team-1", null));

        assertThat(teams.setBlocked("team-1", true).orElseThrow().blocked()).isTrue();
        assertThat(teams.find("team-1").orElseThrow().blocked()).isTrue();
        assertThat(teams.setBlocked("team-1", false).orElseThrow().blocked()).isFalse();
        assertThat(teams.setBlocked("ghost", true)).isEmpty();
    }

    @Test
    void teamsListInCreationOrderAndByOrganization() {
        teams.insert(team("t-b", "org-1"));
        clock.advance(Duration.ofSeconds(1));
        teams.insert(team("t-a", "org-2"));
        clock.advance(Duration.ofSeconds(1));
        teams.insert(team("t-c", "org-1"));

        assertThat(teams.list(null)).extracting(TeamRow::teamId).containsExactly("t-b", "t-a", "t-c");
        assertThat(teams.list("org-1")).extracting(TeamRow::teamId).containsExactly("t-b", "t-c");
        assertThat(teams.list("org-9")).isEmpty();
    }

    @Test
    void membersAreAddedOnceAndTheirRoleCanChange() {
        teams.insert(team("team-1", null));

        assertThat(teams.addMember(new TeamMember("team-1", "alice", "admin"))).isTrue();
        assertThat(teams.addMember(new TeamMember("team-1", "bob", null))).isTrue();
        assertThat(teams.addMember(new TeamMember("team-1", "bob", "admin"))).isFalse();

        assertThat(teams.members("team-1"))
                .containsExactly(new TeamMember("team-1", "alice", "admin"), new TeamMember("team-1", "bob", "admin"));
        assertThat(teams.deleteMember("team-1", "alice")).isTrue();
        assertThat(teams.deleteMember("team-1", "alice")).isFalse();
        assertThat(teams.members("team-1")).containsExactly(new TeamMember("team-1", "bob", "admin"));
    }

    @Test
    void membersOfSeveralTeamsComeGroupedByTeam() {
        teams.addMember(new TeamMember("t1", "alice", "user"));
        teams.addMember(new TeamMember("t2", "alice", "admin"));
        teams.addMember(new TeamMember("t2", "bob", "user"));

        Map<String, List<TeamMember>> members = teams.members(List.of("t1", "t2", "t3"));

        assertThat(members).containsOnlyKeys("t1", "t2");
        assertThat(members.get("t2")).extracting(TeamMember::userId).containsExactly("alice", "bob");
        assertThat(users.teams("alice")).containsExactly("t1", "t2");
        assertThat(users.teams("carol")).isEmpty();
    }

    @Test
    void deletingATeamRemovesItsMemberships() {
        TeamRow t1 = teams.insert(team("t1", null));
        teams.insert(team("t2", null));
        teams.addMember(new TeamMember("t1", "alice", "user"));
        teams.addMember(new TeamMember("t2", "alice", "user"));

        assertThat(teams.delete(List.of("t1", "ghost"))).containsExactly(t1);

        assertThat(teams.find("t1")).isEmpty();
        assertThat(teams.members("t1")).isEmpty();
        assertThat(users.teams("alice")).containsExactly("t2");
    }

    @Test
    void aUserReadsBackWithEveryField() {
        UserRow user = new UserRow(
                "alice",
                "alice@example.com",
                UserRow.PROXY_ADMIN,
                List.of("gpt-4o"),
                new BudgetFields(50.0, "1w", T0.plus(Duration.ofDays(7)), 0.5),
                new Limits(10L, 20L, 30),
                nestedMetadata(),
                null,
                null);

        UserRow stored = users.insert(user);

        assertThat(users.find("alice")).contains(stored);
        assertThat(users.find("bob")).isEmpty();
        assertThat(users.insert(user("bob")).userRole()).isEqualTo("internal_user");
    }

    @Test
    void aDuplicateUserIdIsAConflict() {
        users.insert(user("alice"));

        assertThatThrownBy(() -> users.insert(user("alice")))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.conflict()).isTrue())
                .hasMessageContaining("user_id \"alice\"");
    }

    @Test
    void userUpdateKeepsSpendAndCreation() {
        UserRow original = users.insert(withSpend(user("alice"), 4.0));
        clock.advance(Duration.ofMinutes(1));

        UserRow updated = users.update(new UserRow(
                        "alice",
                        "new@example.com",
                        "proxy_admin",
                        List.of("x"),
                        null,
                        null,
                        Map.of("k", "v"),
                        null,
                        null))
                .orElseThrow();

        assertThat(updated.userEmail()).isEqualTo("new@example.com");
        assertThat(updated.userRole()).isEqualTo("proxy_admin");
        assertThat(updated.budget()).isEqualTo(BudgetFields.NONE.withSpend(4.0));
        assertThat(updated.metadata()).isEqualTo(Map.of("k", "v"));
        assertThat(updated.createdAt()).isEqualTo(original.createdAt());
        assertThat(updated.updatedAt()).isEqualTo(clock.instant());
        assertThat(users.update(user("ghost"))).isEmpty();
    }

    @Test
    void usersPageAndFilterByRole() {
        for (int i = 1; i <= 4; i++) {
            users.insert(
                    new UserRow("u" + i, null, i == 2 ? "proxy_admin" : null, List.of(), null, null, null, null, null));
            clock.advance(Duration.ofSeconds(1));
        }

        Page<UserRow> page2 = users.list(null, 2, 3);
        assertThat(page2.rows()).extracting(UserRow::userId).containsExactly("u4");
        assertThat(page2.total()).isEqualTo(4);
        assertThat(page2.totalPages()).isEqualTo(2);
        Page<UserRow> admins = users.list("proxy_admin", 1, 10);
        assertThat(admins.rows()).extracting(UserRow::userId).containsExactly("u2");
        assertThat(admins.total()).isEqualTo(1);
    }

    @Test
    void aUserIsFoundByEmailIgnoringCaseTheOldestFirst() {
        users.insert(new UserRow("first", "Ann@Example.com", null, List.of(), null, null, null, null, null));
        clock.advance(Duration.ofSeconds(1));
        users.insert(new UserRow("second", "ann@example.com", null, List.of(), null, null, null, null, null));

        assertThat(users.findByEmail("ANN@example.COM")).map(UserRow::userId).contains("first");
        assertThat(users.findByEmail("nobody@example.com")).isEmpty();
    }

    @Test
    void deletingAUserRemovesItsMemberships() {
        UserRow alice = users.insert(user("alice"));
        users.insert(user("bob"));
        teams.addMember(new TeamMember("t1", "alice", "user"));
        teams.addMember(new TeamMember("t1", "bob", "user"));

        assertThat(users.delete(List.of("alice", "ghost"))).containsExactly(alice);

        assertThat(users.find("alice")).isEmpty();
        assertThat(teams.members("t1")).extracting(TeamMember::userId).containsExactly("bob");
        assertThat(users.delete(List.of())).isEmpty();
    }

    @Test
    void anOrganizationReadsBackWithEveryField() {
        OrganizationRow org = new OrganizationRow(
                "org-1",
                "Acme",
                List.of("gpt-4o"),
                new BudgetFields(1_000.0, "1mo", T0.plus(Duration.ofDays(30)), 12.0),
                new Limits(5L, 6L, 99), // organizations have no parallel limit: dropped
                nestedMetadata(),
                null,
                null);

        OrganizationRow stored = orgs.insert(org);

        assertThat(stored.limits()).isEqualTo(new Limits(5L, 6L, null));
        assertThat(orgs.find("org-1")).contains(stored);
        assertThatThrownBy(() -> orgs.insert(org("org-1")))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.conflict()).isTrue());
    }

    @Test
    void organizationsUpdateListAndDelete() {
        OrganizationRow a = orgs.insert(org("org-a"));
        clock.advance(Duration.ofSeconds(1));
        orgs.insert(org("org-b"));

        OrganizationRow renamed = orgs.update(new OrganizationRow(
                        "org-a", "Renamed", List.of("m"), null, new Limits(1L, null, null), null, null, null))
                .orElseThrow();
        assertThat(renamed.organizationAlias()).isEqualTo("Renamed");
        assertThat(renamed.limits()).isEqualTo(new Limits(1L, null, null));
        assertThat(renamed.createdAt()).isEqualTo(a.createdAt());
        assertThat(orgs.update(org("ghost"))).isEmpty();

        assertThat(orgs.list()).extracting(OrganizationRow::organizationId).containsExactly("org-a", "org-b");
        assertThat(orgs.delete(List.of("org-a"))).containsExactly(renamed);
        assertThat(orgs.list()).extracting(OrganizationRow::organizationId).containsExactly("org-b");
    }

    private static TeamRow withSpend(TeamRow t, double spend) {
        return new TeamRow(
                t.teamId(),
                t.teamAlias(),
                t.organizationId(),
                t.models(),
                t.budget().withSpend(spend),
                t.limits(),
                t.metadata(),
                t.blocked(),
                t.createdAt(),
                t.updatedAt());
    }

    private static UserRow withSpend(UserRow u, double spend) {
        return new UserRow(
                u.userId(),
                u.userEmail(),
                u.userRole(),
                u.models(),
                u.budget().withSpend(spend),
                u.limits(),
                u.metadata(),
                u.createdAt(),
                u.updatedAt());
    }
}
