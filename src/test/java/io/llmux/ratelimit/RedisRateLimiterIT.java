package io.llmux.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.llmux.config.LoggingConfig;
import io.llmux.config.RedisConfig;
import io.llmux.ratelimit.Limit.Kind;
import io.llmux.redis.RedisClients;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import io.llmux.testing.Services;
import io.llmux.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The contract against the real Redis on 127.0.0.1:6379, and what sharing adds: replicas together admit exactly a
 * limit, and a dead replica's parallel slots lapse. Each test writes under its own random key prefix and deletes it
 * afterwards. The scripts read Redis TIME, shifted by as much as the test clock has been moved.
 */
class RedisRateLimiterIT extends RateLimiterContract {
    private static RedisConfig config;
    private final String prefix = "llmux:test:" + UUID.randomUUID() + ":ratelimit:";
    private RedisClient redis;

    @BeforeAll
    static void redis() {
        Services.Endpoint redis = Services.requireRedis();
        config = new RedisConfig(redis.addr(), "", 0, Duration.ofSeconds(2), RedisConfig.OnError.FAIL_OPEN);
    }

    @Override
    protected RateLimiter create(TestClock clock) {
        redis = RedisClients.create(config);
        return replica(clock);
    }

    /** One more gateway replica on the same Redis and keys. */
    private RedisRateLimiter replica(TestClock clock) {
        long start = clock.millis();
        return new RedisRateLimiter(redis, prefix, Window.LEASE_TTL, () -> clock.millis() - start, false);
    }

    @Override
    protected void cleanUp() {
        List<String> ours = ourKeys();
        if (!ours.isEmpty()) {
            redis.del(ours.toArray(String[]::new));
        }
        assertThat(ourKeys()).isEmpty();
        redis.close();
    }

