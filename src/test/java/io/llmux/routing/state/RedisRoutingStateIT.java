package io.llmux.routing.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.llmux.config.RedisConfig;
import io.llmux.redis.RedisClients;
import io.llmux.routing.state.RoutingState.Lease;
import io.llmux.testing.Services;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The contract against the real Redis on 127.0.0.1:6379, and what sharing adds: replicas agree, and a dead replica's
 * leases lapse. Each test writes under its own random key prefix and deletes it afterwards.
 */
class RedisRoutingStateIT extends RoutingStateContract {
    private static final Duration TTL = Duration.ofSeconds(30);

    private static RedisConfig config;
    private final String prefix = "llmux:test:" + UUID.randomUUID() + ":rt:";
    private final List<RoutingState> replicas = new ArrayList<>();
    private final List<RuntimeException> heartbeatErrors = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void redis() {
        Services.Endpoint redis = Services.requireRedis();
        config = new RedisConfig(redis.addr(), "", 0, Duration.ofSeconds(2), RedisConfig.OnError.FAIL_OPEN);
    }

    @Override
    protected RoutingState create(Clock clock) {
        return replica(clock, TTL, null);
    }

    /** A replica that holds starts and finishes back until the test flushes them (its own flush is an hour away). */
    private RedisRoutingState deferring(Clock clock) {
        RedisRoutingState replica = new RedisRoutingState(
                RedisClients.create(config), clock, prefix, TTL, null, Duration.ofHours(1), heartbeatErrors::add);
        replicas.add(replica);
        return replica;
    }

    /** One more router instance on the same Redis and keys; closed with the test's state. */
    private RedisRoutingState replica(Clock clock, Duration ttl, Duration heartbeatEvery) {
        RedisRoutingState replica = new RedisRoutingState(
                RedisClients.create(config), clock, prefix, ttl, heartbeatEvery, null, heartbeatErrors::add);
        replicas.add(replica);
        return replica;
    }

