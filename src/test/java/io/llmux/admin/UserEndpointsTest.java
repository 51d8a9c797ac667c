package io.llmux.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.auth.KeyHash;
import io.llmux.budget.BudgetScope;
import io.llmux.budget.BudgetScopes;
import io.llmux.budget.Nanos;
import io.llmux.store.KeyRow;
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
import org.junit.jupiter.params.provider.ValueSource;

/** The user routes of SPEC §8, called directly over real stores on embedded H2. */
class UserEndpointsTest extends EntityEndpointsFixture {

    @Test
    void everyUserRouteIsListedEvenWithoutADatabase() {
        assertThat(new UserEndpoints(null).routes())
                .extracting(AdminRoute::method, AdminRoute::path, AdminRoute::access)
                .containsExactly(
                        tuple("POST", "/user/new", AdminRoute.Access.ADMIN),
                        tuple("POST", "/user/update", AdminRoute.Access.ADMIN),
                        tuple("POST", "/user/delete", AdminRoute.Access.ADMIN),
                        tuple("GET", "/user/info", AdminRoute.Access.READ),
                        tuple("GET", "/user/list", AdminRoute.Access.READ));
    }

    // ---- /user/new

    @Test
    void newUserAnswersEveryFieldAndAKeyShownOnce() throws GatewayException {
        team("t1");

        JsonNode out = post("/user/new", """
                {"user_email": "ann@example.com", "user_role": "proxy_admin", "teams": ["t1"],
                 "models": ["gpt-4o"], "max_budget": 10, "budget_duration": "1mo", "tpm_limit": 1000,
                 "rpm_limit": 10, "max_parallel_requests": 2, "metadata": {"dept": "ml"}}
                """);

        String userId = out.get("user_id").asText();
        assertThat(UUID.fromString(userId)).isNotNull();
        assertThat(out.get("user_email").asText()).isEqualTo("ann@example.com");
        assertThat(out.get("user_role").asText()).isEqualTo("proxy_admin");
        assertThat(strings(out.get("teams"))).containsExactly("t1");
        assertThat(strings(out.get("models"))).containsExactly("gpt-4o");
        assertThat(out.get("max_budget").asDouble()).isEqualTo(10.0);
        assertThat(out.get("budget_duration").asText()).isEqualTo("1mo");
        assertThat(out.get("budget_reset_at").asText()).isEqualTo("2026-04-01T10:00:00Z");
        assertThat(out.get("spend").asDouble()).isZero();
        assertThat(out.get("tpm_limit").asLong()).isEqualTo(1000);
        assertThat(out.get("rpm_limit").asLong()).isEqualTo(10);
        assertThat(out.get("max_parallel_requests").asInt()).isEqualTo(2);
        assertThat(out.get("metadata").get("dept").asText()).isEqualTo("ml");

        String key = out.get("key").asText();
        assertThat(key).startsWith("sk-");
        assertThat(out.get("token").asText()).isEqualTo(KeyHash.of(key));
        assertThat(out.get("key_name").asText()).isEqualTo(KeyHash.masked(key));
        assertThat(out.get("expires").isNull()).isTrue();
        KeyRow stored = stores.keys().findByHash(KeyHash.of(key)).orElseThrow();
        assertThat(stored.userId()).isEqualTo(userId);
        assertThat(stored.teamId()).isNull();
        assertThat(stored.budget().maxBudget())
                .as("the user's budget bounds the key, not a copy")
                .isNull();

        UserRow user = stores.users().find(userId).orElseThrow();
        assertThat(user.budget().budgetResetAt()).isEqualTo(Instant.parse("2026-04-01T10:00:00Z"));
        assertThat(stores.teams().members("t1")).containsExactly(new TeamMember("t1", userId, "user"));
        assertThat(invalidation.all).isEqualTo(1);
    }

