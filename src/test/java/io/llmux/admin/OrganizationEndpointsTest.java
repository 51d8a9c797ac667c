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

/** The organization routes of SPEC §8, called directly over real stores on embedded H2. */
class OrganizationEndpointsTest extends EntityEndpointsFixture {

    @Test
    void everyOrganizationRouteIsListedEvenWithoutADatabaseWithPatchAndDeleteToo() {
        assertThat(new OrganizationEndpoints(null).routes())
                .extracting(AdminRoute::method, AdminRoute::path, AdminRoute::access)
                .containsExactly(
                        tuple("POST", "/organization/new", AdminRoute.Access.ADMIN),
                        tuple("POST", "/organization/update", AdminRoute.Access.ADMIN),
                        tuple("PATCH", "/organization/update", AdminRoute.Access.ADMIN),
                        tuple("POST", "/organization/delete", AdminRoute.Access.ADMIN),
                        tuple("DELETE", "/organization/delete", AdminRoute.Access.ADMIN),
                        tuple("GET", "/organization/info", AdminRoute.Access.READ),
                        tuple("GET", "/organization/list", AdminRoute.Access.READ));
    }

    // ---- /organization/new

    @Test
    void newOrganizationAnswersEveryFieldAlsoInLiteLlmsBudgetTable() throws GatewayException {
        JsonNode out = post("/organization/new", """
                {"organization_alias": "Acme", "models": ["gpt-4o"], "max_budget": 1000, "budget_duration": "1mo",
                 "tpm_limit": 500000, "rpm_limit": 600, "metadata": {"region": "eu"}, "budget_id": "ignored"}
                """);

        String id = out.get("organization_id").asText();
        assertThat(UUID.fromString(id)).isNotNull();
        assertThat(out.get("organization_alias").asText()).isEqualTo("Acme");
        assertThat(strings(out.get("models"))).containsExactly("gpt-4o");
        assertThat(out.get("max_budget").asDouble()).isEqualTo(1000.0);
        assertThat(out.get("budget_duration").asText()).isEqualTo("1mo");
        assertThat(out.get("budget_reset_at").asText()).isEqualTo("2026-04-01T10:00:00Z");
        assertThat(out.get("spend").asDouble()).isZero();
        assertThat(out.get("tpm_limit").asLong()).isEqualTo(500_000);
        assertThat(out.get("rpm_limit").asLong()).isEqualTo(600);
        assertThat(out.has("max_parallel_requests"))
                .as("organizations have no such limit")
                .isFalse();
        assertThat(out.get("metadata").get("region").asText()).isEqualTo("eu");
        JsonNode table = out.get("litellm_budget_table");
        assertThat(table.get("max_budget").asDouble()).isEqualTo(1000.0);
        assertThat(table.get("budget_duration").asText()).isEqualTo("1mo");
        assertThat(table.get("budget_reset_at").asText()).isEqualTo("2026-04-01T10:00:00Z");
        assertThat(table.get("tpm_limit").asLong()).isEqualTo(500_000);
        assertThat(table.get("rpm_limit").asLong()).isEqualTo(600);
        assertThat(out.get("teams")).isEmpty();
        assertThat(out.get("members")).isEmpty();
        assertThat(out.get("created_at").asText()).isEqualTo("2026-03-01T10:00:00Z");

        OrganizationRow stored = stores.organizations().find(id).orElseThrow();
        assertThat(stored.budget().budgetResetAt()).isEqualTo(Instant.parse("2026-04-01T10:00:00Z"));
        assertThat(stored.limits().rpmLimit()).isEqualTo(600);
        assertThat(invalidation.all).isEqualTo(1);
    }

