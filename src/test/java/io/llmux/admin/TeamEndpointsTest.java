package io.llmux.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.auth.KeyHash;
import io.llmux.budget.BudgetScope;
import io.llmux.budget.BudgetScopes;
import io.llmux.budget.Nanos;
import io.llmux.store.OrganizationRow;
import io.llmux.store.TeamMember;
import io.llmux.store.TeamRow;
import io.llmux.store.UserRow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The team routes of SPEC §8, called directly over real stores on embedded H2. */
class TeamEndpointsTest extends EntityEndpointsFixture {

    @Test
    void everyTeamRouteIsListedEvenWithoutADatabase() {
        assertThat(new TeamEndpoints(null).routes())
                .extracting(AdminRoute::method, AdminRoute::path, AdminRoute::access)
                .containsExactly(
                        tuple("POST", "/team/new", AdminRoute.Access.ADMIN),
                        tuple("POST", "/team/update", AdminRoute.Access.ADMIN),
                        tuple("POST", "/team/delete", AdminRoute.Access.ADMIN),
                        tuple("GET", "/team/info", AdminRoute.Access.READ),
                        tuple("GET", "/team/list", AdminRoute.Access.READ),
                        tuple("POST", "/team/member_add", AdminRoute.Access.ADMIN),
                        tuple("POST", "/team/member_delete", AdminRoute.Access.ADMIN),
                        tuple("POST", "/team/block", AdminRoute.Access.ADMIN),
                        tuple("POST", "/team/unblock", AdminRoute.Access.ADMIN));
    }

    // ---- /team/new

    @Test
    void newTeamAnswersEveryFieldWithAGeneratedIdAndCreatesUnknownMembers() throws GatewayException {
        stores.users().insert(new UserRow("alice", "alice@example.com", null, null, null, null, null, null, null));

        JsonNode out = post("/team/new", """
                {"team_alias": "Search", "models": ["gpt-4o", "claude"], "max_budget": 100, "budget_duration": "30d",
                 "tpm_limit": 100000, "rpm_limit": 60, "max_parallel_requests": 8, "metadata": {"cost_center": 42},
                 "members_with_roles": [{"user_id": "alice", "role": "admin"}], "members": ["bob"],
                 "some_litellm_field_we_do_not_use": true}
                """);

        String teamId = out.get("team_id").asText();
        assertThat(UUID.fromString(teamId)).isNotNull();
        assertThat(out.get("team_alias").asText()).isEqualTo("Search");
        assertThat(out.get("organization_id").isNull()).isTrue();
        assertThat(strings(out.get("models"))).containsExactly("gpt-4o", "claude");
        assertThat(out.get("max_budget").asDouble()).isEqualTo(100.0);
        assertThat(out.get("budget_duration").asText()).isEqualTo("30d");
        assertThat(out.get("budget_reset_at").asText()).isEqualTo("2026-03-31T10:00:00Z");
        assertThat(out.get("spend").asDouble()).isZero();
        assertThat(out.get("tpm_limit").asLong()).isEqualTo(100_000);
        assertThat(out.get("rpm_limit").asLong()).isEqualTo(60);
        assertThat(out.get("max_parallel_requests").asInt()).isEqualTo(8);
        assertThat(out.get("metadata").get("cost_center").asInt()).isEqualTo(42);
        assertThat(out.get("blocked").asBoolean()).isFalse();
        assertThat(out.get("members_with_roles"))
                .extracting(m -> m.get("user_id").asText(), m -> m.get("role").asText())
                .containsExactlyInAnyOrder(tuple("alice", "admin"), tuple("bob", "user"));
        assertThat(strings(out.get("members"))).containsExactlyInAnyOrder("alice", "bob");
        assertThat(out.get("created_at").asText()).isEqualTo("2026-03-01T10:00:00Z");

        TeamRow stored = stores.teams().find(teamId).orElseThrow();
        assertThat(stored.budget().budgetResetAt()).isEqualTo(Instant.parse("2026-03-31T10:00:00Z"));
        assertThat(stored.limits().maxParallelRequests()).isEqualTo(8);
        assertThat(stores.users().find("bob"))
                .as("LiteLLM creates a member it does not know")
                .map(UserRow::userRole)
                .contains(UserRow.DEFAULT_ROLE);
        assertThat(invalidation.all).isEqualTo(1);
    }