    private List<String> ourKeys() {
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
    void twoReplicasUnderOneHundredConcurrentRequestsAdmitExactlyTheLimit() throws Exception {
        List<RateLimiter> replicas = List.of(limiter, replica(clock));
        List<Limit> limits = List.of(key(Kind.RPM, 41), team(Kind.TPM, 10_000));

        assertThat(admitConcurrently(replicas, 100, limits, 10)).isEqualTo(41);
        assertThat(admitConcurrently(replicas, 100, List.of(team(Kind.TPM, 10_000)), 100))
                .as("41 × 10 tokens taken, room for 95 more of 100")
                .isEqualTo(95);
        assertThat(admitConcurrently(replicas, 100, List.of(key(Kind.PARALLEL, 7)), 0))
                .isEqualTo(7);
    }

    @Test
    void heldBackTokenCorrectionsOfManyAdmissionsReachRedisTogetherOnFlush() throws Exception {
        long start = clock.millis();
        RedisRateLimiter deferring =
                new RedisRateLimiter(redis, prefix, Window.LEASE_TTL, () -> clock.millis() - start, true);
        Limit keyTpm = key(Kind.TPM, 10_000);
        Limit teamTpm = team(Kind.TPM, 10_000);
        for (int i = 0; i < 3; i++) {
            deferring.settle(deferring.admit(List.of(keyTpm, teamTpm), 1_000), 100);
        }
        Admission before = deferring.admit(List.of(keyTpm), 0);
        assertThat(before.states().getFirst().remaining())
                .as("the estimates stand until the corrections are sent")
                .isEqualTo(7_000);

        deferring.flush();

        assertThat(deferring.admit(List.of(keyTpm), 0).states().getFirst().remaining())
                .isEqualTo(9_700);
        assertThat(deferring.admit(List.of(teamTpm), 0).states().getFirst().remaining())
                .isEqualTo(9_700);
    }

    @Test
    void aParallelSlotIsFreedForTheNextAdmissionWhileItsCorrectionWaitsForTheFlush() throws Exception {
        RedisRateLimiter deferring = deferring();
        List<Limit> limits = List.of(key(Kind.PARALLEL, 1), key(Kind.TPM, 10_000));
        deferring.settle(deferring.admit(limits, 1_000), 10);

        Admission next = deferring.admit(limits, 0);

        assertThat(next.states().get(0).remaining())
                .as("the slot freed and taken again")
                .isZero();
        assertThat(next.states().get(1).remaining())
                .as("the estimate stands until the flush")
                .isEqualTo(9_000);
        deferring.flush();
        assertThat(deferring
                        .admit(List.of(key(Kind.TPM, 10_000)), 0)
                        .states()
                        .getFirst()
                        .remaining())
                .isEqualTo(9_990);
    }

    @Test
    void aHeldBackReleaseRidesOnThisReplicasNextAdmissionAheadOfIt() throws Exception {
        RedisRateLimiter deferring = deferring();
        Limit parallel = key(Kind.PARALLEL, 1);
        Admission a = deferring.admit(List.of(parallel), 0);

        deferring.settle(a, 0);
        assertThat(redis.zcard(prefix + "{r}:parallel:k1"))
                .as("held back: Redis still counts the slot")
                .isEqualTo(1);
        assertThat(deferring.releasesPending()).isTrue();

        Admission next = deferring.admit(List.of(parallel), 0);

        assertThat(next.states().getFirst().remaining()).isZero();
        assertThat(redis.zrange(prefix + "{r}:parallel:k1", 0, -1)).containsExactly(next.id());
        assertThat(deferring.releasesPending())
                .as("confirmed by the admission's reply")
                .isFalse();
    }

    @Test
    void aHeldBackReleaseIsAppliedEvenByAnAdmissionThatIsRefused() throws Exception {
        RedisRateLimiter deferring = deferring();
        List<Limit> limits = List.of(key(Kind.RPM, 1), key(Kind.PARALLEL, 1));
        deferring.settle(deferring.admit(limits, 0), 0);

        RateLimited refused = catchThrowableOfType(RateLimited.class, () -> deferring.admit(limits, 0));

        assertThat(refused.limit().kind()).isEqualTo(Kind.RPM);
        assertThat(redis.exists(prefix + "{r}:parallel:k1")).isFalse();
        assertThat(deferring.releasesPending()).isFalse();
    }

    @Test
    void sentReleasesFreeTheSlotForOtherReplicas() throws Exception {
        RedisRateLimiter deferring = deferring();
        Limit parallel = key(Kind.PARALLEL, 1);
        deferring.settle(deferring.admit(List.of(parallel), 0), 0);
        assertThat(catchThrowableOfType(RateLimited.class, () -> limiter.admit(List.of(parallel), 0)))
                .as("another replica sees the slot until the release is sent")
                .isNotNull();

        assertThat(deferring.sendReleases()).isEqualTo(1);

        assertThat(deferring.releasesPending()).isFalse();
        assertThat(limiter.admit(List.of(parallel), 0).states().getFirst().remaining())
                .isZero();
        assertThat(deferring.sendReleases()).as("nothing left to send").isZero();
    }

    @Test
    void aSettlementOnTheSharedLimiterFreesTheSlotForAnotherReplicaOnItsOwn() throws Exception {
        Limit parallel = key(Kind.PARALLEL, 1);
        RedisRateLimiter deferring = deferring();
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        LogSink sink = new LogSink(logged, () -> false);
        try (FallbackRateLimiter replica = new FallbackRateLimiter(
                deferring,
                new LocalRateLimiter(clock),
                RedisConfig.OnError.FAIL_OPEN,
                clock,
                new Log(sink, LoggingConfig.Level.INFO, clock::millis))) {
            // 200 times: a release written without waiting for Redis's reply lost this race now and then
            for (int i = 0; i < 200; i++) {
                replica.settle(replica.admit(List.of(parallel), 0), 0);

                assertThat(deferring.releasesPending())
                        .as("sent and confirmed before the settlement returned, so before the answer's last byte")
                        .isFalse();
                limiter.settle(limiter.admit(List.of(parallel), 0), 0); // refused if the slot were still taken
            }
            assertThat(replica.redisErrors()).isZero();
        } finally {
            sink.close();
        }
    }

    private RedisRateLimiter deferring() {
        long start = clock.millis();
        return new RedisRateLimiter(redis, prefix, Window.LEASE_TTL, () -> clock.millis() - start, true);
    }

    @Test
    void aDeadReplicasParallelSlotLapses() throws Exception {
        Limit parallel = key(Kind.PARALLEL, 1);
        RateLimiter dying = replica(clock);
        dying.admit(List.of(parallel), 0); // and the replica dies before it settles
        assertThat(catchThrowableOfType(RateLimited.class, () -> limiter.admit(List.of(parallel), 0)))
                .as("the other replica sees the slot taken")
                .isNotNull();

        clock.advance(Window.LEASE_TTL.plusSeconds(1));

        assertThat(limiter.admit(List.of(parallel), 0).states().getFirst().remaining())
                .isZero();
    }

    @Test
    void aSettleOnAnotherReplicaReleasesTheSlot() throws Exception {
        Limit parallel = key(Kind.PARALLEL, 1);
        Admission a = limiter.admit(List.of(parallel), 0);

        replica(clock).settle(a, 0);

        assertThat(limiter.admit(List.of(parallel), 0)).isNotNull();
    }

    @Test
    void everyKeyOfTheLimiterSharesOneClusterSlotAndHoldsIntegers() throws Exception {
        List<Limit> limits = List.of(
                key(Kind.RPM, 100),
                key(Kind.TPM, 4_000_000_000_000L),
                key(Kind.PARALLEL, 5),
                new Limit("user '{alice}'", "{alice}", Kind.RPM, 100),
                new Limit("team 'ml'", "ml:research}{x", Kind.TPM, 100_000),
                new Limit("key 'alice' on model 'gpt-4o'", "k1#openai/gpt-4o {eu}", Kind.TPM, 100_000));
        Admission a = limiter.admit(limits, 12_345);
        limiter.settle(a, 67_890);

        List<String> written = ourKeys();
        assertThat(written).hasSize(5).contains(prefix + "{r}:tpm:k1#openai/gpt-4o {eu}");
        Set<Integer> slots = new HashSet<>();
        for (String name : written) {
            slots.add(JedisClusterCRC16.getSlot(name));
        }
        assertThat(slots).hasSize(1);
        String second = Long.toString(a.second());
        assertThat(redis.hgetAll(prefix + "{r}:tpm:k1"))
                .as("the bucket, and the window's running sum and bounds")
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(second, "67890", "sum", "67890", "old", second, "new", second));
        assertThat(redis.exists(prefix + "{r}:parallel:k1"))
                .as("the last slot takes its set with it")
                .isFalse();
        assertThat(redis.pttl(prefix + "{r}:rpm:k1")).isBetween(1L, 61_000L);
    }