    @Test
    void aGivenIdIsKeptAndATakenOneIsRefused() throws GatewayException {
        assertThat(post("/organization/new", "{\"organization_id\": \"acme\", \"organization_alias\": \"Acme\"}")
                        .get("organization_id")
                        .asText())
                .isEqualTo("acme");

        assertBadField(
                refused("POST", "/organization/new", "{\"organization_id\": \"acme\", \"organization_alias\": \"B\"}"),
                "organization_id");
        assertThat(stores.organizations().find("acme").orElseThrow().organizationAlias())
                .isEqualTo("Acme");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"organization_alias\": null}", "{\"organization_alias\": \"  \"}"})
    void anOrganizationNeedsAnAlias(String body) {
        assertBadField(refused("POST", "/organization/new", body), "organization_alias");
        assertThat(stores.organizations().list()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "organization_id    | 12              | organization_id",
                "organization_alias | {}              | organization_alias",
                "models             | \"all\"         | models",
                "max_budget         | \"1000\"        | max_budget",
                "budget_duration    | \"1y\"          | budget_duration",
                "tpm_limit          | -1              | tpm_limit",
                "rpm_limit          | 0.5             | rpm_limit",
                "metadata           | 3               | metadata",
            })
    void aBadFieldOnNewIsA400NamingIt(String field, String value, String param) {
        String body = field.equals("organization_alias")
                ? "{\"organization_alias\": " + value + "}"
                : "{\"organization_alias\": \"Acme\", \"" + field + "\": " + value + "}";

        assertBadField(refused("POST", "/organization/new", body), param);
        assertThat(stores.organizations().list()).isEmpty();
    }

    // ---- /organization/update

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PATCH"})
    void updateChangesOnlyTheFieldsSentByPostOrPatch(String method) throws GatewayException {
        post("/organization/new", """
                {"organization_id": "acme", "organization_alias": "Acme", "models": ["a"], "max_budget": 10,
                 "budget_duration": "30d", "tpm_limit": 1, "rpm_limit": 2, "metadata": {"k": 1}}
                """);
        clock.advance(Duration.ofDays(2));

        JsonNode out = call(method, "/organization/update", """
                {"organization_id": "acme", "organization_alias": "Acme Corp", "rpm_limit": null,
                 "budget_duration": "7d", "metadata": null}
                """);

        assertThat(out.get("organization_alias").asText()).isEqualTo("Acme Corp");
        assertThat(out.get("rpm_limit").isNull()).isTrue();
        assertThat(out.get("tpm_limit").asLong()).isEqualTo(1);
        assertThat(strings(out.get("models"))).containsExactly("a");
        assertThat(out.get("max_budget").asDouble()).isEqualTo(10.0);
        assertThat(out.get("budget_reset_at").asText())
                .as("re-anchored at the change")
                .isEqualTo("2026-03-10T10:00:00Z");
        assertThat(out.get("metadata")).isEmpty();
        assertThat(out.get("updated_at").asText()).isEqualTo("2026-03-03T10:00:00Z");
        assertThat(stores.organizations().find("acme").orElseThrow().organizationAlias())
                .isEqualTo("Acme Corp");
        assertThat(invalidation.all).isEqualTo(2);
    }

    @Test
    void updateNeedsAKnownOrganizationAndKeepsItsName() throws GatewayException {
        assertBadField(refused("POST", "/organization/update", "{\"max_budget\": 1}"), "organization_id");
        assertNotFound(refused("PATCH", "/organization/update", "{\"organization_id\": \"ghost\"}"), "ghost");
        post("/organization/new", "{\"organization_id\": \"acme\", \"organization_alias\": \"Acme\"}");
        assertBadField(
                refused(
                        "POST",
                        "/organization/update",
                        "{\"organization_id\": \"acme\", \"organization_alias\": null}"),
                "organization_alias");
        assertBadField(
                refused("POST", "/organization/update", "{\"organization_id\": \"acme\", \"tpm_limit\": \"x\"}"),
                "tpm_limit");
        assertThat(stores.organizations().find("acme").orElseThrow().organizationAlias())
                .isEqualTo("Acme");
    }

    // ---- /organization/delete

    @ParameterizedTest
    @ValueSource(strings = {"POST", "DELETE"})
    void deleteTakesTheTeamsTheirMembersAndEveryKeyUnderTheOrganizationWithIt(String method) throws GatewayException {
        post("/organization/new", "{\"organization_id\": \"acme\", \"organization_alias\": \"Acme\"}");
        post("/organization/new", "{\"organization_id\": \"other\", \"organization_alias\": \"Other\"}");
        post("/team/new", "{\"team_id\": \"search\", \"organization_id\": \"acme\", \"members\": [\"ann\"]}");
        post("/team/new", "{\"team_id\": \"kept\", \"organization_id\": \"other\", \"members\": [\"ann\"]}");
        post("/team/new", "{\"team_id\": \"loose\"}");
        key("team-key", "ann", "search", null);
        key("org-key", null, null, "acme");
        key("other-key", "ann", "kept", "other");
        key("loose-key", null, "loose", null);
        invalidation.all = 0;

        JsonNode out = call(method, "/organization/delete", "{\"organization_ids\": [\"acme\"]}");

        assertThat(out).hasSize(1);
        assertThat(out.get(0).get("organization_id").asText()).isEqualTo("acme");
        assertThat(out.get(0).get("teams").get(0).get("team_id").asText())
                .as("the answer shows what went with it")
                .isEqualTo("search");
        assertThat(stores.organizations().find("acme")).isEmpty();
        assertThat(stores.teams().find("search")).isEmpty();
        assertThat(stores.teams().members("search")).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of("team-key"))).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of("org-key"))).isEmpty();
        assertThat(invalidation.keys).containsExactlyInAnyOrder(KeyHash.of("team-key"), KeyHash.of("org-key"));
        assertThat(invalidation.all).isEqualTo(1);

        assertThat(stores.organizations().find("other")).isPresent();
        assertThat(stores.teams().find("kept")).isPresent();
        assertThat(stores.teams().find("loose")).isPresent();
        assertThat(stores.keys().findByHash(KeyHash.of("other-key"))).isPresent();
        assertThat(stores.keys().findByHash(KeyHash.of("loose-key"))).isPresent();
        assertThat(stores.users().teams("ann"))
                .as("the user stays, in its other team")
                .containsExactly("kept");
    }

    @Test
    void deletingAnUnknownOrganizationDeletesNothing() throws GatewayException {
        post("/organization/new", "{\"organization_id\": \"acme\", \"organization_alias\": \"Acme\"}");
        post("/team/new", "{\"team_id\": \"search\", \"organization_id\": \"acme\"}");

        assertNotFound(
                refused("DELETE", "/organization/delete", "{\"organization_ids\": [\"acme\", \"ghost\"]}"), "ghost");
        assertBadField(refused("POST", "/organization/delete", "{}"), "organization_ids");
        assertBadField(refused("POST", "/organization/delete", "{\"organization_ids\": [1]}"), "organization_ids");

        assertThat(stores.organizations().find("acme")).isPresent();
        assertThat(stores.teams().find("search")).isPresent();
    }

    // ---- /organization/info and /organization/list

    @Test
    void infoAnswersTheOrganizationWithItsTeamsAndLiveSpend() throws Exception {
        post("/organization/new", """
                {"organization_id": "acme", "organization_alias": "Acme", "max_budget": 100, "budget_duration": "1d"}
                """);
        post("/team/new", """
                {"team_id": "search", "organization_id": "acme", "members_with_roles": [{"user_id": "ann", "role": "admin"}]}
                """);
        OrganizationRow org = stores.organizations().find("acme").orElseThrow();
        ledger.reserve(
                List.of(BudgetScopes.scope(
                        BudgetScope.Kind.ORGANIZATION, "acme", "Acme", org.budget(), clock.instant())),
                Nanos.fromUsd(4));

        JsonNode out = get("/organization/info", Map.of("organization_id", "acme"));

        assertThat(out.get("organization_alias").asText()).isEqualTo("Acme");
        assertThat(out.get("spend").asDouble()).isEqualTo(4.0);
        assertThat(out.get("teams")).hasSize(1);
        assertThat(out.get("teams").get(0).get("team_id").asText()).isEqualTo("search");
        assertThat(out.get("teams")
                        .get(0)
                        .get("members_with_roles")
                        .get(0)
                        .get("role")
                        .asText())
                .isEqualTo("admin");
    }

    @Test
    void afterTheResetTimePassesTheOldPeriodsSpendNoLongerShows() throws Exception {
        post("/organization/new", """
                {"organization_id": "acme", "organization_alias": "Acme", "max_budget": 100, "budget_duration": "1h"}
                """);
        OrganizationRow org = stores.organizations().find("acme").orElseThrow();
        ledger.reserve(
                List.of(BudgetScopes.scope(
                        BudgetScope.Kind.ORGANIZATION, "acme", "Acme", org.budget(), clock.instant())),
                Nanos.fromUsd(4));

        clock.advance(Duration.ofMinutes(61));

        assertThat(get("/organization/info", Map.of("organization_id", "acme"))
                        .get("spend")
                        .asDouble())
                .isZero();
    }

    @Test
    void infoNeedsAKnownOrganizationId() {
        assertBadField(refusedGet("/organization/info", Map.of()), "organization_id");
        assertNotFound(refusedGet("/organization/info", Map.of("organization_id", "ghost")), "ghost");
    }

    @Test
    void listGivesEveryOrganizationInCreationOrderWithItsTeams() throws GatewayException {
        post("/organization/new", "{\"organization_id\": \"b\", \"organization_alias\": \"B\"}");
        clock.advance(Duration.ofSeconds(1));
        post("/organization/new", "{\"organization_id\": \"a\", \"organization_alias\": \"A\"}");
        post("/team/new", "{\"team_id\": \"t1\", \"organization_id\": \"a\", \"members\": [\"ann\"]}");
        post("/team/new", "{\"team_id\": \"t2\", \"organization_id\": \"a\"}");
        post("/team/new", "{\"team_id\": \"t3\"}");

        JsonNode out = get("/organization/list", Map.of());

        assertThat(StreamSupport.stream(out.spliterator(), false)
                        .map(o -> o.get("organization_id").asText())
                        .toList())
                .containsExactly("b", "a");
        assertThat(out.get(0).get("teams")).isEmpty();
        assertThat(StreamSupport.stream(out.get(1).get("teams").spliterator(), false)
                        .map(t -> t.get("team_id").asText())
                        .toList())
                .containsExactlyInAnyOrder("t1", "t2");
        assertThat(out.get(1).get("teams").findValues("members_with_roles").stream()
                        .mapToInt(JsonNode::size)
                        .sum())
                .isEqualTo(1);
    }
}