    @Test
    void newTeamKeepsAGivenIdAndItsOrganization() throws GatewayException {
        stores.organizations().insert(new OrganizationRow("org-1", "Acme", null, null, null, null, null, null));

        JsonNode out =
                post("/team/new", "{\"team_id\": \"search\", \"organization_id\": \"org-1\", \"blocked\": true}");

        assertThat(out.get("team_id").asText()).isEqualTo("search");
        assertThat(out.get("organization_id").asText()).isEqualTo("org-1");
        assertThat(out.get("blocked").asBoolean()).isTrue();
        assertThat(out.get("budget_reset_at").isNull())
                .as("no duration, no reset")
                .isTrue();
        assertThat(out.get("members_with_roles")).isEmpty();
    }

    @Test
    void aTeamInAnOrganizationThatDoesNotExistIsRefusedNamingIt() {
        GatewayException e = refused("POST", "/team/new", "{\"team_id\": \"t\", \"organization_id\": \"ghost\"}");

        assertBadField(e, "organization_id");
        assertThat(e.getMessage()).contains("'ghost'");
        assertThat(stores.teams().find("t")).isEmpty();
    }

    @Test
    void aTakenTeamIdIsRefusedNamingIt() throws GatewayException {
        post("/team/new", "{\"team_id\": \"search\", \"team_alias\": \"first\"}");

        assertBadField(refused("POST", "/team/new", "{\"team_id\": \"search\"}"), "team_id");
        assertThat(stores.teams().find("search").orElseThrow().teamAlias()).isEqualTo("first");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "team_id               | 7                              | team_id",
                "team_alias            | [\"a\"]                        | team_alias",
                "organization_id       | {}                             | organization_id",
                "models                | \"gpt-4o\"                     | models",
                "max_budget            | -1                             | max_budget",
                "budget_duration       | \"30x\"                        | budget_duration",
                "tpm_limit             | 1.5                            | tpm_limit",
                "rpm_limit             | -3                             | rpm_limit",
                "max_parallel_requests | 3000000000                     | max_parallel_requests",
                "metadata              | [1]                            | metadata",
                "blocked               | \"yes\"                        | blocked",
                "members_with_roles    | {}                             | members_with_roles",
                "members_with_roles    | [{\"role\": \"admin\"}]        | members_with_roles[0]",
                "members_with_roles    | [{\"user_id\": \"a\", \"role\": \"owner\"}] | members_with_roles[0].role",
                "members_with_roles    | [{\"user_id\": 5}]             | members_with_roles[0].user_id",
                "members               | [\"ok\", 5]                    | members[1]",
            })
    void aBadFieldOnNewIsA400NamingIt(String field, String value, String param) {
        GatewayException e = refused("POST", "/team/new", "{\"" + field + "\": " + value + "}");

        assertBadField(e, param);
        assertThat(stores.teams().list(null)).isEmpty();
        assertThat(invalidation.all).isZero();
    }

    @Test
    void aTooLongIdOrAliasIsA400() {
        assertBadField(refused("POST", "/team/new", "{\"team_id\": \"" + "t".repeat(129) + "\"}"), "team_id");
        assertBadField(refused("POST", "/team/new", "{\"team_alias\": \"" + "a".repeat(257) + "\"}"), "team_alias");
    }

    // ---- /team/update

    @Test
    void updateChangesOnlyTheFieldsSentAndNullClears() throws GatewayException {
        post("/team/new", """
                {"team_id": "t", "team_alias": "Search", "models": ["gpt-4o"], "max_budget": 10, "tpm_limit": 5,
                 "rpm_limit": 6, "max_parallel_requests": 2, "metadata": {"a": 1}}
                """);
        clock.advance(Duration.ofHours(1));

        JsonNode out = post("/team/update", """
                {"team_id": "t", "team_alias": "Renamed", "tpm_limit": null, "models": null, "max_budget": 25.5}
                """);

        assertThat(out.get("team_id").asText()).isEqualTo("t");
        JsonNode data = out.get("data");
        assertThat(data.get("team_alias").asText()).isEqualTo("Renamed");
        assertThat(data.get("tpm_limit").isNull()).isTrue();
        assertThat(data.get("models")).as("null clears to all models").isEmpty();
        assertThat(data.get("max_budget").asDouble()).isEqualTo(25.5);
        assertThat(data.get("rpm_limit").asLong()).as("not sent: kept").isEqualTo(6);
        assertThat(data.get("max_parallel_requests").asInt()).isEqualTo(2);
        assertThat(data.get("metadata").get("a").asInt()).isEqualTo(1);
        assertThat(data.get("updated_at").asText()).isEqualTo("2026-03-01T11:00:00Z");
        assertThat(data.get("created_at").asText()).isEqualTo("2026-03-01T10:00:00Z");
        assertThat(stores.teams().find("t").orElseThrow().teamAlias()).isEqualTo("Renamed");
        assertThat(invalidation.all).isEqualTo(2);
    }

    @Test
    void aNewDurationReanchorsTheResetFromNowWhileResendingTheSameKeepsIt() throws GatewayException {
        post("/team/new", "{\"team_id\": \"t\", \"max_budget\": 10, \"budget_duration\": \"30d\"}");
        clock.advance(Duration.ofDays(1));

        JsonNode same = post("/team/update", "{\"team_id\": \"t\", \"budget_duration\": \"30d\"}");
        assertThat(same.get("data").get("budget_reset_at").asText()).isEqualTo("2026-03-31T10:00:00Z");

        JsonNode changed = post("/team/update", "{\"team_id\": \"t\", \"budget_duration\": \"7d\"}");
        assertThat(changed.get("data").get("budget_reset_at").asText()).isEqualTo("2026-03-09T10:00:00Z");

        JsonNode cleared = post("/team/update", "{\"team_id\": \"t\", \"budget_duration\": null}");
        assertThat(cleared.get("data").get("budget_duration").isNull()).isTrue();
        assertThat(cleared.get("data").get("budget_reset_at").isNull()).isTrue();
        assertThat(cleared.get("data").get("max_budget").asDouble()).isEqualTo(10.0);
    }

    @Test
    void updateMovesATeamBetweenOrganizationsThatExist() throws GatewayException {
        stores.organizations().insert(new OrganizationRow("org-1", "Acme", null, null, null, null, null, null));
        post("/team/new", "{\"team_id\": \"t\"}");

        assertThat(post("/team/update", "{\"team_id\": \"t\", \"organization_id\": \"org-1\"}")
                        .get("data")
                        .get("organization_id")
                        .asText())
                .isEqualTo("org-1");
        assertBadField(
                refused("POST", "/team/update", "{\"team_id\": \"t\", \"organization_id\": \"ghost\"}"),
                "organization_id");
        assertThat(stores.teams().find("t").orElseThrow().organizationId()).isEqualTo("org-1");
        assertThat(post("/team/update", "{\"team_id\": \"t\", \"organization_id\": null}")
                        .get("data")
                        .get("organization_id")
                        .isNull())
                .isTrue();
    }

    @Test
    void updateNeedsAKnownTeamId() throws GatewayException {
        assertBadField(refused("POST", "/team/update", "{\"team_alias\": \"x\"}"), "team_id");
        assertNotFound(refused("POST", "/team/update", "{\"team_id\": \"ghost\", \"team_alias\": \"x\"}"), "ghost");
        post("/team/new", "{\"team_id\": \"t\"}");
        assertBadField(refused("POST", "/team/update", "{\"team_id\": \"t\", \"max_budget\": \"lots\"}"), "max_budget");
    }

    // ---- /team/delete

    @Test
    void deleteRemovesTheTeamsTheirMembershipsAndTheirKeysAndInvalidatesEachKey() throws GatewayException {
        post("/team/new", "{\"team_id\": \"a\", \"members\": [\"alice\"]}");
        post("/team/new", "{\"team_id\": \"b\"}");
        post("/team/new", "{\"team_id\": \"keep\", \"members\": [\"alice\"]}");
        key("a-key", "alice", "a", null);
        key("b-key", null, "b", null);
        key("keep-key", "alice", "keep", null);
        invalidation.all = 0;

        JsonNode out = post("/team/delete", "{\"team_ids\": [\"a\", \"b\", \"a\"]}");

        assertThat(strings(out.get("deleted_teams"))).containsExactlyInAnyOrder("a", "b");
        assertThat(stores.teams().find("a")).isEmpty();
        assertThat(stores.teams().find("b")).isEmpty();
        assertThat(stores.teams().members("a")).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of("a-key"))).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of("b-key"))).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of("keep-key"))).isPresent();
        assertThat(stores.users().find("alice")).as("users outlive their teams").isPresent();
        assertThat(stores.users().teams("alice")).containsExactly("keep");
        assertThat(invalidation.keys).containsExactlyInAnyOrder(KeyHash.of("a-key"), KeyHash.of("b-key"));
        assertThat(invalidation.all).isEqualTo(1);
    }

    @Test
    void deletingAnUnknownTeamDeletesNothing() throws GatewayException {
        post("/team/new", "{\"team_id\": \"a\"}");
        key("a-key", null, "a", null);

        assertNotFound(refused("POST", "/team/delete", "{\"team_ids\": [\"a\", \"ghost\"]}"), "ghost");

        assertThat(stores.teams().find("a")).isPresent();
        assertThat(stores.keys().findByHash(KeyHash.of("a-key"))).isPresent();
    }

    @Test
    void deleteNeedsAListOfTeamIds() {
        assertBadField(refused("POST", "/team/delete", "{}"), "team_ids");
        assertBadField(refused("POST", "/team/delete", "{\"team_ids\": []}"), "team_ids");
        assertBadField(refused("POST", "/team/delete", "{\"team_ids\": \"a\"}"), "team_ids");
        assertBadField(refused("POST", "/team/delete", "{\"team_ids\": [\"\"]}"), "team_ids");
    }

    // ---- /team/info and /team/list

    @Test
    void infoAnswersTheTeamItsMembersItsKeysAndLiveSpend() throws Exception {
        post("/team/new", """
                {"team_id": "t", "team_alias": "Search", "max_budget": 50, "budget_duration": "1d",
                 "members_with_roles": [{"user_id": "alice", "role": "admin"}, {"user_id": "bob"}]}
                """);
        key("k1", "alice", "t", null);
        key("k2", null, "t", null);
        key("elsewhere", "alice", null, null);
        TeamRow team = stores.teams().find("t").orElseThrow();
        BudgetScope scope = BudgetScopes.scope(BudgetScope.Kind.TEAM, "t", "Search", team.budget(), clock.instant());
        ledger.reserve(List.of(scope), Nanos.fromUsd(1.25));

        JsonNode out = get("/team/info", Map.of("team_id", "t"));

        assertThat(out.get("team_id").asText()).isEqualTo("t");
        JsonNode info = out.get("team_info");
        assertThat(info.get("team_alias").asText()).isEqualTo("Search");
        assertThat(info.get("spend").asDouble())
                .as("in-flight spend counts at once")
                .isEqualTo(1.25);
        assertThat(info.get("budget_reset_at").asText()).isEqualTo("2026-03-02T10:00:00Z");
        assertThat(info.get("members_with_roles"))
                .extracting(m -> m.get("user_id").asText(), m -> m.get("role").asText())
                .containsExactly(tuple("alice", "admin"), tuple("bob", "user"));
        assertThat(out.get("keys"))
                .extracting(k -> k.get("token").asText())
                .containsExactlyInAnyOrder(KeyHash.of("k1"), KeyHash.of("k2"));
        assertThat(out.get("keys").get(0).has("key")).as("never the key itself").isFalse();
        assertThat(out.get("keys").get(0).get("team_id").asText()).isEqualTo("t");
        assertThat(out.get("team_memberships"))
                .extracting(
                        m -> m.get("team_id").asText(), m -> m.get("user_id").asText())
                .containsExactly(tuple("t", "alice"), tuple("t", "bob"));
    }

    @Test
    void infoNeedsAKnownTeamId() {
        assertBadField(refusedGet("/team/info", Map.of()), "team_id");
        assertNotFound(refusedGet("/team/info", Map.of("team_id", "ghost")), "ghost");
    }

    @Test
    void listGivesEveryTeamInCreationOrderNarrowedByOrganizationOrMember() throws GatewayException {
        stores.organizations().insert(new OrganizationRow("org-1", "Acme", null, null, null, null, null, null));
        post("/team/new", "{\"team_id\": \"a\", \"organization_id\": \"org-1\", \"members\": [\"alice\"]}");
        clock.advance(Duration.ofSeconds(1));
        post("/team/new", "{\"team_id\": \"b\"}");
        clock.advance(Duration.ofSeconds(1));
        post("/team/new", "{\"team_id\": \"c\", \"organization_id\": \"org-1\", \"members\": [\"bob\"]}");

        assertThat(ids(get("/team/list", Map.of()))).containsExactly("a", "b", "c");
        assertThat(ids(get("/team/list", Map.of("organization_id", "org-1")))).containsExactly("a", "c");
        assertThat(ids(get("/team/list", Map.of("organization_id", "default_organization"))))
                .containsExactly("b");
        assertThat(ids(get("/team/list", Map.of("user_id", "bob")))).containsExactly("c");
        assertThat(get("/team/list", Map.of("user_id", "alice")).get(0).get("members_with_roles"))
                .hasSize(1);
        assertThat(get("/team/list", Map.of("organization_id", "nobody"))).isEmpty();
    }

    // ---- /team/member_add and /team/member_delete

    @Test
    void memberAddTakesOneMemberAndCreatesAUserItDoesNotKnow() throws GatewayException {
        post("/team/new", "{\"team_id\": \"t\", \"team_alias\": \"Search\"}");
        invalidation.all = 0;

        JsonNode out = post("/team/member_add", """
                {"team_id": "t", "member": {"user_id": "carol", "role": "admin"}, "max_budget_in_team": 5}
                """);

        assertThat(out.get("team_id").asText()).isEqualTo("t");
        assertThat(out.get("team_alias").asText()).isEqualTo("Search");
        assertThat(out.get("members_with_roles"))
                .extracting(m -> m.get("user_id").asText(), m -> m.get("role").asText())
                .containsExactly(tuple("carol", "admin"));
        assertThat(out.get("updated_users").get(0).get("user_id").asText()).isEqualTo("carol");
        assertThat(strings(out.get("updated_users").get(0).get("teams"))).containsExactly("t");
        assertThat(out.get("updated_team_memberships").get(0).get("role").asText())
                .isEqualTo("admin");
        assertThat(stores.users().find("carol")).isPresent();
        assertThat(stores.teams().members("t")).containsExactly(new TeamMember("t", "carol", "admin"));
        assertThat(invalidation.all).isEqualTo(1);
    }

    @Test
    void memberAddTakesAListAndFindsUsersByEmail() throws GatewayException {
        stores.users().insert(new UserRow("dave", "Dave@Example.com", null, null, null, null, null, null, null));
        post("/team/new", "{\"team_id\": \"t\"}");

        JsonNode out = post("/team/member_add", """
                {"team_id": "t", "member": [{"user_email": "dave@example.com"},
                                            {"user_email": "erin@example.com", "role": "admin"}]}
                """);

        assertThat(out.get("updated_users")).hasSize(2);
        assertThat(out.get("updated_users").get(0).get("user_id").asText()).isEqualTo("dave");
        String erin = out.get("updated_users").get(1).get("user_id").asText();
        assertThat(UUID.fromString(erin))
                .as("a new user gets an id, as in LiteLLM")
                .isNotNull();
        assertThat(stores.users().find(erin).orElseThrow().userEmail()).isEqualTo("erin@example.com");
        assertThat(stores.teams().members("t"))
                .extracting(TeamMember::userId, TeamMember::role)
                .containsExactlyInAnyOrder(tuple("dave", "user"), tuple(erin, "admin"));
    }

    @Test
    void addingAMemberTwiceIsA400AndAddsNoOne() throws GatewayException {
        post("/team/new", "{\"team_id\": \"t\", \"members\": [\"alice\"]}");

        GatewayException e = refused("POST", "/team/member_add", """
                {"team_id": "t", "member": [{"user_id": "zed"}, {"user_id": "alice", "role": "admin"}]}
                """);

        assertBadField(e, "member");
        assertThat(e.getMessage()).contains("'alice'");
        assertThat(stores.teams().members("t")).containsExactly(new TeamMember("t", "alice", "user"));
        assertThat(stores.users().find("zed")).isEmpty();
    }

    @Test
    void memberAddChecksItsFields() throws GatewayException {
        assertBadField(refused("POST", "/team/member_add", "{\"member\": {\"user_id\": \"a\"}}"), "team_id");
        assertNotFound(
                refused("POST", "/team/member_add", "{\"team_id\": \"ghost\", \"member\": {\"user_id\": \"a\"}}"),
                "ghost");
        post("/team/new", "{\"team_id\": \"t\"}");
        assertBadField(refused("POST", "/team/member_add", "{\"team_id\": \"t\"}"), "member");
        assertBadField(refused("POST", "/team/member_add", "{\"team_id\": \"t\", \"member\": {}}"), "member");
        assertBadField(refused("POST", "/team/member_add", "{\"team_id\": \"t\", \"member\": \"a\"}"), "member");
        assertBadField(refused("POST", "/team/member_add", """
                        {"team_id": "t", "member": {"user_id": "a", "role": "owner"}}
                        """), "member.role");
        assertBadField(
                refused("POST", "/team/member_add", "{\"team_id\": \"t\", \"member\": [{\"user_id\": \"a\"}, 3]}"),
                "member[1]");
        assertThat(stores.teams().members("t")).isEmpty();
    }

    @Test
    void memberDeleteRemovesOneMemberByIdOrEmail() throws GatewayException {
        stores.users().insert(new UserRow("dave", "dave@example.com", null, null, null, null, null, null, null));
        post("/team/new", "{\"team_id\": \"t\", \"members\": [\"alice\", \"dave\", \"erin\"]}");
        invalidation.all = 0;

        JsonNode out = post("/team/member_delete", "{\"team_id\": \"t\", \"user_id\": \"alice\"}");
        assertThat(strings(out.get("members"))).containsExactly("dave", "erin");

        post("/team/member_delete", "{\"team_id\": \"t\", \"user_email\": \"DAVE@example.com\"}");
        assertThat(stores.teams().members("t")).extracting(TeamMember::userId).containsExactly("erin");
        assertThat(stores.users().find("alice")).as("the user stays").isPresent();
        assertThat(invalidation.all).isEqualTo(2);
    }

    @Test
    void memberDeleteOfSomeoneNotInTheTeamIsA404() throws GatewayException {
        post("/team/new", "{\"team_id\": \"t\", \"members\": [\"alice\"]}");

        assertBadField(refused("POST", "/team/member_delete", "{\"team_id\": \"t\"}"), "user_id");
        assertBadField(refused("POST", "/team/member_delete", "{\"user_id\": \"alice\"}"), "team_id");
        assertNotFound(refused("POST", "/team/member_delete", "{\"team_id\": \"t\", \"user_id\": \"zed\"}"), "zed");
        assertNotFound(
                refused("POST", "/team/member_delete", "{\"team_id\": \"t\", \"user_email\": \"no@example.com\"}"),
                "no@example.com");
        assertNotFound(
                refused("POST", "/team/member_delete", "{\"team_id\": \"ghost\", \"user_id\": \"alice\"}"), "ghost");
        assertThat(stores.teams().members("t")).hasSize(1);
    }

    // ---- /team/block and /team/unblock

    @Test
    void blockAndUnblockFlipTheTeamAndTellTheKeyCache() throws GatewayException {
        post("/team/new", "{\"team_id\": \"t\", \"max_budget\": 3}");
        invalidation.all = 0;

        assertThat(post("/team/block", "{\"team_id\": \"t\"}").get("blocked").asBoolean())
                .isTrue();
        assertThat(stores.teams().find("t").orElseThrow().blocked()).isTrue();
        JsonNode unblocked = post("/team/unblock", "{\"team_id\": \"t\"}");
        assertThat(unblocked.get("blocked").asBoolean()).isFalse();
        assertThat(unblocked.get("max_budget").asDouble()).isEqualTo(3.0);
        assertThat(invalidation.all).isEqualTo(2);
    }

    @Test
    void blockingAnUnknownTeamIsA404() {
        assertNotFound(refused("POST", "/team/block", "{\"team_id\": \"ghost\"}"), "ghost");
        assertNotFound(refused("POST", "/team/unblock", "{\"team_id\": \"ghost\"}"), "ghost");
        assertBadField(refused("POST", "/team/block", "{}"), "team_id");
        assertThat(invalidation.all).isZero();
    }

    private static List<String> ids(JsonNode teams) {
        return StreamSupport.stream(teams.spliterator(), false)
                .map(t -> t.get("team_id").asText())
                .toList();
    }
}
