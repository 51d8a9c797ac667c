package io.llmux.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.budget.BudgetScope.Kind;
import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.testing.Services;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The contract against the real Redis on 127.0.0.1:6379, and what sharing adds: replicas see each other's
 * reservations and spend, and a dead replica's reservations lapse. Each test writes under its own random key prefix
 * and deletes it afterwards.
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

    /** One more gateway replica on the same Redis and keys; closed with the test's ledger. */
    private RedisLedger replica(Clock clock) {
        RedisLedger replica = new RedisLedger(RedisClients.create(config), clock, prefix, Ledgers.RESERVATION_TTL);
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
}
