package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.auth.Principal;
import io.llmux.budget.BudgetScope.Kind;
import io.llmux.store.BudgetFields;
import io.llmux.store.KeyRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which budgets a call is reserved on: a key's {@code model_max_budget} adds the key's budget for the model group
 * called, by its name or by the alias the client used, counted from the group's {@code model_spend} over the key's
 * budget period (LiteLLM's per-model key budgets).
 */
class BudgetScopesTest {
    private static final Instant NOW = Instant.parse("2030-01-10T12:00:00Z");
    private static final Instant RESET_AT = Instant.parse("2030-02-01T00:00:00Z");
    private static final String TOKEN = "ab".repeat(32);
    private static final BudgetFields MONTHLY = new BudgetFields(100.0, "30d", RESET_AT, 7.5);

    @Test
    void aKeyWithoutABudgetForTheModelIsReservedOnItsOwnScopesOnly() {
        Principal p = principal(MONTHLY, Map.of("claude", 1.0), Map.of("gpt-4o", 2.0));

        assertThat(BudgetScopes.of(p, "gpt-4o", "gpt-4o", NOW)).isEqualTo(BudgetScopes.of(p, NOW));
    }

    @Test
    void aBudgetForTheGroupAddsAScopeOfItsOwnAfterTheKeysWithTheGroupsSpendInTheKeysPeriod() {
        Principal p = principal(MONTHLY, Map.of("gpt-4o", 2.0, "claude", 9.0), Map.of("gpt-4o", 1.25, "claude", 4.0));

        List<BudgetScope> scopes = BudgetScopes.of(p, "gpt-4o", "gpt-4o", NOW);

        assertThat(scopes).hasSize(2);
        assertThat(scopes.get(0).id()).as("the key's own budget stays first").isEqualTo(TOKEN);
        assertThat(scopes.get(1))
                .isEqualTo(new BudgetScope(
                        Kind.KEY,
                        TOKEN + "#gpt-4o",
                        "alice",
                        Nanos.fromUsd(2.0),
                        RESET_AT.toEpochMilli(),
                        Nanos.fromUsd(1.25),
                        "gpt-4o"));
    }

    @Test
    void aModelNotSpentOnYetStartsAtZero() {
        Principal p = principal(MONTHLY, Map.of("gpt-4o", 2.0), Map.of("claude", 4.0));

        BudgetScope model = BudgetScopes.of(p, "gpt-4o", "gpt-4o", NOW).get(1);

        assertThat(model.baseSpentNanoUsd()).isZero();
        assertThat(model.maxNanoUsd()).isEqualTo(Nanos.fromUsd(2.0));
    }

    @Test
    void aBudgetSetUnderTheAliasTheClientUsedCountsTheGroupsSpendAndIsNamedAsSet() {
        Principal p = principal(MONTHLY, Map.of("fast", 3.0), Map.of("gpt-4o-mini", 0.5));

        BudgetScope model = BudgetScopes.of(p, "fast", "gpt-4o-mini", NOW).get(1);

        assertThat(model.id())
                .as("one counter per group, whichever name was asked for")
                .isEqualTo(TOKEN + "#gpt-4o-mini");
        assertThat(model.model()).isEqualTo("fast");
        assertThat(model.maxNanoUsd()).isEqualTo(Nanos.fromUsd(3.0));
        assertThat(model.baseSpentNanoUsd()).isEqualTo(Nanos.fromUsd(0.5));
        assertThat(BudgetScopes.of(p, "gpt-4o-mini", "gpt-4o-mini", NOW))
                .as("asked for by the group's own name, the alias's budget does not apply")
                .hasSize(1);
    }

    @Test
    void withABudgetUnderBothTheAliasAndTheGroupTheSmallerHolds() {
        Principal aliasSmaller = principal(MONTHLY, Map.of("fast", 1.0, "gpt-4o-mini", 3.0), Map.of());
        Principal groupSmaller = principal(MONTHLY, Map.of("fast", 5.0, "gpt-4o-mini", 3.0), Map.of());

        BudgetScope byAlias =
                BudgetScopes.of(aliasSmaller, "fast", "gpt-4o-mini", NOW).get(1);
        BudgetScope byGroup =
                BudgetScopes.of(groupSmaller, "fast", "gpt-4o-mini", NOW).get(1);

        assertThat(byAlias.maxNanoUsd()).isEqualTo(Nanos.fromUsd(1.0));
        assertThat(byAlias.model()).isEqualTo("fast");
        assertThat(byGroup.maxNanoUsd()).isEqualTo(Nanos.fromUsd(3.0));
        assertThat(byGroup.model()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void onceTheKeysResetIsDueTheModelsSpendBelongsToThePeriodThatEnded() {
        BudgetFields due = new BudgetFields(100.0, "1d", Instant.parse("2030-01-10T00:00:00Z"), 7.5);
        Principal p = principal(due, Map.of("gpt-4o", 2.0), Map.of("gpt-4o", 1.9));

        List<BudgetScope> scopes = BudgetScopes.of(p, "gpt-4o", "gpt-4o", NOW);

        long nextReset = Instant.parse("2030-01-11T00:00:00Z").toEpochMilli();
        assertThat(scopes.get(1).periodEndMillis())
                .as("the key's period")
                .isEqualTo(scopes.get(0).periodEndMillis())
                .isEqualTo(nextReset);
        assertThat(scopes.get(1).baseSpentNanoUsd()).isZero();
    }

    @Test
    void aKeyWhoseBudgetNeverResetsHasAModelBudgetThatNeverResetsEither() {
        Principal p = principal(BudgetFields.NONE, Map.of("gpt-4o", 2.0), Map.of("gpt-4o", 1.0));

        BudgetScope model = BudgetScopes.of(p, "gpt-4o", "gpt-4o", NOW).get(1);

        assertThat(model.periodEndMillis()).isZero();
        assertThat(model.baseSpentNanoUsd()).isEqualTo(Nanos.fromUsd(1.0));
        assertThat(BudgetScopes.of(p, "gpt-4o", "gpt-4o", NOW).get(0).limited())
                .as("the key itself has no budget; its model does")
                .isFalse();
    }

    private static Principal principal(
            BudgetFields budget, Map<String, Double> modelMaxBudget, Map<String, Double> modelSpend) {
        KeyRow key = new KeyRow(
                TOKEN,
                "sk-...abcd",
                "alice",
                List.of(),
                budget,
                null,
                null,
                null,
                null,
                modelMaxBudget,
                modelSpend,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                false,
                null,
                null);
        return new Principal(key, null, null, null);
    }
}
