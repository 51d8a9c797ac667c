package io.llmux.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.auth.Caller;
import io.llmux.auth.KeyGenerator;
import io.llmux.auth.KeyHash;
import io.llmux.auth.KeyInvalidation;
import io.llmux.auth.Principal;
import io.llmux.budget.BudgetScopes;
import io.llmux.budget.LocalLedger;
import io.llmux.budget.Nanos;
import io.llmux.budget.Reservation;
import io.llmux.config.DatabaseConfig;
import io.llmux.store.Database;
import io.llmux.store.KeyRow;
import io.llmux.store.Migrations;
import io.llmux.store.OrganizationRow;
import io.llmux.store.Stores;
import io.llmux.store.TeamRow;
import io.llmux.store.UserRow;
import io.llmux.testing.TestClock;
import io.llmux.wire.Json;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The key routes of SPEC §8, called directly over real stores on embedded H2. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyEndpointsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    static Path dir;

    private Database db;
    private Stores stores;
    private final TestClock clock = new TestClock(T0);
    private final RecordingInvalidation invalidation = new RecordingInvalidation();
    private LocalLedger ledger;
    private KeyEndpoints endpoints;

    @BeforeAll
    void openDatabase() {
        db = Database.open(
                new DatabaseConfig(
                        DatabaseConfig.Type.EMBEDDED,
                        "db/llmux",
                        "localhost",
                        5432,
                        "llmux",
                        "",
                        "llmux",
                        "disable",
                        4),
                dir);
        Migrations.apply(db);
        stores = Stores.over(db, clock);
    }

    @AfterAll
    void closeDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            for (String table : List.of(
                    "llmux_spend_logs",
                    "llmux_keys",
                    "llmux_team_members",
                    "llmux_users",
                    "llmux_teams",
                    "llmux_organizations")) {
                s.execute("DELETE FROM " + table);
            }
        }
        clock.set(T0);
        invalidation.keys.clear();
        ledger = new LocalLedger(clock);
        endpoints = new KeyEndpoints(
                new Management(stores, invalidation, ledger, new KeyGenerator(new SecureRandom()), clock));
    }

    // ---- /key/generate

    @Test
    void generateShowsTheKeyOnceWithItsHashAndEveryStoredField() {
        stores.organizations().insert(new OrganizationRow("org-1", null, null, null, null, null, null, null));
        stores.teams().insert(team("team-1", "org-1", List.of("gpt-4o", "claude")));
        stores.users().insert(new UserRow("user-1", null, null, null, null, null, null, null, null));

        JsonNode out = admin("/key/generate", """
                {"key_alias": "billing-prod", "models": ["gpt-4o"], "max_budget": 25.5, "soft_budget": 20,
                 "budget_duration": "30d", "tpm_limit": 100000, "rpm_limit": 60, "max_parallel_requests": 4,
                 "model_rpm_limit": {"gpt-4o": 10}, "model_tpm_limit": {"gpt-4o": 5000},
                 "model_max_budget": {"gpt-4o": 2.5}, "user_id": "user-1", "team_id": "team-1",
                 "organization_id": "org-1", "metadata": {"app": "billing", "n": [1, 2]}, "tags": ["prod"],
                 "duration": "7d", "blocked": false, "key_type": "llm_api", "unknown_litellm_field": 1}
                """);

        String key = out.get("key").asText();
        assertThat(key).startsWith("sk-").hasSizeGreaterThan(40);
        assertThat(out.get("token").asText()).isEqualTo(KeyHash.of(key));
        assertThat(out.get("token_id").asText()).isEqualTo(KeyHash.of(key));
        assertThat(out.get("key_name").asText()).isEqualTo(KeyHash.masked(key));
        assertThat(out.get("key_alias").asText()).isEqualTo("billing-prod");
        assertThat(strings(out.get("models"))).containsExactly("gpt-4o");
        assertThat(out.get("max_budget").asDouble()).isEqualTo(25.5);
        assertThat(out.get("soft_budget").asDouble()).isEqualTo(20.0);
        assertThat(out.get("budget_duration").asText()).isEqualTo("30d");
        assertThat(out.get("budget_reset_at").asText()).isEqualTo("2026-03-31T10:00:00Z");
        assertThat(out.get("spend").asDouble()).isZero();
        assertThat(out.get("tpm_limit").asLong()).isEqualTo(100_000);
        assertThat(out.get("rpm_limit").asLong()).isEqualTo(60);
        assertThat(out.get("max_parallel_requests").asInt()).isEqualTo(4);
        assertThat(out.get("model_rpm_limit").get("gpt-4o").asLong()).isEqualTo(10);
        assertThat(out.get("model_tpm_limit").get("gpt-4o").asLong()).isEqualTo(5000);
        assertThat(out.get("model_max_budget").get("gpt-4o").asDouble()).isEqualTo(2.5);
        assertThat(out.get("user_id").asText()).isEqualTo("user-1");
        assertThat(out.get("team_id").asText()).isEqualTo("team-1");
        assertThat(out.get("organization_id").asText()).isEqualTo("org-1");
        assertThat(out.get("metadata").get("app").asText()).isEqualTo("billing");
        assertThat(out.get("metadata").get("n")).hasSize(2);
        assertThat(strings(out.get("tags"))).containsExactly("prod");
        assertThat(out.get("key_type").asText()).isEqualTo("llm_api");
        assertThat(out.get("expires").asText()).isEqualTo("2026-03-08T10:00:00Z");
        assertThat(out.get("blocked").asBoolean()).isFalse();
        assertThat(out.get("created_at").asText()).isEqualTo("2026-03-01T10:00:00Z");

        KeyRow stored = stores.keys().findByHash(KeyHash.of(key)).orElseThrow();
        assertThat(stored.keyAlias()).isEqualTo("billing-prod");
        assertThat(stored.budget().maxBudget()).isEqualTo(25.5);
        assertThat(stored.expires()).isEqualTo(Instant.parse("2026-03-08T10:00:00Z"));
        assertThat(invalidation.keys).containsExactly(KeyHash.of(key));
        assertThat(invalidation.all)
                .as("a key change is one key's, never everyone's")
                .isZero();
    }

    @Test
    void aKeyWithNoFieldsNeverExpiresAndHasNoBudgetOrBounds() {
        JsonNode out = admin("/key/generate", "{}");

        assertThat(out.get("expires").isNull()).isTrue();
        assertThat(out.get("key_alias").isNull()).isTrue();
        assertThat(out.get("key_type").asText()).isEqualTo("default");
        assertThat(out.get("models")).isEmpty();
        assertThat(out.get("max_budget").isNull()).isTrue();
        assertThat(out.get("budget_reset_at").isNull()).isTrue();
        assertThat(out.get("blocked").asBoolean()).isFalse();
        assertThat(stores.keys().findByHash(out.get("token").asText())).isPresent();
    }

    @Test
    void emptyStringsForAliasAndDurationsMeanNone() {
        JsonNode out = admin("/key/generate", "{\"key_alias\": \"\", \"duration\": \"\", \"budget_duration\": \"\"}");

        assertThat(out.get("key_alias").isNull()).isTrue();
        assertThat(out.get("expires").isNull()).isTrue();
        assertThat(out.get("budget_duration").isNull()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "max_budget            | -1                  | max_budget",
                "soft_budget           | \"ten\"             | soft_budget",
                "tpm_limit             | 1.5                 | tpm_limit",
                "rpm_limit             | \"60\"              | rpm_limit",
                "max_parallel_requests | 3000000000          | max_parallel_requests",
                "models                | \"gpt-4o\"          | models",
                "tags                  | [1]                 | tags",
                "metadata              | [\"a\"]             | metadata",
                "model_rpm_limit       | {\"gpt-4o\": -1}    | model_rpm_limit.gpt-4o",
                "model_tpm_limit       | [1]                 | model_tpm_limit",
                "model_max_budget      | {\"gpt-4o\": \"x\"} | model_max_budget.gpt-4o",
                "budget_duration       | \"monthly\"         | budget_duration",
                "duration              | \"7 days\"          | duration",
                "key_type              | \"admin\"           | key_type",
                "blocked               | \"yes\"             | blocked",
                "key_alias             | 7                   | key_alias",
                "user_id               | {}                  | user_id",
                "key                   | \"my-own-key\"      | key",
                "rpm_limit             | 99999999999999999999999 | rpm_limit",
                "tpm_limit             | 1e400               | tpm_limit",
            })
    void aBadFieldIsA400NamingItAndNothingIsStored(String field, String value, String param) {
        assertBad(() -> admin("/key/generate", "{\"" + field + "\": " + value + "}"), param);
        assertThat(stores.keys().list(null, null, 1, 10).total()).isZero();
    }

    @Test
    void valuesLongerThanTheirColumnsAreA400NamingTheFieldNeverTheDatabasesError() {
        // key_alias is a 256-character column, ids 128: the endpoint says so before the database would fail
        assertBad(() -> admin("/key/generate", "{\"key_alias\": \"" + "a".repeat(257) + "\"}"), "key_alias");
        assertBad(() -> admin("/key/generate", "{\"team_id\": \"" + "t".repeat(129) + "\"}"), "team_id");
        assertBad(() -> admin("/key/generate", "{\"user_id\": \"" + "u".repeat(129) + "\"}"), "user_id");
        assertThat(stores.keys().list(null, null, 1, 10).total()).isZero();
        assertThat(admin("/key/generate", "{\"key_alias\": \"" + "a".repeat(256) + "\"}")
                        .get("key_alias")
                        .asText())
                .hasSize(256);
    }

    @Test
    void aDuplicateAliasIsA400NamingKeyAlias() {
        admin("/key/generate", "{\"key_alias\": \"shared\"}");

        GatewayException e = assertBad(() -> admin("/key/generate", "{\"key_alias\": \"shared\"}"), "key_alias");
        assertThat(e.getMessage()).contains("shared");
        assertThat(stores.keys().list(null, null, 1, 10).total()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource({"user_id, /user/new", "team_id, /team/new", "organization_id, /organization/new"})
    void anUnknownIdIsA400NamingTheFieldAndNothingIsStored(String field, String howToCreate) {
        GatewayException e = assertBad(() -> admin("/key/generate", "{\"" + field + "\": \"ghost\"}"), field);

        assertThat(e.getMessage()).contains("ghost").contains(howToCreate);
        assertThat(stores.keys().list(null, null, 1, 10).total()).isZero();
    }

    @Test
    void aTeamsModelsBoundItsKeys() {
        stores.teams().insert(team("eng", null, List.of("gpt-4o", "claude")));

        GatewayException e = assertBad(
                () -> admin("/key/generate", "{\"team_id\": \"eng\", \"models\": [\"gpt-4o\", \"o1\", \"gemini\"]}"),
                "models");
        assertThat(e.getMessage()).startsWith("'models' has o1, gemini, which team 'eng'");

        assertThat(strings(admin("/key/generate", "{\"team_id\": \"eng\", \"models\": [\"claude\"]}")
                        .get("models")))
                .containsExactly("claude");
        assertThat(admin("/key/generate", "{\"team_id\": \"eng\"}").get("models"))
                .as("no models: whatever the team allows")
                .isEmpty();
        admin("/key/generate", "{\"team_id\": \"eng\", \"models\": [\"all-team-models\"]}");
    }

    @Test
    void aTeamWithoutModelsOrWithAWildcardBoundsNothing() {
        stores.teams().insert(team("open", null, List.of()));
        stores.teams().insert(team("star", null, List.of("*")));

        admin("/key/generate", "{\"team_id\": \"open\", \"models\": [\"anything\"]}");
        admin("/key/generate", "{\"team_id\": \"star\", \"models\": [\"anything\"]}");

        assertThat(stores.keys().list(null, null, 1, 10).total()).isEqualTo(2);
    }

    @Test
    void aKeysOrganizationMustBeItsTeams() {
        stores.organizations().insert(new OrganizationRow("org-a", null, null, null, null, null, null, null));
        stores.organizations().insert(new OrganizationRow("org-b", null, null, null, null, null, null, null));
        stores.teams().insert(team("eng", "org-a", List.of()));

        GatewayException e = assertBad(
                () -> admin("/key/generate", "{\"team_id\": \"eng\", \"organization_id\": \"org-b\"}"),
                "organization_id");
        assertThat(e.getMessage()).contains("org-a");

        assertThat(admin("/key/generate", "{\"team_id\": \"eng\", \"organization_id\": \"org-a\"}")
                        .get("organization_id")
                        .asText())
                .isEqualTo("org-a");
    }

    @Test
    void aChosenKeyIsStoredByItsHashAndMayNotBeTakenTwice() {
        JsonNode out = admin("/key/generate", "{\"key\": \"sk-migrated-0001\"}");

        assertThat(out.get("key").asText()).isEqualTo("sk-migrated-0001");
        assertThat(out.get("token").asText()).isEqualTo(KeyHash.of("sk-migrated-0001"));
        assertBad(() -> admin("/key/generate", "{\"key\": \"sk-migrated-0001\"}"), "key");
    }

    // ---- /key/update

    @Test
    void updateChangesTheSentFieldsKeepsTheRestAndNeverShowsTheKey() {
        String key = generate("{\"key_alias\": \"a\", \"max_budget\": 5, \"tpm_limit\": 10, \"tags\": [\"x\"]}");
        String hash = KeyHash.of(key);
        invalidation.keys.clear();
        clock.advance(Duration.ofMinutes(5));

        JsonNode out = admin("/key/update", "{\"key\": \"" + key + "\", \"max_budget\": 9.5, \"rpm_limit\": 3}");

        assertThat(out.get("key").asText()).isEqualTo(hash);
        assertThat(out.get("token").asText()).isEqualTo(hash);
        assertThat(out.get("max_budget").asDouble()).isEqualTo(9.5);
        assertThat(out.get("rpm_limit").asLong()).isEqualTo(3);
        assertThat(out.get("tpm_limit").asLong()).isEqualTo(10);
        assertThat(out.get("key_alias").asText()).isEqualTo("a");
        assertThat(strings(out.get("tags"))).containsExactly("x");
        assertThat(out.get("updated_at").asText()).isEqualTo("2026-03-01T10:05:00Z");
        assertThat(out.toString()).doesNotContain(key);
        assertThat(stores.keys().findByHash(hash).orElseThrow().budget().maxBudget())
                .isEqualTo(9.5);
        assertThat(invalidation.keys).containsExactly(hash);
    }

    @Test
    void updateFindsAKeyByItsHashToo() {
        String hash = KeyHash.of(generate("{}"));

        JsonNode out = admin("/key/update", "{\"key\": \"" + hash + "\", \"key_alias\": \"renamed\"}");

        assertThat(out.get("key_alias").asText()).isEqualTo("renamed");
        assertThat(stores.keys().findByAlias("renamed").orElseThrow().token()).isEqualTo(hash);
    }

    @Test
    void nullClearsAField() {
        String key = generate("""
                {"max_budget": 5, "budget_duration": "1d", "models": ["gpt-4o"], "metadata": {"a": 1},
                 "duration": "7d", "key_type": "management", "soft_budget": 1, "model_rpm_limit": {"m": 1}}
                """);

        JsonNode out = admin("/key/update", """
                {"key": "%s", "max_budget": null, "budget_duration": null, "models": null, "metadata": null,
                 "duration": null, "key_type": null, "soft_budget": null, "model_rpm_limit": null}
                """.formatted(key));

        assertThat(out.get("max_budget").isNull()).isTrue();
        assertThat(out.get("budget_duration").isNull()).isTrue();
        assertThat(out.get("budget_reset_at").isNull()).isTrue();
        assertThat(out.get("models")).isEmpty();
        assertThat(out.get("metadata")).isEmpty();
        assertThat(out.get("expires").isNull()).isTrue();
        assertThat(out.get("key_type").asText()).isEqualTo("default");
        assertThat(out.get("soft_budget").isNull()).isTrue();
        assertThat(out.get("model_rpm_limit")).isEmpty();
    }

    @Test
    void aNewBudgetDurationAnchorsTheResetFromNowAndTheSameOneKeepsIt() {
        String key = generate("{\"budget_duration\": \"30d\"}");
        clock.advance(Duration.ofDays(2));

        JsonNode same = admin("/key/update", "{\"key\": \"" + key + "\", \"budget_duration\": \"30d\"}");
        assertThat(same.get("budget_reset_at").asText()).isEqualTo("2026-03-31T10:00:00Z");

        JsonNode changed = admin("/key/update", "{\"key\": \"" + key + "\", \"budget_duration\": \"1w\"}");
        assertThat(changed.get("budget_reset_at").asText()).isEqualTo("2026-03-10T10:00:00Z");
    }

    @Test
    void aNewDurationSetsExpiresFromNow() {
        String key = generate("{\"duration\": \"1d\"}");
        clock.advance(Duration.ofHours(12));

        JsonNode out = admin("/key/update", "{\"key\": \"" + key + "\", \"duration\": \"2h\"}");

        assertThat(out.get("expires").asText()).isEqualTo("2026-03-02T00:00:00Z");
    }

    @Test
    void updatingAnUnknownKeyIsA404ThatDoesNotEchoTheKey() {
        String unknown = "sk-never-issued-abcdefgh";

        GatewayException e =
                assertStatus(() -> admin("/key/update", "{\"key\": \"" + unknown + "\", \"max_budget\": 1}"), 404);

        assertThat(e.getMessage()).contains(KeyHash.masked(unknown)).doesNotContain(unknown);
    }

    @Test
    void updateWithoutAKeyIsA400NamingKey() {
        assertBad(() -> admin("/key/update", "{\"max_budget\": 1}"), "key");
    }

    @Test
    void anAliasTakenByAnotherKeyIsRefusedButAKeyMayKeepItsOwn() {
        generate("{\"key_alias\": \"taken\"}");
        String key = generate("{\"key_alias\": \"mine\"}");

        assertBad(() -> admin("/key/update", "{\"key\": \"" + key + "\", \"key_alias\": \"taken\"}"), "key_alias");
        assertThat(admin("/key/update", "{\"key\": \"" + key + "\", \"key_alias\": \"mine\", \"rpm_limit\": 1}")
                        .get("rpm_limit")
                        .asLong())
                .isEqualTo(1);
    }

    @Test
    void movingAKeyToATeamThatDoesNotAllowItsModelsIsRefused() {
        stores.teams().insert(team("narrow", null, List.of("claude")));
        String key = generate("{\"models\": [\"gpt-4o\"]}");

        assertBad(() -> admin("/key/update", "{\"key\": \"" + key + "\", \"team_id\": \"narrow\"}"), "models");
        assertBad(() -> admin("/key/update", "{\"key\": \"" + key + "\", \"team_id\": \"nowhere\"}"), "team_id");

        KeyRow unchanged = stores.keys().findByHash(KeyHash.of(key)).orElseThrow();
        assertThat(unchanged.teamId()).isNull();
        JsonNode moved =
                admin("/key/update", "{\"key\": \"" + key + "\", \"team_id\": \"narrow\", \"models\": [\"claude\"]}");
        assertThat(moved.get("team_id").asText()).isEqualTo("narrow");
    }

    @Test
    void aRefusedUpdateChangesNothing() {
        String key = generate("{\"max_budget\": 5}");
        invalidation.keys.clear();

        assertBad(
                () -> admin("/key/update", "{\"key\": \"" + key + "\", \"max_budget\": 1, \"rpm_limit\": -3}"),
                "rpm_limit");

        assertThat(stores.keys()
                        .findByHash(KeyHash.of(key))
                        .orElseThrow()
                        .budget()
                        .maxBudget())
                .isEqualTo(5.0);
        assertThat(invalidation.keys).isEmpty();
    }

    // ---- /key/delete

    @Test
    void deleteTakesKeysOrHashesAndAnswersWithWhatWasSent() {
        String a = generate("{}");
        String b = generate("{}");
        String kept = generate("{}");
        invalidation.keys.clear();

        JsonNode out = admin("/key/delete", "{\"keys\": [\"" + a + "\", \"" + KeyHash.of(b) + "\"]}");

        assertThat(strings(out.get("deleted_keys"))).containsExactly(a, KeyHash.of(b));
        assertThat(stores.keys().findByHash(KeyHash.of(a))).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of(b))).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of(kept))).isPresent();
        assertThat(invalidation.keys).containsExactlyInAnyOrder(KeyHash.of(a), KeyHash.of(b));
    }

    @Test
    void deleteTakesAliases() {
        String a = generate("{\"key_alias\": \"one\"}");
        generate("{\"key_alias\": \"two\"}");

        JsonNode out = admin("/key/delete", "{\"key_aliases\": [\"one\"]}");

        assertThat(strings(out.get("deleted_keys"))).containsExactly("one");
        assertThat(stores.keys().findByHash(KeyHash.of(a))).isEmpty();
        assertThat(stores.keys().findByAlias("two")).isPresent();
        assertThat(invalidation.keys).contains(KeyHash.of(a));
    }

    @Test
    void anUnknownKeyInADeleteIsA404NamingItAndNothingIsDeleted() {
        String real = generate("{}");
        String ghost = "sk-ghost-key-1234567890";

        GatewayException e =
                assertStatus(() -> admin("/key/delete", "{\"keys\": [\"" + real + "\", \"" + ghost + "\"]}"), 404);

        assertThat(e.getMessage()).contains(KeyHash.masked(ghost)).doesNotContain(ghost);
        assertThat(e.getMessage()).doesNotContain(KeyHash.masked(real));
        assertThat(stores.keys().findByHash(KeyHash.of(real))).isPresent();
    }

    @Test
    void anUnknownAliasInADeleteIsA404NamingItAndNothingIsDeleted() {
        generate("{\"key_alias\": \"real\"}");

        GatewayException e = assertStatus(() -> admin("/key/delete", "{\"key_aliases\": [\"real\", \"ghost\"]}"), 404);

        assertThat(e.getMessage()).contains("'ghost'");
        assertThat(stores.keys().findByAlias("real")).isPresent();
    }

    @Test
    void deleteNeedsExactlyOneList() {
        assertBad(() -> admin("/key/delete", "{}"), "keys");
        assertBad(() -> admin("/key/delete", "{\"keys\": []}"), "keys");
        assertBad(() -> admin("/key/delete", "{\"keys\": \"sk-abc\"}"), "keys");
        assertBad(() -> admin("/key/delete", "{\"keys\": [\"sk-a\"], \"key_aliases\": [\"b\"]}"), "key_aliases");
    }

    // ---- /key/info

    @Test
    void infoAnswersWithTheHashAndTheKeysFieldsButNeverTheKey() {
        String key = generate("{\"key_alias\": \"svc\", \"max_budget\": 10, \"budget_duration\": \"1d\"}");

        JsonNode out = call("GET", "/key/info", Caller.MASTER, Map.of("key", key), "{}");

        assertThat(out.get("key").asText()).isEqualTo(KeyHash.of(key));
        JsonNode info = out.get("info");
        assertThat(info.get("key_alias").asText()).isEqualTo("svc");
        assertThat(info.get("spend").asDouble()).isZero();
        assertThat(info.get("max_budget").asDouble()).isEqualTo(10.0);
        assertThat(info.get("budget_reset_at").asText()).isEqualTo("2026-03-02T10:00:00Z");
        assertThat(info.has("expires")).isTrue();
        assertThat(out.toString()).doesNotContain(key);
    }

    @Test
    void infoShowsSpendFromTheLedgerBeforeTheSpendLogIsWritten() throws Exception {
        String key = generate("{\"max_budget\": 10}");
        KeyRow row = stores.keys().findByHash(KeyHash.of(key)).orElseThrow();
        Reservation r = ledger.reserve(
                BudgetScopes.of(new Principal(row, null, null, null), clock.instant()), Nanos.fromUsd(0.5));
        ledger.settle(r, Nanos.fromUsd(0.25));

        JsonNode info = call("GET", "/key/info", Caller.MASTER, Map.of("key", KeyHash.of(key)), "{}")
                .get("info");

        assertThat(info.get("spend").asDouble()).isEqualTo(0.25);
    }

    @Test
    void infoShowsTheStoredSpendWhenTheLedgerHasNotSeenTheKey() throws SQLException {
        String hash = KeyHash.of(generate("{}"));
        setStoredSpend(hash, 3.5);

        JsonNode info = call("GET", "/key/info", Caller.MASTER, Map.of("key", hash), "{}")
                .get("info");

        assertThat(info.get("spend").asDouble()).isEqualTo(3.5);
    }

    @Test
    void aKeyReadsItsOwnInfoWithOrWithoutNamingIt() {
        String key = generate("{\"key_alias\": \"me\", \"key_type\": \"llm_api\"}");
        Caller self = callerOf(key, null);

        assertThat(call("GET", "/key/info", self, Map.of(), "{}")
                        .get("info")
                        .get("key_alias")
                        .asText())
                .isEqualTo("me");
        assertThat(call("GET", "/key/info", self, Map.of("key", key), "{}")
                        .get("key")
                        .asText())
                .isEqualTo(KeyHash.of(key));
        assertThat(call("GET", "/key/info", self, Map.of("key", KeyHash.of(key)), "{}")
                        .get("key")
                        .asText())
                .isEqualTo(KeyHash.of(key));
    }

    @Test
    void aKeyMayNotReadAnotherKeysInfoNorLearnWhetherItExists() {
        String mine = generate("{}");
        String other = generate("{}");
        Caller self = callerOf(mine, null);

        assertStatus(() -> call("GET", "/key/info", self, Map.of("key", other), "{}"), 403);
        assertStatus(() -> call("GET", "/key/info", self, Map.of("key", "sk-does-not-exist-000"), "{}"), 403);
    }

    @Test
    void aProxyAdminsKeyReadsAnyKeyUnlessItIsAnLlmApiKey() {
        stores.users().insert(new UserRow("boss", null, UserRow.PROXY_ADMIN, null, null, null, null, null, null));
        String other = generate("{\"key_alias\": \"other\"}");
        Caller admin = callerOf(generate("{\"user_id\": \"boss\"}"), "boss");
        Caller readOnly = callerOf(generate("{\"user_id\": \"boss\", \"key_type\": \"read_only\"}"), "boss");
        Caller llmOnly = callerOf(generate("{\"user_id\": \"boss\", \"key_type\": \"llm_api\"}"), "boss");

        assertThat(call("GET", "/key/info", admin, Map.of("key", other), "{}")
                        .get("info")
                        .get("key_alias")
                        .asText())
                .isEqualTo("other");
        assertThat(call("GET", "/key/info", readOnly, Map.of("key", other), "{}")
                        .get("key")
                        .asText())
                .isEqualTo(KeyHash.of(other));
        assertStatus(() -> call("GET", "/key/info", llmOnly, Map.of("key", other), "{}"), 403);
    }

    @Test
    void theMasterKeyMustNameTheKeyAndAnUnknownOneIsA404() {
        assertBad(() -> call("GET", "/key/info", Caller.MASTER, Map.of(), "{}"), "key");
        assertStatus(() -> call("GET", "/key/info", Caller.MASTER, Map.of("key", "sk-unknown-99999"), "{}"), 404);
    }

    // ---- /key/list

    @Test
    void listPagesThroughHashesInCreationOrder() {
        List<String> hashes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            hashes.add(KeyHash.of(generate("{}")));
            clock.advance(Duration.ofSeconds(1));
        }

        JsonNode out = list(Map.of("page", "2", "size", "2"));

        assertThat(strings(out.get("keys"))).containsExactly(hashes.get(2), hashes.get(3));
        assertThat(out.get("total_count").asLong()).isEqualTo(5);
        assertThat(out.get("current_page").asInt()).isEqualTo(2);
        assertThat(out.get("total_pages").asInt()).isEqualTo(3);
        assertThat(list(Map.of()).get("keys")).hasSize(5);
    }

    @Test
    void listFiltersByUserAndTeamAndReturnsFullObjectsOnRequest() {
        stores.users().insert(new UserRow("u1", null, null, null, null, null, null, null, null));
        stores.teams().insert(team("t1", null, List.of()));
        String mine = generate("{\"user_id\": \"u1\", \"team_id\": \"t1\", \"key_alias\": \"mine\"}");
        generate("{\"user_id\": \"u1\"}");
        generate("{}");

        assertThat(list(Map.of("user_id", "u1")).get("total_count").asLong()).isEqualTo(2);
        JsonNode out = list(Map.of("user_id", "u1", "team_id", "t1", "return_full_object", "true"));

        assertThat(out.get("keys")).hasSize(1);
        JsonNode key = out.get("keys").get(0);
        assertThat(key.get("token").asText()).isEqualTo(KeyHash.of(mine));
        assertThat(key.get("key_alias").asText()).isEqualTo("mine");
        assertThat(key.has("spend")).isTrue();
        assertThat(out.toString()).doesNotContain(mine);
    }

    @Test
    void listFindsOneKeyByAliasOrHash() {
        String key = generate("{\"key_alias\": \"needle\"}");
        generate("{\"key_alias\": \"hay\"}");

        assertThat(strings(list(Map.of("key_alias", "needle")).get("keys"))).containsExactly(KeyHash.of(key));
        assertThat(list(Map.of("key_hash", KeyHash.of(key))).get("total_count").asLong())
                .isEqualTo(1);
        assertThat(list(Map.of("key_alias", "nothing")).get("keys")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"page, 0", "page, x", "size, 0", "size, 101", "return_full_object, maybe"})
    void aBadListParameterIsA400NamingIt(String name, String value) {
        assertBad(() -> list(Map.of(name, value)), name);
    }

    // ---- /key/regenerate

    @Test
    void regenerateGivesANewKeyKeepingEverythingElseAndTheOldOneStopsAtOnce() throws SQLException {
        String old = generate("{\"key_alias\": \"rotating\", \"max_budget\": 7, \"models\": [\"gpt-4o\"]}");
        setStoredSpend(KeyHash.of(old), 1.5);
        invalidation.keys.clear();

        JsonNode out = admin("/key/regenerate", "{\"key\": \"" + old + "\"}");

        String fresh = out.get("key").asText();
        assertThat(fresh).startsWith("sk-").isNotEqualTo(old);
        assertThat(out.get("token").asText()).isEqualTo(KeyHash.of(fresh));
        assertThat(out.get("key_name").asText()).isEqualTo(KeyHash.masked(fresh));
        assertThat(out.get("key_alias").asText()).isEqualTo("rotating");
        assertThat(out.get("max_budget").asDouble()).isEqualTo(7.0);
        assertThat(out.get("spend").asDouble()).isEqualTo(1.5);
        assertThat(strings(out.get("models"))).containsExactly("gpt-4o");
        assertThat(stores.keys().findByHash(KeyHash.of(old))).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of(fresh))).isPresent();
        assertThat(invalidation.keys).contains(KeyHash.of(old), KeyHash.of(fresh));
        assertStatus(() -> call("GET", "/key/info", Caller.MASTER, Map.of("key", old), "{}"), 404);
    }

    @Test
    void regenerateMayChangeFieldsAndTakeAChosenKey() {
        String old = generate("{\"max_budget\": 7}");

        JsonNode out = admin(
                "/key/regenerate",
                "{\"key\": \"" + KeyHash.of(old) + "\", \"new_key\": \"sk-chosen-123456\", \"max_budget\": 20}");

        assertThat(out.get("key").asText()).isEqualTo("sk-chosen-123456");
        assertThat(out.get("max_budget").asDouble()).isEqualTo(20.0);
        assertThat(stores.keys()
                        .findByHash(KeyHash.of("sk-chosen-123456"))
                        .orElseThrow()
                        .budget()
                        .maxBudget())
                .isEqualTo(20.0);
    }

    @Test
    void thePathFormRegeneratesTheKeyTheServerPutsInTheBody() {
        String old = generate("{\"max_budget\": 7}");

        // the server copies the {key} segment of /key/{key}/regenerate into the body's key
        JsonNode out = call("POST", "/key/{key}/regenerate", Caller.MASTER, Map.of(), "{\"key\": \"" + old + "\"}");

        assertThat(out.get("key").asText()).startsWith("sk-").isNotEqualTo(old);
        assertThat(stores.keys().findByHash(KeyHash.of(old))).isEmpty();
        assertThat(stores.keys().findByHash(KeyHash.of(out.get("key").asText())))
                .isPresent();
    }

    @Test
    void regenerateRefusesUnknownKeysAndBadNewKeysWithoutChangingAnything() {
        String key = generate("{\"max_budget\": 7}");
        String taken = generate("{}");

        assertStatus(() -> admin("/key/regenerate", "{\"key\": \"sk-nobody-1234567\"}"), 404);
        assertBad(() -> admin("/key/regenerate", "{}"), "key");
        assertBad(() -> admin("/key/regenerate", "{\"key\": \"" + key + "\", \"new_key\": \"plain\"}"), "new_key");
        assertBad(
                () -> admin(
                        "/key/regenerate",
                        "{\"key\": \"" + key + "\", \"new_key\": \"" + taken + "\", \"max_budget\": 1}"),
                "new_key");

        assertThat(stores.keys()
                        .findByHash(KeyHash.of(key))
                        .orElseThrow()
                        .budget()
                        .maxBudget())
                .isEqualTo(7.0);
    }

    // ---- /key/block, /key/unblock

    @Test
    void blockAndUnblockFlipTheKeyAndTellTheCache() {
        String key = generate("{}");
        String hash = KeyHash.of(key);
        invalidation.keys.clear();

        JsonNode blocked = admin("/key/block", "{\"key\": \"" + key + "\"}");
        assertThat(blocked.get("blocked").asBoolean()).isTrue();
        assertThat(blocked.get("token").asText()).isEqualTo(hash);
        assertThat(stores.keys().findByHash(hash).orElseThrow().blocked()).isTrue();

        JsonNode unblocked = admin("/key/unblock", "{\"key\": \"" + hash + "\"}");
        assertThat(unblocked.get("blocked").asBoolean()).isFalse();
        assertThat(stores.keys().findByHash(hash).orElseThrow().blocked()).isFalse();
        assertThat(invalidation.keys).containsExactly(hash, hash);
        assertThat(blocked.toString()).doesNotContain(key);
    }

    @Test
    void blockingAnUnknownKeyIsA404AndNoKeyIsA400() {
        assertStatus(() -> admin("/key/block", "{\"key\": \"sk-unknown-1234567\"}"), 404);
        assertStatus(() -> admin("/key/unblock", "{\"key\": \"" + "ab".repeat(32) + "\"}"), 404);
        assertBad(() -> admin("/key/block", "{}"), "key");
    }

    // ---- routes

    @Test
    void everyKeyRouteIsListedWithItsAccessEvenWithoutADatabase() {
        List<String> listed = new KeyEndpoints(null)
                .routes().stream()
                        .map(r -> r.method() + " " + r.path() + " " + r.access())
                        .toList();

        assertThat(listed)
                .containsExactlyInAnyOrder(
                        "POST /key/generate ADMIN",
                        "POST /key/update ADMIN",
                        "POST /key/delete ADMIN",
                        "GET /key/info SELF",
                        "GET /key/list READ",
                        "POST /key/regenerate ADMIN",
                        "POST /key/{key}/regenerate ADMIN",
                        "POST /key/block ADMIN",
                        "POST /key/unblock ADMIN");
    }

    // ---- helpers

    private static TeamRow team(String id, String orgId, List<String> models) {
        return new TeamRow(id, null, orgId, models, null, null, null, false, null, null);
    }

    /** A non-master caller holding {@code key}, as the authenticator would load it. */
    private Caller callerOf(String key, String userId) {
        KeyRow row = stores.keys().findByHash(KeyHash.of(key)).orElseThrow();
        UserRow user = userId == null ? null : stores.users().find(userId).orElseThrow();
        Principal p = new Principal(row, user, null, null);
        return new Caller(p.label(), p);
    }

    private String generate(String body) {
        return admin("/key/generate", body).get("key").asText();
    }

    private JsonNode admin(String path, String body) {
        return call("POST", path, Caller.MASTER, Map.of(), body);
    }

    private JsonNode list(Map<String, String> query) {
        return call("GET", "/key/list", Caller.MASTER, query, "{}");
    }

    private JsonNode call(String method, String path, Caller caller, Map<String, String> query, String body) {
        AdminRoute route = endpoints.routes().stream()
                .filter(r -> r.method().equals(method) && r.path().equals(path))
                .findFirst()
                .orElseThrow();
        try {
            return route.endpoint().handle(new AdminRequest(method, path, query, Json.MAPPER.readTree(body), caller));
        } catch (GatewayException e) {
            throw new Refused(e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(body, e);
        }
    }

    private static GatewayException assertStatus(Runnable call, int status) {
        GatewayException e = refusal(call);
        assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
        return e;
    }

    private static GatewayException assertBad(Runnable call, String param) {
        GatewayException e = assertStatus(call, 400);
        assertThat(e.type()).isEqualTo("invalid_request_error");
        assertThat(e.param()).as(e.getMessage()).isEqualTo(param);
        return e;
    }

    private static GatewayException refusal(Runnable call) {
        try {
            call.run();
        } catch (Refused r) {
            return r.error;
        }
        throw new AssertionError("expected the call to be refused, but it answered");
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText)
                .toList();
    }

    private void setStoredSpend(String hash, double spend) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE llmux_keys SET spend = ? WHERE token = ?")) {
            ps.setDouble(1, spend);
            ps.setString(2, hash);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    /** A management refusal carried out of a lambda. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient GatewayException error;

        Refused(GatewayException error) {
            super(error.getMessage(), error);
            this.error = error;
        }
    }

    private static final class RecordingInvalidation implements KeyInvalidation {
        final List<String> keys = new ArrayList<>();
        int all;

        @Override
        public void key(String keyHash) {
            keys.add(keyHash);
        }

        @Override
        public void all() {
            all++;
        }
    }
}
