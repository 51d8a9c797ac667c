package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The budget resets of every store on a real database: anchored periods, once per row even when raced. */
abstract class BudgetResetContract extends DatabaseContract {

    static KeyRow keyWithBudget(String name, String duration, Instant resetAt, double spend) {
        KeyRow k = key(name, null, null);
        return new KeyRow(
                k.token(),
                k.keyName(),
                null,
                List.of(),
                new BudgetFields(10.0, duration, resetAt, spend),
                null,
                null,
                null,
                null,
                Map.of("gpt-4o", 1.0),
                Map.of("gpt-4o", spend),
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
    }

    @Test
    void aDueKeyIsResetAndItsResetTimeMovesByWholePeriods() {
        keys.insert(keyWithBudget("due", "1d", T0, 4.0));
        keys.insert(keyWithBudget("later", "1d", T0.plus(Duration.ofDays(3)), 4.0));
        keys.insert(keyWithBudget("never", null, null, 4.0));
        Instant now = T0.plus(Duration.ofHours(60)); // two and a half periods late

        assertThat(keys.resetBudgets(now)).containsExactly(hash("due"));

        KeyRow due = keys.findByHash(hash("due")).orElseThrow();
        assertThat(due.budget().spend()).isZero();
        assertThat(due.budget().budgetResetAt()).isEqualTo(T0.plus(Duration.ofDays(3)));
        assertThat(due.modelSpend()).isEmpty();
        assertThat(due.budget().maxBudget()).isEqualTo(10.0);
        assertThat(keys.findByHash(hash("later")).orElseThrow().budget().spend())
                .isEqualTo(4.0);
        assertThat(keys.findByHash(hash("never")).orElseThrow().budget().spend())
                .isEqualTo(4.0);
        assertThat(keys.resetBudgets(now)).isEmpty();
    }

    @Test
    void aResetExactlyAtItsTimeIsDue() {
        keys.insert(keyWithBudget("k", "30s", T0, 1.0));

        assertThat(keys.resetBudgets(T0)).containsExactly(hash("k"));
        assertThat(keys.findByHash(hash("k")).orElseThrow().budget().budgetResetAt())
                .isEqualTo(T0.plusSeconds(30));
    }

    @Test
    void monthlyBudgetsStayOnTheirDayOfMonth() {
        Instant jan31 = Instant.parse("2025-01-31T00:00:00Z");
        keys.insert(keyWithBudget("k", "1mo", jan31, 1.0));

        keys.resetBudgets(Instant.parse("2025-03-01T00:00:00Z"));

        assertThat(keys.findByHash(hash("k")).orElseThrow().budget().budgetResetAt())
                .isEqualTo(Instant.parse("2025-03-31T00:00:00Z"));
    }

    @Test
    void teamsUsersAndOrganizationsResetToo() {
        BudgetFields due = new BudgetFields(5.0, "1h", T0, 3.0);
        teams.insert(new TeamRow("t", null, null, List.of(), due, null, null, false, null, null));
        users.insert(new UserRow("u", null, null, List.of(), due, null, null, null, null));
        orgs.insert(new OrganizationRow("o", null, List.of(), due, null, null, null, null));
        Instant now = T0.plus(Duration.ofMinutes(90));
        BudgetFields after = new BudgetFields(5.0, "1h", T0.plus(Duration.ofHours(2)), 0);

        assertThat(teams.resetBudgets(now)).containsExactly("t");
        assertThat(users.resetBudgets(now)).containsExactly("u");
        assertThat(orgs.resetBudgets(now)).containsExactly("o");

        assertThat(teams.find("t").orElseThrow().budget()).isEqualTo(after);
        assertThat(users.find("u").orElseThrow().budget()).isEqualTo(after);
        assertThat(orgs.find("o").orElseThrow().budget()).isEqualTo(after);
    }

    @Test
    void aResetTimeWithoutADurationIsClearedAndSpendKept() {
        keys.insert(keyWithBudget("k", null, T0, 2.0));

        assertThat(keys.resetBudgets(T0.plusSeconds(1))).isEmpty();

        KeyRow k = keys.findByHash(hash("k")).orElseThrow();
        assertThat(k.budget().budgetResetAt()).isNull();
        assertThat(k.budget().spend()).isEqualTo(2.0);
    }

    @Test
    void twoReplicasRacingResetEachRowOnce() throws Exception {
        int n = 40;
        for (int i = 0; i < n; i++) {
            keys.insert(keyWithBudget("k" + i, "1d", T0, 1.0));
        }
        Instant now = T0.plus(Duration.ofHours(1));
        CountDownLatch start = new CountDownLatch(1);
        Callable<List<String>> replica = () -> {
            start.await();
            return keys.resetBudgets(now);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<String> a;
        List<String> b;
        try {
            Future<List<String>> fa = pool.submit(replica);
            Future<List<String>> fb = pool.submit(replica);
            start.countDown();
            a = fa.get(30, TimeUnit.SECONDS);
            b = fb.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        Set<String> both = new HashSet<>(a);
        both.retainAll(b);
        assertThat(both).as("rows reset by both replicas").isEmpty();
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        assertThat(all).hasSize(n);
        for (KeyRow k : keys.list(null, null, 1, n).rows()) {
            assertThat(k.budget().budgetResetAt()).isEqualTo(T0.plus(Duration.ofDays(1)));
            assertThat(k.budget().spend()).isZero();
        }
    }
}
