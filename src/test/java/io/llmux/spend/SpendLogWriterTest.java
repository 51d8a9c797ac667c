package io.llmux.spend;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.config.LoggingConfig;
import io.llmux.store.SpendLogRow;
import io.llmux.telemetry.Log;
import io.llmux.telemetry.LogSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpendLogWriterTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final LogSink sink = new LogSink(logged, () -> false);
    private final Log log = new Log(sink, LoggingConfig.Level.INFO, System::currentTimeMillis);
    private final FakeDatabase db = new FakeDatabase();
    private final List<SpendLogWriter> writers = new ArrayList<>();

    @AfterEach
    void stop() {
        writers.forEach(w -> w.drain(Duration.ofMillis(200)));
        sink.close();
    }

    @Test
    void rowsAreStoredInBatchesSoonAfterTheyAreRecorded() {
        SpendLogWriter w = writer(settings(10_000, 1 << 20));
        for (int i = 0; i < 1_200; i++) {
            w.record(row("r" + i, 0.001));
        }
        await(() -> db.rows.size() == 1_200, "all rows stored");
        assertThat(w.stored()).isEqualTo(1_200);
        assertThat(db.largestBatch.get()).as("batches of at most batchRows").isLessThanOrEqualTo(500);
        assertThat(db.batches.get()).as("rows go in batches, not one by one").isLessThan(100);
    }

    @Test
    void theSinkIsToldWhenRowsWaitBehindTheBatchSoItNeedNotPause() throws Exception {
        db.gate = new java.util.concurrent.CountDownLatch(1);
        SpendLogWriter w = writer(settings(10_000, 1 << 20));
        for (int i = 0; i < 3_000; i++) {
            w.record(row("r" + i, 0.001));
        }
        db.gate.countDown();
        await(() -> db.rows.size() == 3_000, "all rows stored");
        assertThat(db.catchingUp)
                .as("batches with more than a batch behind them")
                .contains(true);

        db.catchingUp.clear();
        for (int i = 0; i < 10; i++) {
            w.record(row("late" + i, 0.001));
        }
        await(() -> db.rows.size() == 3_010, "the trickle stored");
        assertThat(db.catchingUp).as("a trickle is written with pauses").containsOnly(false);
    }

    @Test
    void theQuietThreadWritesAtIdlePriorityAndABacklogIsWrittenAtNormalPriorityUntilItIsGone() {
        IdlePriorityTest.assumeChrt();
        SpendLogWriter w = writer(settings(10_000, 1 << 20), IdlePriority.of(List.of(), log));
        String quiet = "llmux-spend-writer policy " + IdlePriority.SCHED_IDLE;
        String catchUp = "llmux-spend-catch-up policy 0"; // SCHED_OTHER

        w.record(row("trickle", 0.001));
        await(() -> db.rows.size() == 1, "a trickle stored");
        assertThat(db.writtenBy).containsOnly(quiet);

        // the quiet thread is held in a write while a backlog builds, as when it gets no CPU on a saturated core
        db.gate = new java.util.concurrent.CountDownLatch(1);
        db.writtenBy.clear();
        w.record(row("held", 0.001));
        await(() -> db.entered.get() == 2, "the quiet thread is in its write");
        for (int i = 0; i < 3_000; i++) {
            w.record(row("r" + i, 0.001));
        }
        db.gate.countDown();
        await(() -> db.rows.size() == 3_002, "the backlog stored");
        assertThat(db.writtenBy.get(0))
                .as("the batch in hand is finished by its thread")
                .isEqualTo(quiet);
        assertThat(db.writtenBy.subList(1, db.writtenBy.size()))
                .as("the backlog, written at normal priority")
                .isNotEmpty()
                .containsOnly(catchUp);

        db.writtenBy.clear();
        w.record(row("late", 0.001));
        await(() -> db.rows.size() == 3_003, "the next trickle stored");
        assertThat(db.writtenBy).as("the quiet thread has its turn back").containsOnly(quiet);
        assertThat(db.duplicateWrites.get()).isZero();
    }

    @Test
    void whileTheDatabaseIsAwayRowsAreKeptAndStoredOnceItIsBack() {
        db.failing = true;
        SpendLogWriter w = writer(settings(10_000, 1 << 20));
        for (int i = 0; i < 300; i++) {
            w.record(row("r" + i, 0.01));
        }
        await(() -> !w.healthy(), "the writer notices the database is away");
        assertThat(db.rows).isEmpty();
        db.failing = false;
        await(() -> db.rows.size() == 300, "every row stored after the outage");
        assertThat(w.healthy()).isTrue();
        assertThat(w.dropped()).isZero();
        assertThat(db.duplicateWrites.get())
                .as("each row reached the database once")
                .isZero();
    }

    @Test
    void rowsBeyondMemorySpillToAFileAndAreReplayedWhenTheDatabaseIsBack() throws Exception {
        db.failing = true;
        SpendLogWriter w = writer(settings(50, 1 << 20));
        // rows beyond the queue and the writer's batch in hand must go to disk
        for (int i = 0; i < 1_000; i++) {
            w.record(row("r" + i, 0.01));
        }
        // memory holds the queue plus the one batch the writer is retrying; the rest went to disk
        assertThat(w.spilled()).as("what memory could not hold went to disk").isGreaterThanOrEqualTo(1_000 - 50 - 500);
        assertThat(w.spilled()).isPositive();
        assertThat(spillFiles()).isNotEmpty();
        assertThat(w.spillBytes())
                .as("the backlog on disk, as the metric shows it")
                .isEqualTo(spillFiles().stream()
                        .mapToLong(p -> p.toFile().length())
                        .sum());
        db.failing = false;
        await(() -> db.rows.size() == 1_000, "memory and spill file both stored");
        await(() -> spillFiles().isEmpty(), "the replayed spill file is deleted");
        assertThat(w.spillBytes()).isZero();
        assertThat(w.dropped()).isZero();
    }

    @Test
    void aSpilledBacklogIsReplayedBatchAfterBatchWithoutWaitingForRowsInMemory() {
        db.failing = true;
        // a full batch from memory is waited for up to a minute: a replay that waited so before each of its
        // batches would need minutes for these rows
        SpendLogWriter w = writer(
                new SpendLogWriter.Settings(600, 1 << 22, 500, Duration.ofSeconds(60), Duration.ofMillis(50), 2_000));
        for (int i = 0; i < 3_000; i++) {
            w.record(row("r" + i, 0.01));
        }
        assertThat(w.spilled()).isGreaterThanOrEqualTo(3_000 - 600 - 500);
        db.failing = false;
        await(() -> db.rows.size() == 3_000, "memory and the spilled rows stored, in seconds");
        await(() -> w.spillBytes() == 0, "the spill backlog gone");

        w.record(row("after", 0.01));
        sleep(300);
        assertThat(db.rows)
                .as("with nothing on disk, memory waits for a full batch again")
                .doesNotContainKey("after");
    }

    @Test
    void beyondTheSpillBoundRowsAreDroppedAndCounted() {
        db.failing = true;
        SpendLogWriter w = writer(settings(10, 2_000));
        for (int i = 0; i < 1_000; i++) {
            w.record(row("r" + i, 0.01));
        }
        assertThat(w.dropped()).isPositive();
        assertThat(w.dropped() + w.spilled())
                .as("every row is either kept or counted")
                .isGreaterThanOrEqualTo(190);
        sink.flush(); // the log writer polls; let it catch up
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("spend rows are being dropped");
    }

    @Test
    void drainWithTheDatabaseAwaySpillsEverythingAndTheNextStartStoresIt() {
        db.failing = true;
        SpendLogWriter first = new SpendLogWriter(db, dir, settings(10_000, 1 << 20), log);
        for (int i = 0; i < 250; i++) {
            first.record(row("r" + i, 0.01));
        }
        first.drain(Duration.ofMillis(300));
        assertThat(first.spilled()).isEqualTo(250);
        first.record(row("late", 0.01));
        assertThat(first.spilled())
                .as("a row recorded after drain is spilled, not lost")
                .isEqualTo(251);

        db.failing = false;
        writer(settings(10_000, 1 << 20));
        await(() -> db.rows.size() == 251, "the next start replays the spill file");
        await(() -> spillFiles().isEmpty(), "and deletes it");
    }

    @Test
    void drainWithTheDatabaseUpStoresWhatIsQueued() {
        SpendLogWriter w = new SpendLogWriter(db, dir, settings(10_000, 1 << 20), log);
        for (int i = 0; i < 700; i++) {
            w.record(row("r" + i, 0.01));
        }
        w.drain(Duration.ofSeconds(5));
        assertThat(db.rows).hasSize(700);
        assertThat(spillFiles()).isEmpty();
    }

    @Test
    void aLineCutByACrashIsSkippedAndTheRestReplayed() throws Exception {
        Files.writeString(
                dir.resolve("spend-spill.jsonl"),
                SpendLogJson.line(row("a", 0.5)) + "\n{\"request_id\":\"b\",\"spe\n" + SpendLogJson.line(row("c", 0.25))
                        + "\n");
        writer(settings(10_000, 1 << 20));
        await(() -> db.rows.size() == 2, "the good rows are stored");
        assertThat(db.rows.keySet()).containsExactlyInAnyOrder("a", "c");
        assertThat(db.rows.get("a").spend()).isEqualTo(0.5);
        assertThat(db.catchingUp).as("replayed rows are a backlog").containsOnly(true);
    }

    @Test
    void aRowSurvivesTheSpillFileFieldForField() throws Exception {
        SpendLogRow r = new SpendLogRow(
                "req-1",
                "ab".repeat(32),
                "alias",
                "user-1",
                "team-1",
                "org-1",
                "gpt-4o",
                "fast",
                "openai/gpt-4o",
                "openai",
                12,
                34,
                0.000123,
                true,
                200,
                Instant.ofEpochMilli(1_700_000_000_000L),
                Instant.ofEpochMilli(1_700_000_001_234L));
        assertThat(SpendLogJson.parse(SpendLogJson.line(r))).isEqualTo(r);
        SpendLogRow nulls = new SpendLogRow(
                "req-2",
                null,
                null,
                null,
                null,
                null,
                "m",
                null,
                "",
                null,
                0,
                0,
                0,
                false,
                502,
                Instant.EPOCH,
                Instant.EPOCH);
        assertThat(SpendLogJson.parse(SpendLogJson.line(nulls))).isEqualTo(nulls);
    }

    private SpendLogWriter writer(SpendLogWriter.Settings settings) {
        SpendLogWriter w = new SpendLogWriter(db, dir, settings, log);
        writers.add(w);
        return w;
    }

    private SpendLogWriter writer(SpendLogWriter.Settings settings, IdlePriority priority) {
        SpendLogWriter w = new SpendLogWriter(db, dir, settings, log, priority);
        writers.add(w);
        return w;
    }

    private static SpendLogWriter.Settings settings(int queueRows, long spillBytes) {
        return new SpendLogWriter.Settings(
                queueRows, spillBytes, 500, Duration.ofMillis(20), Duration.ofMillis(50), 2_000);
    }

    private List<Path> spillFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("spend-spill"))
                    .filter(p -> p.toFile().length() > 0)
                    .toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static SpendLogRow row(String id, double spend) {
        return row(id, "alias", spend);
    }

    /** A row of a keyed request; SpillFileTest's too. */
    static SpendLogRow row(String id, String alias, double spend) {
        Instant t = Instant.ofEpochMilli(1_700_000_000_000L);
        return new SpendLogRow(
                id,
                "k".repeat(64),
                alias,
                "u",
                "t",
                "o",
                "gpt-4o",
                "gpt-4o",
                "openai/gpt-4o",
                "openai",
                10,
                5,
                spend,
                false,
                200,
                t,
                t.plusMillis(40));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Stores rows by request id, as the real table does; can be made to fail like an unreachable database. */
    static final class FakeDatabase implements SpendSink {
        final Map<String, SpendLogRow> rows = new ConcurrentHashMap<>();
        final AtomicInteger batches = new AtomicInteger();
        final AtomicInteger largestBatch = new AtomicInteger();
        final AtomicInteger duplicateWrites = new AtomicInteger();
        volatile boolean failing;

        /** Per batch written, whether the writer said it was catching up. */
        final List<Boolean> catchingUp = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** When set, writes wait for it: rows then pile up behind the batch in hand. */
        volatile java.util.concurrent.CountDownLatch gate;
        /** Writes begun, counted before the gate. */
        final AtomicInteger entered = new AtomicInteger();
        /** Per batch written: the writing thread's name and its Linux scheduling policy. */
        final List<String> writtenBy = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public int write(List<SpendLogRow> batch, boolean catchingUp) throws Exception {
            entered.incrementAndGet();
            writtenBy.add(Thread.currentThread().getName() + " policy "
                    + IdlePriority.policyOf(IdlePriority.currentThreadId()));
            java.util.concurrent.CountDownLatch g = gate;
            if (g != null) {
                g.await();
            }
            this.catchingUp.add(catchingUp);
            if (failing) {
                throw new java.sql.SQLTransientConnectionException("connection refused");
            }
            batches.incrementAndGet();
            largestBatch.accumulateAndGet(batch.size(), Math::max);
            int fresh = 0;
            for (SpendLogRow r : batch) {
                if (rows.putIfAbsent(r.requestId(), r) == null) {
                    fresh++;
                } else {
                    duplicateWrites.incrementAndGet();
                }
            }
            return fresh;
        }
    }
}