    @Test
    void autoCreateKeyFalseMakesOnlyTheUser() throws GatewayException {
        JsonNode out = post("/user/new", "{\"user_id\": \"ann\", \"auto_create_key\": false}");

        assertThat(out.get("user_id").asText()).isEqualTo("ann");
        assertThat(out.get("user_role").asText()).isEqualTo("internal_user");
        assertThat(out.get("key").isNull()).isTrue();
        assertThat(out.get("token").isNull()).isTrue();
        assertThat(stores.keys().list(null, null, 1, 10).total()).isZero();
        assertThat(stores.users().find("ann")).isPresent();
    }

    @Test
    void theNewUsersKeyTakesItsAliasAndDuration() throws GatewayException {
        JsonNode out = post("/user/new", "{\"user_id\": \"ann\", \"key_alias\": \"ann-laptop\", \"duration\": \"7d\"}");

        assertThat(out.get("key_alias").asText()).isEqualTo("ann-laptop");
        assertThat(out.get("expires").asText()).isEqualTo("2026-03-08T10:00:00Z");
        assertThat(stores.keys().findByAlias("ann-laptop").orElseThrow().userId())
                .isEqualTo("ann");
    }

    @Test
    void aKeyAliasInUseRefusesTheWholeUser() throws GatewayException {
        post("/user/new", "{\"user_id\": \"ann\", \"key_alias\": \"shared\"}");

        assertBadField(refused("POST", "/user/new", "{\"user_id\": \"bob\", \"key_alias\": \"shared\"}"), "key_alias");
        assertThat(stores.users().find("bob")).isEmpty();
    }

    @Test
    void teamsMayGiveTheMembersRoleAsLiteLlmDoes() throws GatewayException {
        team("t1");
        team("t2");

        post("/user/new", """
                {"user_id": "ann", "teams": ["t1", {"team_id": "t2", "user_role": "admin"}], "auto_create_key": false}
                """);

        assertThat(stores.teams().members("t1")).containsExactly(new TeamMember("t1", "ann", "user"));
        assertThat(stores.teams().members("t2")).containsExactly(new TeamMember("t2", "ann", "admin"));
    }

