package io.llmux.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmux.config.LoggingConfig;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdlePriorityTest {
    private final Log log = new Log(
            new LogSink(new ByteArrayOutputStream(), () -> false), LoggingConfig.Level.INFO, System::currentTimeMillis);

    /** Skips (saying why) where there is no {@code /proc} or no {@code chrt}: priorities then stay as they are. */
    static void assumeChrt() {
        boolean proc = IdlePriority.currentThreadId() != null;
        boolean chrt;
        try {
            chrt = new ProcessBuilder("chrt", "--version")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start()
                            .waitFor()
                    == 0;
        } catch (Exception e) {
            chrt = false;
        }
        if (!proc || !chrt) {
            System.out.println("IdlePriority: skipped, " + (proc ? "no chrt on the PATH" : "no /proc/thread-self"));
        }
        assumeTrue(proc && chrt, "needs Linux's /proc/thread-self and chrt");
    }

    @Test
    void aThreadLowersItselfToIdleAndOthersKeepTheirPriority() throws Exception {
        assumeChrt();
        CompletableFuture<int[]> seen = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            int before = IdlePriority.policyOf(IdlePriority.currentThreadId());
            boolean lowered = IdlePriority.of(List.of(), log).lowerCurrentThread();
            int after = IdlePriority.policyOf(IdlePriority.currentThreadId());
            seen.complete(new int[] {before, lowered ? 1 : 0, after});
        });
        t.join();
        int[] r = seen.get(5, TimeUnit.SECONDS);
        assertThat(r[0]).as("normal priority before").isZero();
        assertThat(r[1]).as("reported lowered").isEqualTo(1);
        assertThat(r[2]).isEqualTo(IdlePriority.SCHED_IDLE);
        assertThat(IdlePriority.policyOf(IdlePriority.currentThreadId()))
                .as("the caller's own thread is untouched")
                .isZero();
    }

    @Test
    void helperThreadsAreFoundByNameEvenPastTheFifteenCharactersLinuxKeeps() throws Exception {
        assumeChrt();
        CountDownLatch stop = new CountDownLatch(1);
        CompletableFuture<String> helperTid = new CompletableFuture<>();
        Runnable park = () -> {
            helperTid.complete(IdlePriority.currentThreadId());
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread helper = Thread.ofPlatform().name("llmux-test-serialization").start(park);
        CompletableFuture<String> otherTid = new CompletableFuture<>();
        Thread other = Thread.ofPlatform().name("llmux-test-other").start(() -> {
            otherTid.complete(IdlePriority.currentThreadId());
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            IdlePriority.of(List.of("llmux-test-serialization"), log).lowerHelpers();
            assertThat(IdlePriority.policyOf(helperTid.get(5, TimeUnit.SECONDS)))
                    .isEqualTo(IdlePriority.SCHED_IDLE);
            assertThat(IdlePriority.policyOf(otherTid.get(5, TimeUnit.SECONDS)))
                    .as("a thread of another name keeps its priority")
                    .isZero();
        } finally {
            stop.countDown();
            helper.join();
            other.join();
        }
    }
}
