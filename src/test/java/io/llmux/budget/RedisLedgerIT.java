package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.budget.BudgetScope.Kind;
import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.testing.Services;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The contract against the real Redis on 127.0.0.1:6379, and what sharing adds: replicas see each other's
 * reservations and spend, a dead replica's reservations lapse, and settlements held back reach Redis together. Each
 * test writes under its own random key prefix and deletes it afterwards.
 */
class RedisLedgerIT extends LedgerContract {
    private static RedisConfig config;
    private final String prefix = "llmux:test:" + UUID.randomUUID() + ":budget:";
    private final List<Ledger> replicas = new ArrayList<>();

    @BeforeAll
    static void redis() {
        Services.Endpoint redis = Services.requireRedis();
        config = new RedisConfig(redis.addr(), "", 0, Duration.ofSeconds(2), RedisConfig.OnError.FAIL_OPEN);
    }

    @Override
    protected Ledger create(Clock clock) {
        return replica(clock);
    }

    /** One more gateway replica on the same Redis and keys, settling at once; closed with the test's ledger. */
    private RedisLedger replica(Clock clock) {
        return replica(clock, false);
    }

    /** One more replica that holds its settlements back until {@link RedisLedger#flush}, as {@link Ledgers} does. */
    RedisLedger deferringReplica(Clock clock) {
        return replica(clock, true);
    }

    private RedisLedger replica(Clock clock, boolean deferSettlements) {
        RedisLedger replica =
                new RedisLedger(RedisClients.create(config), clock, prefix, Ledgers.RESERVATION_TTL, deferSettlements);
        replicas.add(replica);
        return replica;
    }

    @Override
    protected void cleanUp() {
        for (Ledger replica : replicas.subList(1, replicas.size())) { // the first is the ledger, closed already
            replica.close();
        }
        try (RedisClient redis = RedisClients.create(config)) {
            List<String> ours = ourKeys(redis);
            if (!ours.isEmpty()) {
                redis.del(ours.toArray(String[]::new));
            }
        }
    }