    @Override
    protected void cleanUp() {
        for (RoutingState replica : replicas.subList(1, replicas.size())) { // the first is the state, closed already
            replica.close();
        }
        try (RedisClient redis = RedisClients.create(config)) {
            ScanParams ours = new ScanParams().match(prefix + "*").count(1000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = redis.scan(cursor, ours);
                if (!page.getResult().isEmpty()) {
                    redis.del(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        assertThat(heartbeatErrors).isEmpty();
    }

    @Test
    void twoRouterInstancesSharingRedisAgree() {
        RoutingState one = state;
        RoutingState two = replica(clock, TTL, null);

        Instant until = clock.instant().plusSeconds(60);
        assertThat(one.failed(A, "429", true, 3, until)).isTrue();
        assertThat(two.stats(List.of(A)).get(A).cooledUntil()).isEqualTo(until);

        Lease onOne = one.start(B, 100);
        Lease onTwo = two.start(B, 30);
        for (RoutingState replica : List.of(one, two)) {
            DeploymentStats b = replica.stats(List.of(B)).get(B);
            assertThat(b.inFlight()).isEqualTo(2);
            assertThat(b.minuteRequests()).isEqualTo(2);
            assertThat(b.minuteTokens()).isEqualTo(130);
        }
        onTwo.finish(Duration.ofMillis(400), 50);
        assertThat(one.stats(List.of(B)).get(B).inFlight()).isEqualTo(1);
        assertThat(one.stats(List.of(B)).get(B).minuteTokens()).isEqualTo(150);
        assertThat(one.stats(List.of(B)).get(B).latencyMillis()).isEqualTo(400.0);
        onOne.finish(Duration.ofMillis(100), -1);

        Instant later = clock.instant().plusSeconds(5);
        assertThat(one.failed(C, "502", false, 3, later)).isFalse();
        assertThat(two.failed(C, "503", false, 3, later)).isFalse();
        assertThat(one.failed(C, "504", false, 3, later))
                .as("failures count across replicas")
                .isTrue();
        assertThat(two.stats(List.of(C)).get(C).lastError()).isEqualTo("504");

        two.setCooldown(A, null, null);
        assertThat(one.stats(List.of(A)).get(A).cooledUntil()).isNull();
    }

    @Test
    void heldBackFinishesOfManyRequestsLandTogetherWithTheirLatenciesInOrder() {
        RedisRoutingState deferring = deferring(clock);
        Lease first = deferring.start(A, 100);
        Lease second = deferring.start(A, 100);
        Lease other = deferring.start(B, 10);
        deferring.flush(); // the starts in Redis: what follows is about the finishes
        first.finish(Duration.ofMillis(100), 150);
        second.finish(Duration.ofMillis(200), 50);
        other.finish(Duration.ofMillis(40), 10);
        assertThat(state.stats(List.of(A)).get(A).inFlight())
                .as("held back from the other replicas")
                .isEqualTo(2);
        assertThat(deferring.stats(List.of(A)).get(A).inFlight())
                .as("but not from its own")
                .isZero();

        deferring.flush();

        Map<String, DeploymentStats> stats = state.stats(List.of(A, B));
        assertThat(stats.get(A).inFlight()).isZero();
        assertThat(stats.get(A).minuteTokens()).as("corrected to what was used").isEqualTo(200);
        // the moving average as finish-by-finish: 100, then 100 + alpha × (200 − 100)
        assertThat(stats.get(A).latencyMillis()).isCloseTo(100 + LocalDeployment.LATENCY_ALPHA * 100, within(1e-9));
        assertThat(stats.get(B).inFlight()).isZero();
        assertThat(stats.get(B).latencyMillis()).isEqualTo(40);
        assertThat(heartbeatErrors).isEmpty();
    }

    @Test
    void aDeadReplicasLeasesStopCountingWithinTheLeaseTtl() {
        RedisRoutingState dying = replica(clock, TTL, null);
        RoutingState survivor = state;
        dying.start(A, 1);
        survivor.start(A, 1);

        clock.advance(Duration.ofSeconds(20));
        dying.heartbeat(); // its last beat: the lease now lapses at +50 s
        ((RedisRoutingState) survivor).heartbeat();
        clock.advance(Duration.ofSeconds(29));
        ((RedisRoutingState) survivor).heartbeat();
        assertThat(survivor.stats(List.of(A)).get(A).inFlight()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(2)); // +51 s: 31 s after the dead replica's last beat
        assertThat(survivor.stats(List.of(A)).get(A).inFlight())
                .as("only the live replica's lease")
                .isEqualTo(1);
    }

    @Test
    void aLiveReplicasHeartbeatKeepsItsLeasesPastTheTtl() throws InterruptedException {
        CountDownLatch beats = new CountDownLatch(4);
        Clock counting = new BeatCountingClock(Clock.systemUTC(), beats);
        Duration shortTtl = Duration.ofMillis(300);
        RedisRoutingState live = replica(counting, shortTtl, Duration.ofMillis(100));
        RoutingState observer = replica(Clock.systemUTC(), shortTtl, null);
        Lease lease = live.start(A, 1);

        assertThat(beats.await(5, TimeUnit.SECONDS)).as("four heartbeats").isTrue();
        // beats are 100 ms apart and the first comes after the start: the fourth is at least 300 ms after it, when
        // the lease would have lapsed without them
        assertThat(observer.stats(List.of(A)).get(A).inFlight()).isEqualTo(1);

        lease.finish(Duration.ofMillis(1), -1);
        assertThat(observer.stats(List.of(A)).get(A).inFlight()).isZero();
    }

    /** Counts the clock readings made by the heartbeat thread, which reads it once per beat. */
    private static final class BeatCountingClock extends Clock {
        private final Clock inner;
        private final CountDownLatch beats;

        BeatCountingClock(Clock inner, CountDownLatch beats) {
            this.inner = inner;
            this.beats = beats;
        }

        @Override
        public long millis() {
            if (Thread.currentThread().getName().equals("llmux-redis-leases")) {
                beats.countDown();
            }
            return inner.millis();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return inner.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
