package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.GatewayException;
import io.llmux.budget.BudgetScope.Kind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** SPEC §4/§8: over budget → 403 permission_denied, code budget_exceeded, naming the entity, budget and reset. */
class BudgetMessagesTest {
    private static final long CENT = Nanos.PER_USD / 100;

    @Test
    void anExhaustedBudgetNamesTheEntityItsBudgetAndWhenItResets() {
        long resetAt = Instant.parse("2030-02-01T00:00:00Z").toEpochMilli();
        BudgetScope team = new BudgetScope(Kind.TEAM, "t-123", "ml-research", 1_000 * CENT, resetAt, 0);

        GatewayException e = BudgetMessages.exceeded(new BudgetExceeded(team, 1_002 * CENT, 5 * CENT));

        assertThat(e.status()).isEqualTo(403);
        assertThat(e.type()).isEqualTo("permission_denied");
        assertThat(e.code()).isEqualTo("budget_exceeded");
        assertThat(e.getMessage())
                .isEqualTo("Budget exceeded for team 'ml-research': it has used $10.02 of its $10.00 budget"
                        + " (requests in flight included). The budget resets at 2030-02-01T00:00:00Z; until then an"
                        + " admin can raise max_budget.");
    }

    @Test
    void aKeysBudgetForOneModelNamesTheModelAndModelMaxBudget() {
        long resetAt = Instant.parse("2030-02-01T00:00:00Z").toEpochMilli();
        BudgetScope model = new BudgetScope(Kind.KEY, "hash#gpt-4o", "alice", 200 * CENT, resetAt, 0, "gpt-4o");

        GatewayException e = BudgetMessages.exceeded(new BudgetExceeded(model, 200 * CENT, 5 * CENT));

        assertThat(e.code()).isEqualTo("budget_exceeded");
        assertThat(e.getMessage())
                .isEqualTo("Budget exceeded for key 'alice' on model 'gpt-4o': it has used $2.00 of its $2.00 budget"
                        + " (requests in flight included). The budget resets at 2030-02-01T00:00:00Z; until then an"
                        + " admin can raise model_max_budget.");
    }

    @Test
    void aRequestThatWouldPassTheBudgetSaysSoAndABudgetWithoutDurationDoesNotReset() {
        BudgetScope key = new BudgetScope(Kind.KEY, "hash", "sk-...abcd", 10 * CENT, 0, 0);

        GatewayException e = BudgetMessages.exceeded(new BudgetExceeded(key, 9 * CENT, CENT / 4));

        assertThat(e.getMessage())
                .isEqualTo("Budget exceeded for key 'sk-...abcd': it has used $0.09 of its $0.10 budget (requests in"
                        + " flight included), and this request, estimated at $0.0025, would pass it. The budget does"
                        + " not reset; an admin can raise max_budget.");
    }
}
