package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link SpendLogStore} on a real database: idempotent batches, charged spend, and the spend queries. */
abstract class SpendLogStoreContract extends DatabaseContract {
    private static final double EPS = 1e-9;

    @BeforeEach
    void entities() {
        orgs.insert(org("org-1"));
        teams.insert(team("team-1", "org-1"));
        users.insert(user("alice"));
        KeyRow k = key("k1", "alice", "team-1");
        keys.insert(new KeyRow(
                k.token(),
                k.keyName(),
                "k1-alias",
                k.models(),
                k.budget(),
                null,
                null,
                null,
                null,
                null,
                Map.of("gpt-4o", 1.0),
                "alice",
                "team-1",
                "org-1",
                null,
                null,
                null,
                null,
                false,
                null,
                null));
    }

    static SpendLogRow log(String requestId, String keyName, double spend, Instant start) {
        return new SpendLogRow(
                requestId,
                keyName == null ? null : hash(keyName),
                keyName == null ? null : keyName + "-alias",
                "alice",
                "team-1",
                "org-1",
                "gpt-4o-2024-08-06",
                "gpt-4o",
                "openai/gpt-4o-2024-08-06",
                "openai",
                100,
                20,
                spend,
                false,
                200,
                start,
                start.plusMillis(250));
    }

    @Test
    void aBatchIsStoredAndChargedToKeyUserTeamAndOrganization() {
        List<SpendLogRow> batch = List.of(log("r1", "k1", 0.1, T0), log("r2", "k1", 0.2, T0), log("r3", "k1", 0.3, T0));

        assertThat(spendLogs.insertBatch(batch)).containsExactly(1, 1, 1);

        assertCharged(0.6);
        assertThat(keys.findByHash(hash("k1")).orElseThrow().modelSpend())
                .hasEntrySatisfying("gpt-4o", v -> assertThat(v).isCloseTo(1.6, within(EPS)));
        assertThat(spendLogs.logs(new SpendLogStore.Filter(null, null, null, "r2", null, null, 10)))
                .containsExactly(batch.get(1));
    }

    @Test
    void theSameBatchTwiceIsStoredAndChargedOnce() {
        List<SpendLogRow> batch = List.of(log("r1", "k1", 0.25, T0), log("r2", "k1", 0.5, T0));
        spendLogs.insertBatch(batch);

        assertThat(spendLogs.insertBatch(batch)).containsExactly(0, 0);

        assertCharged(0.75);
        assertThat(spendLogs.logs(all())).hasSize(2);
    }

    @Test
    void aBatchLargerThanOneChunkSaysRowByRowWhichRowsAreNew() {
        // H2 writes a batch in chunks: the counts must still line up with the rows as given, across chunk ends
        List<SpendLogRow> earlier = new java.util.ArrayList<>();
        for (int i = 0; i < 70; i += 7) {
            earlier.add(log("r%03d".formatted(i), "k1", 1.0, T0));
        }
        spendLogs.insertBatch(earlier);
        List<SpendLogRow> batch = new java.util.ArrayList<>();
        for (int i = 69; i >= 0; i--) { // given in reverse: the store sorts by request id before writing
            batch.add(log("r%03d".formatted(i), "k1", 1.0, T0));
        }

        int[] stored = spendLogs.insertBatch(batch);

        for (int j = 0; j < batch.size(); j++) {
            int id = 69 - j;
            assertThat(stored[j]).as("row r%03d", id).isEqualTo(id % 7 == 0 ? 0 : 1);
        }
        assertCharged(70.0);
        assertThat(spendLogs.logs(new SpendLogStore.Filter(null, null, null, null, null, null, 1000)))
                .hasSize(70);
    }

    @Test
    void anOverlappingBatchChargesOnlyItsNewRows() {
        spendLogs.insertBatch(List.of(log("r1", "k1", 1.0, T0), log("r2", "k1", 2.0, T0)));

        int[] stored = spendLogs.insertBatch(List.of(log("r3", "k1", 4.0, T0), log("r2", "k1", 2.0, T0)));

        assertThat(stored).containsExactly(1, 0);
        assertCharged(7.0);
        assertThat(spendLogs.write(List.of(log("r4", "k1", 8.0, T0), log("r1", "k1", 1.0, T0)), true))
                .isEqualTo(1);
        assertCharged(15.0);
    }

    @Test
    void aRequestIdTwiceInOneBatchIsStoredOnce() {
        int[] stored = spendLogs.insertBatch(List.of(log("r1", "k1", 1.0, T0), log("r1", "k1", 1.0, T0)));

        assertThat(stored).containsExactly(1, 0);
        assertCharged(1.0);
    }