    @Test
    void aTakenUserIdOrAnUnknownTeamIsRefusedAndNothingIsMade() throws GatewayException {
        post("/user/new", "{\"user_id\": \"ann\", \"user_email\": \"first@example.com\"}");

        assertBadField(refused("POST", "/user/new", "{\"user_id\": \"ann\"}"), "user_id");
        assertThat(stores.users().find("ann").orElseThrow().userEmail()).isEqualTo("first@example.com");

        GatewayException e = refused("POST", "/user/new", "{\"user_id\": \"bob\", \"teams\": [\"ghost\"]}");
        assertBadField(e, "teams");
        assertThat(e.getMessage()).contains("'ghost'");
        assertThat(stores.users().find("bob")).isEmpty();
        assertThat(stores.keys().list(null, null, 1, 10).total())
                .as("only ann's key")
                .isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "user_id               | 7                              | user_id",
                "user_email            | true                           | user_email",
                "user_role             | \"root\"                       | user_role",
                "teams                 | \"t1\"                         | teams",
                "teams                 | [7]                            | teams[0]",
                "teams                 | [{\"team_id\": \"\"}]          | teams[0].team_id",
                "teams                 | [{\"team_id\": \"t\", \"user_role\": \"owner\"}] | teams[0].user_role",
                "models                | [1]                            | models",
                "max_budget            | -0.5                           | max_budget",
                "budget_duration       | \"monthly\"                    | budget_duration",
                "tpm_limit             | \"many\"                       | tpm_limit",
                "rpm_limit             | 2.5                            | rpm_limit",
                "max_parallel_requests | -1                             | max_parallel_requests",
                "metadata              | \"x\"                          | metadata",
                "auto_create_key       | \"no\"                         | auto_create_key",
                "duration              | \"forever\"                    | duration",
                "key_alias             | 5                              | key_alias",
            })
    void aBadFieldOnNewIsA400NamingIt(String field, String value, String param) {
        GatewayException e = refused("POST", "/user/new", "{\"" + field + "\": " + value + "}");

        assertBadField(e, param);
        assertThat(stores.users().list(null, 1, 10).total()).isZero();
        assertThat(stores.keys().list(null, null, 1, 10).total()).isZero();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "proxy_admin",
                "proxy_admin_viewer",
                "org_admin",
                "internal_user",
                "internal_user_viewer",
                "team",
                "customer"
            })
    void everyLiteLlmRoleIsAccepted(String role) throws GatewayException {
        JsonNode out = post("/user/new", "{\"user_role\": \"" + role + "\", \"auto_create_key\": false}");

        assertThat(out.get("user_role").asText()).isEqualTo(role);
    }

    // ---- /user/update

    @Test
    void updateChangesOnlyTheFieldsSentAndNullClears() throws GatewayException {
        post("/user/new", """
                {"user_id": "ann", "user_email": "ann@example.com", "user_role": "proxy_admin", "models": ["a"],
                 "max_budget": 5, "tpm_limit": 9, "rpm_limit": 8, "metadata": {"k": "v"}, "auto_create_key": false}
                """);
        clock.advance(Duration.ofMinutes(5));

        JsonNode out = post("/user/update", """
                {"user_id": "ann", "user_role": null, "max_budget": 7.5, "rpm_limit": null, "budget_duration": "1d"}
                """);

        assertThat(out.get("user_id").asText()).isEqualTo("ann");
        JsonNode data = out.get("data");
        assertThat(data.get("user_role").asText())
                .as("null is the default role")
                .isEqualTo("internal_user");
        assertThat(data.get("max_budget").asDouble()).isEqualTo(7.5);
        assertThat(data.get("rpm_limit").isNull()).isTrue();
        assertThat(data.get("tpm_limit").asLong()).isEqualTo(9);
        assertThat(data.get("user_email").asText()).isEqualTo("ann@example.com");
        assertThat(strings(data.get("models"))).containsExactly("a");
        assertThat(data.get("metadata").get("k").asText()).isEqualTo("v");
        assertThat(data.get("budget_reset_at").asText()).isEqualTo("2026-03-02T10:05:00Z");
        assertThat(data.get("updated_at").asText()).isEqualTo("2026-03-01T10:05:00Z");
        assertThat(stores.users().find("ann").orElseThrow().userRole()).isEqualTo("internal_user");
        assertThat(invalidation.all).isEqualTo(2);
    }

    @Test
    void updateFindsTheUserByEmailWhenNoIdIsSent() throws GatewayException {
        post("/user/new", "{\"user_id\": \"ann\", \"user_email\": \"ann@example.com\", \"auto_create_key\": false}");

        JsonNode out = post("/user/update", "{\"user_email\": \"ANN@example.com\", \"max_budget\": 3}");

        assertThat(out.get("user_id").asText()).isEqualTo("ann");
        assertThat(out.get("data").get("user_email").asText())
                .as("the identifier, not a change")
                .isEqualTo("ann@example.com");
        assertThat(stores.users().find("ann").orElseThrow().budget().maxBudget())
                .isEqualTo(3.0);
    }

    @Test
    void updateTeamsSetsTheMembershipsKeepingTheRolesOfTeamsKept() throws GatewayException {
        team("t1");
        team("t2");
        team("t3");
        post("/user/new", """
                {"user_id": "ann", "teams": [{"team_id": "t1", "user_role": "admin"}, "t2"], "auto_create_key": false}
                """);

        JsonNode out = post("/user/update", "{\"user_id\": \"ann\", \"teams\": [\"t1\", \"t3\"]}");

        assertThat(strings(out.get("data").get("teams"))).containsExactly("t1", "t3");
        assertThat(stores.teams().members("t1")).containsExactly(new TeamMember("t1", "ann", "admin"));
        assertThat(stores.teams().members("t2")).isEmpty();
        assertThat(stores.teams().members("t3")).containsExactly(new TeamMember("t3", "ann", "user"));

        post("/user/update", "{\"user_id\": \"ann\", \"teams\": null}");
        assertThat(stores.users().teams("ann")).isEmpty();
    }

    @Test
    void updateNeedsAKnownUser() throws GatewayException {
        assertBadField(refused("POST", "/user/update", "{\"max_budget\": 1}"), "user_id");
        assertNotFound(refused("POST", "/user/update", "{\"user_id\": \"ghost\"}"), "ghost");
        assertNotFound(refused("POST", "/user/update", "{\"user_email\": \"ghost@example.com\"}"), "ghost@example.com");
        post("/user/new", "{\"user_id\": \"ann\", \"auto_create_key\": false}");
        assertBadField(refused("POST", "/user/update", "{\"user_id\": \"ann\", \"user_role\": \"boss\"}"), "user_role");
        assertBadField(refused("POST", "/user/update", "{\"user_id\": \"ann\", \"teams\": [\"ghost\"]}"), "teams");
        assertThat(invalidation.all).isEqualTo(1);
    }

    // ---- /user/delete

    @Test
    void deleteRemovesTheUsersTheirMembershipsAndTheirKeys() throws GatewayException {
        team("t1");
        JsonNode ann = post("/user/new", "{\"user_id\": \"ann\", \"teams\": [\"t1\"]}");
        post("/user/new", "{\"user_id\": \"bob\", \"teams\": [\"t1\"], \"auto_create_key\": false}");
        key("ann-team-key", "ann", "t1", null);
        key("team-key", null, "t1", null);
        invalidation.all = 0;

        JsonNode out = post("/user/delete", "{\"user_ids\": [\"ann\"]}");

        assertThat(strings(out.get("deleted_users"))).containsExactly("ann");
        assertThat(stores.users().find("ann")).isEmpty();
        assertThat(stores.teams().members("t1")).extracting(TeamMember::userId).containsExactly("bob");
        assertThat(stores.keys().findByHash(ann.get("token").asText())).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of("ann-team-key"))).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of("team-key")))
                .as("the team's own key stays")
                .isPresent();
        assertThat(invalidation.keys).containsExactlyInAnyOrder(ann.get("token").asText(), KeyHash.of("ann-team-key"));
        assertThat(invalidation.all).isEqualTo(1);
    }

    @Test
    void deletingAnUnknownUserDeletesNothing() throws GatewayException {
        post("/user/new", "{\"user_id\": \"ann\"}");

        assertNotFound(refused("POST", "/user/delete", "{\"user_ids\": [\"ann\", \"ghost\"]}"), "ghost");
        assertBadField(refused("POST", "/user/delete", "{\"user_ids\": []}"), "user_ids");
        assertBadField(refused("POST", "/user/delete", "{}"), "user_ids");

        assertThat(stores.users().find("ann")).isPresent();
        assertThat(stores.keys().list("ann", null, 1, 10).total()).isEqualTo(1);
        assertThat(invalidation.keys).isEmpty();
    }

    // ---- /user/info and /user/list

    @Test
    void infoAnswersTheUserItsTeamsAndItsKeysInLiteLlmsShape() throws Exception {
        TeamRow t1 = team("t1");
        post("/team/new", "{\"team_id\": \"other\", \"team_alias\": \"Other\"}");
        JsonNode ann = post("/user/new", """
                {"user_id": "ann", "user_email": "ann@example.com", "max_budget": 20, "teams": ["t1"]}
                """);
        key("k-other", "ann", "other", null);
        UserRow user = stores.users().find("ann").orElseThrow();
        ledger.reserve(
                List.of(BudgetScopes.scope(BudgetScope.Kind.USER, "ann", "ann", user.budget(), clock.instant())),
                Nanos.fromUsd(0.5));

        JsonNode out = get("/user/info", Map.of("user_id", "ann"));

        assertThat(out.get("user_id").asText()).isEqualTo("ann");
        JsonNode info = out.get("user_info");
        assertThat(info.get("user_email").asText()).isEqualTo("ann@example.com");
        assertThat(strings(info.get("teams"))).containsExactly("t1");
        assertThat(info.get("spend").asDouble()).isEqualTo(0.5);
        assertThat(out.get("keys"))
                .extracting(k -> k.get("token").asText())
                .containsExactlyInAnyOrder(ann.get("token").asText(), KeyHash.of("k-other"));
        JsonNode other = StreamSupport.stream(out.get("keys").spliterator(), false)
                .filter(k -> k.get("token").asText().equals(KeyHash.of("k-other")))
                .findFirst()
                .orElseThrow();
        assertThat(other.get("team_alias").asText()).isEqualTo("Other");
        assertThat(out.get("teams")).hasSize(1);
        assertThat(out.get("teams").get(0).get("team_id").asText()).isEqualTo(t1.teamId());
        assertThat(out.get("teams")
                        .get(0)
                        .get("members_with_roles")
                        .get(0)
                        .get("user_id")
                        .asText())
                .isEqualTo("ann");
        assertThat(out.toString()).doesNotContain(ann.get("key").asText());
    }

    @Test
    void infoNeedsAKnownUserId() {
        assertBadField(refusedGet("/user/info", Map.of()), "user_id");
        assertNotFound(refusedGet("/user/info", Map.of("user_id", "ghost")), "ghost");
    }

    @Test
    void listPagesUsersWithTheirKeyCountsAndFiltersByRole() throws GatewayException {
        for (int i = 1; i <= 5; i++) {
            post(
                    "/user/new",
                    "{\"user_id\": \"u" + i + "\"" + (i == 2 ? ", \"user_role\": \"proxy_admin\"" : "")
                            + (i == 5 ? ", \"auto_create_key\": false" : "") + "}");
            clock.advance(Duration.ofSeconds(1));
        }

        JsonNode page2 = get("/user/list", Map.of("page", "2", "page_size", "2"));
        assertThat(userIds(page2)).containsExactly("u3", "u4");
        assertThat(page2.get("total").asLong()).isEqualTo(5);
        assertThat(page2.get("page").asInt()).isEqualTo(2);
        assertThat(page2.get("page_size").asInt()).isEqualTo(2);
        assertThat(page2.get("total_pages").asInt()).isEqualTo(3);
        assertThat(page2.get("users").get(0).get("key_count").asLong()).isEqualTo(1);

        JsonNode all = get("/user/list", Map.of());
        assertThat(all.get("page_size").asInt()).isEqualTo(25);
        assertThat(userIds(all)).containsExactly("u1", "u2", "u3", "u4", "u5");
        assertThat(all.get("users").get(4).get("key_count").asLong()).isZero();

        JsonNode admins = get("/user/list", Map.of("role", "proxy_admin"));
        assertThat(userIds(admins)).containsExactly("u2");
        assertThat(admins.get("total").asLong()).isEqualTo(1);
    }

    @Test
    void listChecksItsQuery() {
        assertBadField(refusedGet("/user/list", Map.of("role", "root")), "role");
        assertBadField(refusedGet("/user/list", Map.of("page", "0")), "page");
        assertBadField(refusedGet("/user/list", Map.of("page_size", "101")), "page_size");
        assertBadField(refusedGet("/user/list", Map.of("page_size", "ten")), "page_size");
    }

    private TeamRow team(String id) {
        return stores.teams().insert(new TeamRow(id, id + " alias", null, null, null, null, null, false, null, null));
    }

    private static List<String> userIds(JsonNode page) {
        return StreamSupport.stream(page.get("users").spliterator(), false)
                .map(u -> u.get("user_id").asText())
                .toList();
    }
}