    private List<String> ourKeys(RedisClient redis) {
        List<String> found = new ArrayList<>();
        ScanParams match = new ScanParams().match(prefix + "*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, match);
            found.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return found;
    }

    @Test
    void twoReplicasSharingRedisSeeEachOthersReservationsAndSpend() throws BudgetExceeded {
        Ledger one = ledger;
        Ledger two = replica(clock);
        BudgetScope team = team(100, 0);

        Reservation onOne = one.reserve(List.of(key(-1), team), 60 * CENT);
        assertThat(cents(team)).isEqualTo(60);
        assertThatThrownBy(() -> two.reserve(List.of(team), 50 * CENT))
                .as("replica two sees replica one's reservation")
                .isInstanceOf(BudgetExceeded.class);
        Reservation onTwo = two.reserve(List.of(team), 40 * CENT);
        assertThat(onTwo.spentBefore()).containsExactly(60 * CENT);

        one.settle(onOne, 20 * CENT);
        assertThat(two.spent(team)).isEqualTo(60 * CENT);
        two.settle(onTwo, 30 * CENT);
        assertThat(one.spent(team)).isEqualTo(50 * CENT);
        assertThat(one.spent(key(-1))).isEqualTo(20 * CENT);
    }

    @Test
    void aDeadReplicasReservationLapses() throws BudgetExceeded {
        BudgetScope key = key(100);
        RedisLedger dying = replica(clock);
        dying.reserve(List.of(key), 90 * CENT); // and the replica dies before it settles
        dying.close();
        assertThatThrownBy(() -> ledger.reserve(List.of(key), 20 * CENT)).isInstanceOf(BudgetExceeded.class);

        clock.advance(Ledgers.RESERVATION_TTL.minusSeconds(1));
        assertThat(cents(key)).as("still within the lapse").isEqualTo(90);
        clock.advance(Duration.ofSeconds(2));

        assertThat(cents(key)).isZero();
        assertThat(ledger.reserve(List.of(key), 100 * CENT).spentBefore()).containsExactly(0L);
    }

    @Test
    void everyKeyOfTheLedgerSharesOneClusterSlot() throws BudgetExceeded {
        List<BudgetScope> scopes = List.of(
                key(100),
                scope(Kind.USER, "{alice}", 100, 0, 0),
                scope(Kind.TEAM, "ml:research}{x", 100, inDays(30), 0),
                org(100),
                keyOnModel("openai/gpt-4o:mini {eu}#2", 100));
        ledger.reserve(scopes, CENT);

        try (RedisClient redis = RedisClients.create(config)) {
            List<String> written = ourKeys(redis);
            assertThat(written).as("a counter and a reservation set per scope").hasSize(10);
            assertThat(written).contains(prefix + "{b}:c:key:k1#openai/gpt-4o:mini {eu}#2");
            Set<Integer> slots = new HashSet<>();
            for (String name : written) {
                slots.add(JedisClusterCRC16.getSlot(name));
            }
            assertThat(slots).hasSize(1);
        }
    }

    @Test
    void numbersAreStoredAsIntegersAndKeysExpire() throws BudgetExceeded {
        BudgetScope big = new BudgetScope(Kind.ORGANIZATION, "o1", "big", -1, inDays(30), 4_000_000_000_000_000L);
        BudgetScope undated = key(-1);
        ledger.settle(ledger.reserve(List.of(big, undated), 123_456_789_012L), 987_654_321_098L);

        LedgerKeys keys = new LedgerKeys(prefix);
        try (RedisClient redis = RedisClients.create(config)) {
            assertThat(redis.hget(keys.counter(big), "spent")).isEqualTo("4000987654321098");
            assertThat(redis.hget(keys.counter(big), "res")).isEqualTo("0");
            assertThat(redis.hget(keys.counter(big), "end")).isEqualTo(Long.toString(inDays(30)));

            long dated = redis.pexpireTime(keys.counter(big));
            assertThat(dated).as("a day after its period ends").isEqualTo(inDays(31));
            long undatedExpiry = redis.pexpireTime(keys.counter(undated));
            assertThat(undatedExpiry).as("40 days after its last use").isEqualTo(inDays(40));
            assertThat(redis.exists(keys.reservations(undated)))
                    .as("the last reservation settled takes its set with it")
                    .isFalse();

            ledger.reserve(List.of(undated), 1);
            assertThat(redis.pexpireTime(keys.reservations(undated))).isEqualTo(inDays(40));
        }
    }

    @Test
    void heldBackSettlementsOfManyReservationsReachRedisTogetherOnFlush() throws BudgetExceeded {
        RedisLedger deferring = deferringReplica(clock);
        BudgetScope key = key(-1);
        BudgetScope user = user(-1);
        BudgetScope team = team(100, 0);
        BudgetScope org = org(-1);
        // reservations of four, one and two scopes: each takes its own slice of the one call's keys
        Reservation wide = deferring.reserve(List.of(key, user, team, org), 10 * CENT);
        Reservation teamOnly = deferring.reserve(List.of(team), 20 * CENT);
        Reservation keyAndOrg = deferring.reserve(List.of(key, org), 30 * CENT);
        deferring.settle(wide, 4 * CENT);
        deferring.settle(teamOnly, 5 * CENT);
        deferring.settle(keyAndOrg, 6 * CENT);
        assertThat(cents(team))
                .as("the estimates stand until the settlements are sent")
                .isEqualTo(30);
        assertThat(cents(key)).isEqualTo(40);

        assertThat(deferring.flush()).isEqualTo(3);

        assertThat(cents(key)).isEqualTo(10);
        assertThat(cents(user)).isEqualTo(4);
        assertThat(cents(team)).isEqualTo(9);
        assertThat(cents(org)).isEqualTo(10);
        assertThat(deferring.flush()).as("nothing left to send").isZero();
        LedgerKeys keys = new LedgerKeys(prefix);
        try (RedisClient redis = RedisClients.create(config)) {
            for (BudgetScope scope : List.of(key, user, team, org)) {
                assertThat(redis.hget(keys.counter(scope), "res"))
                        .as("%s holds no reservation", scope.kind())
                        .isEqualTo("0");
                assertThat(redis.exists(keys.reservations(scope))).isFalse();
            }
        }
    }

    @Test
    void moreSettlementsThanOneScriptCallTakesAllLand() throws BudgetExceeded {
        RedisLedger deferring = deferringReplica(clock);
        BudgetScope key = key(-1);
        BudgetScope team = team(-1, 0);
        int n = 2 * RedisLedger.FLUSH_MAX + 1;
        for (int i = 0; i < n; i++) {
            deferring.settle(deferring.reserve(List.of(key, team), 2 * CENT), CENT);
        }
        assertThat(cents(key)).isEqualTo(2L * n);

        assertThat(deferring.flush()).isEqualTo(n);

        assertThat(cents(key)).isEqualTo(n);
        assertThat(cents(team)).isEqualTo(n);
    }

    @Test
    void aCostTheDatabaseHasBeforeItsHeldBackSettlementLandsCountsOnce() throws BudgetExceeded {
        RedisLedger deferring = deferringReplica(clock);
        long end = inDays(10);
        Reservation r = deferring.reserve(List.of(scope(Kind.KEY, "k1", 100, end, 0)), 14 * CENT);
        deferring.settle(r, 14 * CENT); // held back, while the spend log writer already stored the cost

        BudgetScope stored = scope(Kind.KEY, "k1", 100, end, 14);
        assertThat(cents(stored)).as("read before the settlement lands").isEqualTo(14);
        deferring.flush();

        assertThat(cents(stored))
                .as("the cost once, not once from the database and once from the settlement")
                .isEqualTo(14);
        assertThat(cents(scope(Kind.KEY, "k1", 100, end, 0))).isEqualTo(14);
    }

    @Test
    void aSettlementThatNeverLandedIsCaughtUpFromTheDatabaseOnceItsReservationLapses() throws BudgetExceeded {
        long end = inDays(10);
        ledger.reserve(List.of(scope(Kind.KEY, "k1", 100, end, 0)), 14 * CENT); // settled, but Redis never heard

        BudgetScope stored = scope(Kind.KEY, "k1", 100, end, 20);
        assertThat(cents(stored))
                .as("spent 0 + reserved 14, the database 20: 6 of it is beyond them")
                .isEqualTo(20);
        clock.set(clock.instant().plus(Ledgers.RESERVATION_TTL).plusSeconds(1));

        assertThat(cents(stored))
                .as("the reservation lapsed: the database's spend")
                .isEqualTo(20);
    }

    @Test
    void aHeldBackSettlementWhoseReservationLapsedMeanwhileAddsOnlyItsCost() throws BudgetExceeded {
        RedisLedger deferring = deferringReplica(clock);
        BudgetScope key = key(100);
        deferring.settle(deferring.reserve(List.of(key), 60 * CENT), 30 * CENT);
        clock.advance(Ledgers.RESERVATION_TTL.plusSeconds(1));
        assertThat(cents(key)).as("lapsed before its settlement was sent").isZero();

        deferring.flush();

        assertThat(cents(key)).as("the estimate is not released twice").isEqualTo(30);
    }

    @Test
    void theFallbackLedgersThreadSendsHeldBackSettlementsWithoutBeingAsked() throws BudgetExceeded {
        BudgetScope key = key(100);
        try (LogSink sink = new LogSink(new ByteArrayOutputStream(), () -> false);
                FallbackLedger fallback = new FallbackLedger(
                        deferringReplica(clock), new LocalLedger(clock), clock, log(sink), RedisLedger.FLUSH_EVERY)) {
            fallback.settle(fallback.reserve(List.of(key), 60 * CENT), 25 * CENT);

            await(() -> ledger.spent(key) == 25 * CENT, "the settlement to reach Redis");
            assertThat(fallback.redisErrors()).isZero();
        }
    }

    @Test
    void closingTheFallbackLedgerSendsTheSettlementsLeft() throws BudgetExceeded {
        BudgetScope key = key(100);
        try (LogSink sink = new LogSink(new ByteArrayOutputStream(), () -> false)) {
            FallbackLedger fallback = new FallbackLedger(
                    deferringReplica(clock), new LocalLedger(clock), clock, log(sink), Duration.ofHours(1));
            fallback.settle(fallback.reserve(List.of(key), 60 * CENT), 25 * CENT);
            fallback.settle(fallback.reserve(List.of(key), 10 * CENT), 5 * CENT);
            assertThat(cents(key))
                    .as("held back: the thread sends only once an hour")
                    .isEqualTo(70);

            fallback.close();

            assertThat(cents(key)).isEqualTo(30);
            assertThat(fallback.redisErrors()).isZero();
        }
    }

    private static Log log(LogSink sink) {
        return new Log(sink, LoggingConfig.Level.INFO, System::currentTimeMillis);
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }
}