    @Test
    void rowsOfDeletedKeysOrWithoutAKeyAreStillStored() {
        keys.deleteByHashes(List.of(hash("k1")));

        int[] stored = spendLogs.insertBatch(List.of(log("r1", "k1", 1.0, T0), log("r2", null, 2.0, T0)));

        assertThat(stored).containsExactly(1, 1);
        assertThat(users.find("alice").orElseThrow().budget().spend()).isCloseTo(3.0, within(EPS));
        assertThat(spendLogs.logs(all())).extracting(SpendLogRow::requestId).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    void anEmptyBatchDoesNothing() {
        assertThat(spendLogs.insertBatch(List.of())).isEmpty();
    }

    @Test
    void twoWritersOfTheSameBatchChargeEachRequestOnce() throws Exception {
        List<SpendLogRow> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(log("r" + i, "k1", 0.01, T0));
        }
        CountDownLatch start = new CountDownLatch(1);
        Callable<int[]> writer = () -> {
            start.await();
            return spendLogs.insertBatch(batch);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<int[]> a = pool.submit(writer);
            Future<int[]> b = pool.submit(writer);
            start.countDown();
            int[] ra = a.get(30, TimeUnit.SECONDS);
            int[] rb = b.get(30, TimeUnit.SECONDS);
            for (int i = 0; i < batch.size(); i++) {
                assertThat(ra[i] + rb[i])
                        .as("row %d stored by exactly one writer", i)
                        .isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
        assertCharged(0.5);
    }

    @Test
    void twoWritersOfDifferentBatchesOfOneKeyAddUpItsSpendPerModel() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<int[]>> writers = new ArrayList<>();
                for (int writer = 0; writer < 2; writer++) {
                    List<SpendLogRow> rows = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        rows.add(log("r" + round + "-" + writer + "-" + i, "k1", 0.01, T0));
                    }
                    writers.add(pool.submit(() -> {
                        start.await();
                        return spendLogs.insertBatch(rows);
                    }));
                }
                start.countDown();
                for (Future<int[]> w : writers) {
                    assertThat(w.get(30, TimeUnit.SECONDS)).containsOnly(1);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertCharged(2.0); // 5 rounds of two batches of 20 rows at 0.01
        assertThat(keys.findByHash(hash("k1")).orElseThrow().modelSpend())
                .hasEntrySatisfying("gpt-4o", v -> assertThat(v).isCloseTo(1.0 + 2.0, within(EPS)));
    }

    @Test
    void logsFilterByKeyUserTeamAndTimeNewestFirst() {
        SpendLogRow early = log("r1", "k1", 0.1, T0);
        SpendLogRow late = log("r2", "k1", 0.1, T0.plus(Duration.ofHours(1)));
        SpendLogRow master = log("r3", null, 0.1, T0.plus(Duration.ofHours(2)));
        spendLogs.insertBatch(List.of(early, late, master));

        assertThat(spendLogs.logs(all())).containsExactly(master, late, early);
        assertThat(spendLogs.logs(new SpendLogStore.Filter(hash("k1"), null, null, null, null, null, 10)))
                .containsExactly(late, early);
        assertThat(spendLogs.logs(new SpendLogStore.Filter(null, "alice", "team-1", null, null, null, 2)))
                .containsExactly(master, late);
        assertThat(spendLogs.logs(new SpendLogStore.Filter(null, "bob", null, null, null, null, 10)))
                .isEmpty();
        assertThat(spendLogs.logs(new SpendLogStore.Filter(
                        null, null, "team-1", null, T0.plusSeconds(1), T0.plus(Duration.ofHours(2)), 10)))
                .containsExactly(late);
    }

    @Test
    void aKeyThatMovedToAnotherTeamHasEachRowFoundUnderItsOwnTeam() {
        SpendLogRow before = log("r1", "k1", 0.1, T0);
        SpendLogRow after = chargedTo(log("r2", "k1", 0.1, T0.plusSeconds(60)), "alice", "team-2");
        spendLogs.insertBatch(List.of(before));
        spendLogs.insertBatch(List.of(after));

        assertThat(spendLogs.logs(byOwner(null, "team-1"))).containsExactly(before);
        assertThat(spendLogs.logs(byOwner(null, "team-2"))).containsExactly(after);
        assertThat(spendLogs.logs(byOwner("alice", null))).containsExactly(after, before);
        assertThat(spendLogs.logs(byOwner("alice", "team-2"))).containsExactly(after);
    }

    @Test
    void aBatchRolledBackRecordsItsOwnersWhenItIsWrittenAgain() {
        SpendLogRow row = chargedTo(log("r1", "k1", 0.1, T0), "carol", "team-3");
        SpendLogRow tooLong = log("r".repeat(200), "k1", 0.1, T0); // request_id is VARCHAR(128)

        assertThatThrownBy(() -> spendLogs.insertBatch(List.of(row, tooLong))).isInstanceOf(StoreException.class);
        assertThat(spendLogs.logs(all())).isEmpty();
        spendLogs.insertBatch(List.of(row));

        assertThat(spendLogs.logs(byOwner("carol", null))).containsExactly(row);
        assertThat(spendLogs.logs(byOwner(null, "team-3"))).containsExactly(row);
    }

    private static SpendLogStore.Filter byOwner(String userId, String teamId) {
        return new SpendLogStore.Filter(null, userId, teamId, null, null, null, 10);
    }

    private static SpendLogRow chargedTo(SpendLogRow r, String userId, String teamId) {
        return new SpendLogRow(
                r.requestId(),
                r.apiKey(),
                r.keyAlias(),
                userId,
                teamId,
                r.organizationId(),
                r.model(),
                r.modelGroup(),
                r.deployment(),
                r.provider(),
                r.promptTokens(),
                r.completionTokens(),
                r.spend(),
                r.cacheHit(),
                r.status(),
                r.startTime(),
                r.endTime());
    }

    @Test
    void totalsGroupByKeyModelAndProviderWithinDates() {
        SpendLogRow other = new SpendLogRow(
                "r9",
                hash("k2"),
                "k2-alias",
                "bob",
                "team-2",
                null,
                "claude-3-5-sonnet",
                "claude",
                "anthropic/x",
                "anthropic",
                10,
                5,
                2.0,
                false,
                200,
                T0,
                T0);
        spendLogs.insertBatch(List.of(
                log("r1", "k1", 0.5, T0),
                log("r2", "k1", 0.25, T0),
                other,
                log("r3", "k1", 100, T0.plus(Duration.ofDays(2)))));
        Instant end = T0.plus(Duration.ofDays(1));

        assertThat(spendLogs.totals(SpendLogStore.Group.KEY, T0, end))
                .containsExactly(
                        new SpendLogStore.Total(hash("k2"), 1, 10, 5, 15, 2.0),
                        new SpendLogStore.Total(hash("k1"), 2, 200, 40, 240, 0.75));
        assertThat(spendLogs.totals(SpendLogStore.Group.PROVIDER, null, null))
                .extracting(SpendLogStore.Total::group, SpendLogStore.Total::requests)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("openai", 3L),
                        org.assertj.core.groups.Tuple.tuple("anthropic", 1L));
        assertThat(spendLogs.totals(SpendLogStore.Group.MODEL, T0, end))
                .extracting(SpendLogStore.Total::group)
                .containsExactly("claude-3-5-sonnet", "gpt-4o-2024-08-06");
        assertThat(spendLogs.totals(SpendLogStore.Group.TEAM, end, null))
                .containsExactly(new SpendLogStore.Total("team-1", 1, 100, 20, 120, 100));
        assertThat(spendLogs.totals(SpendLogStore.Group.USER, T0, end))
                .extracting(SpendLogStore.Total::group)
                .containsExactly("bob", "alice");
    }