    @Test
    void aWindowWithoutItsRunningSumIsSummedFromItsBucketsOnce() throws Exception {
        Limit tpm = key(Kind.TPM, 10_000);
        long second = limiter.admit(List.of(tpm), 100).second();
        String name = prefix + "{r}:tpm:k1";
        // as a gateway that kept buckets only left it: the sum fields gone, two more buckets, one of them stale
        redis.hdel(name, "sum", "old", "new");
        redis.hset(name, Map.of(Long.toString(second - 10), "300", Long.toString(second - 60), "5000"));

        Admission a = limiter.admit(List.of(tpm), 1_000);

        assertThat(a.states().getFirst().remaining()).isEqualTo(10_000 - 100 - 300 - 1_000);
        assertThat(redis.hgetAll(name))
                .containsEntry("sum", "1400")
                .containsEntry("old", Long.toString(second - 10))
                .doesNotContainKey(Long.toString(second - 60));
    }

    @Test
    void theRunningSumIsWhatTheBucketsHoldThroughAdmissionsCorrectionsAndTime() throws Exception {
        long start = clock.millis();
        RedisRateLimiter deferring =
                new RedisRateLimiter(redis, prefix, Window.LEASE_TTL, () -> clock.millis() - start, true);
        Limit tpm = key(Kind.TPM, Long.MAX_VALUE / 4);
        String name = prefix + "{r}:tpm:k1";
        Random random = new Random(7);
        List<Admission> open = new ArrayList<>();
        for (int step = 0; step < 600; step++) {
            int pick = random.nextInt(10);
            if (pick < 5) {
                open.add(deferring.admit(List.of(tpm), random.nextInt(1_000)));
            } else if (pick < 8 && !open.isEmpty()) {
                deferring.settle(open.remove(random.nextInt(open.size())), random.nextInt(2_000));
            } else if (pick == 8) {
                deferring.flush();
            } else {
                clock.advance(Duration.ofMillis(random.nextInt(20_000))); // some steps skip most of a window
            }
        }
        deferring.flush();

        long now = deferring.admit(List.of(tpm), 0).second(); // sweeps the window up to now
        Map<String, String> fields = redis.hgetAll(name);
        long sum = 0;
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;
        for (Map.Entry<String, String> f : fields.entrySet()) {
            if (f.getKey().chars().allMatch(Character::isDigit)) {
                long s = Long.parseLong(f.getKey());
                assertThat(s).as("only the window's seconds are kept").isBetween(now - 59, now);
                sum += Long.parseLong(f.getValue());
                oldest = Math.min(oldest, s);
                newest = Math.max(newest, s);
            }
        }
        if (sum == 0 && oldest == Long.MAX_VALUE) {
            assertThat(fields).doesNotContainKeys("sum", "old", "new");
            return;
        }
        assertThat(Long.parseLong(fields.get("sum"))).isEqualTo(sum);
        assertThat(Long.parseLong(fields.get("old"))).isLessThanOrEqualTo(oldest);
        assertThat(Long.parseLong(fields.get("new"))).isEqualTo(newest);
    }
}
