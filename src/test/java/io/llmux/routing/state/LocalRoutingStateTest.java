package io.llmux.routing.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The contract in one process, plus what only the local state promises: no lost counts under contention. */
class LocalRoutingStateTest extends RoutingStateContract {

    @Override
    protected RoutingState create(Clock clock) {
        return new LocalRoutingState(clock);
    }

    @Test
    void concurrentRequestsLoseNoCounts() throws InterruptedException {
        int threads = 8;
        int each = 5_000;
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            started.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        RoutingState.Lease lease = state.start(A, 10);
                        lease.finish(Duration.ofMillis(5), 11);
                        lease.finish(Duration.ofMillis(5), 11);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }));
        }
        go.countDown();

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        DeploymentStats stats = state.stats(List.of(A)).get(A);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.minuteRequests()).isEqualTo((long) threads * each);
        assertThat(stats.minuteTokens()).isEqualTo(11L * threads * each);
        assertThat(stats.latencyMillis()).isEqualTo(5.0);
        assertThat(started).hasSize(threads);
    }
}