    @Test
    void dailyActivityCountsEachUtcDay() {
        Instant day1 = Instant.parse("2025-03-10T23:59:59Z");
        Instant day2 = Instant.parse("2025-03-11T00:00:00Z");
        spendLogs.insertBatch(List.of(
                log("r1", "k1", 0.5, day1),
                log("r2", "k1", 0.25, day2),
                log("r3", "k1", 0.25, day2.plus(Duration.ofHours(5))),
                log("r4", "k1", 9, Instant.parse("2025-03-20T10:00:00Z"))));

        assertThat(spendLogs.daily(Instant.parse("2025-03-10T00:00:00Z"), Instant.parse("2025-03-12T00:00:00Z")))
                .containsExactly(
                        new SpendLogStore.Day(LocalDate.parse("2025-03-10"), 1, 120, 0.5),
                        new SpendLogStore.Day(LocalDate.parse("2025-03-11"), 2, 240, 0.5));
        assertThat(spendLogs.daily(null, null)).hasSize(3);
    }

    private static SpendLogStore.Filter all() {
        return new SpendLogStore.Filter(null, null, null, null, null, null, 1_000);
    }

    /** The key was seeded with model spend 1.0 and no spend; everything else with none. */
    private void assertCharged(double usd) {
        assertThat(keys.findByHash(hash("k1")).orElseThrow().budget().spend()).isCloseTo(usd, within(EPS));
        assertThat(users.find("alice").orElseThrow().budget().spend()).isCloseTo(usd, within(EPS));
        assertThat(teams.find("team-1").orElseThrow().budget().spend()).isCloseTo(usd, within(EPS));
        assertThat(orgs.find("org-1").orElseThrow().budget().spend()).isCloseTo(usd, within(EPS));
    }
}
