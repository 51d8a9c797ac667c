package io.llmux.spend;

import io.llmux.store.SpendLogRow;
import io.llmux.telemetry.Log;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes spend rows in batches, never on a request's path. {@link #record} only enqueues: when the database is away
 * rows wait in a bounded queue, then in a spill file, and only beyond that are they dropped (and counted). Once the
 * database answers again, the queue and then the spill file are written. {@link #drain} writes what it can before
 * shutdown and spills the rest, so a restart loses nothing.
 *
 * <p>Two threads take turns at the writing, one batch at a time, never both at once. The quiet one runs at idle CPU
 * priority where the system allows it ({@link IdlePriority}), so its bursts of database work never hold up a request
 * thread on a shared core. Idle priority also means almost no CPU while the core is saturated: when rows pile up
 * beyond {@link Settings#catchUpRows} the catch-up thread, of normal priority, takes over after the batch in hand and
 * writes until the backlog is gone, with its fair share of the core.
 */
public final class SpendLogWriter implements AutoCloseable {

    /**
     * @param queueRows rows kept in memory before spilling
     * @param spillMaxBytes bound of the spill file; rows beyond it are dropped and counted
     * @param batchRows rows per database transaction
     * @param flushEvery the longest a row waits in memory when the database is healthy
     * @param maxBackoff the longest pause between retries while the database fails
     * @param catchUpRows rows waiting from which the catch-up thread takes over the writing
     */
    public record Settings(
            int queueRows,
            long spillMaxBytes,
            int batchRows,
            Duration flushEvery,
            Duration maxBackoff,
            int catchUpRows) {

        public static Settings defaults() {
            return new Settings(100_000, 512L * 1024 * 1024, 500, Duration.ofMillis(200), Duration.ofSeconds(5), 2_000);
        }
    }

    private final SpendSink sink;
    private final Settings settings;
    private final Log log;
    private final IdlePriority priority;
    private final ArrayBlockingQueue<SpendLogRow> queue;
    private final SpillFile spill;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong spilled = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    /** Held for each turn at the writing; the state below it is touched only while holding it. */
    private final ReentrantLock turn = new ReentrantLock();

    private final List<SpendLogRow> batch;
    private SpillFile.Batch replay;
    private long backoffMillis = 50;

    private final Thread quiet;
    private final Thread catchUp;

    private volatile boolean healthy = true;
    private volatile long drainDeadlineNanos = Long.MAX_VALUE;
    private volatile boolean draining;
    /** The catch-up thread's turn: rows piled up (or the writer is draining). */
    private volatile boolean behind;

    private volatile boolean finished;

    /** @param spillDir where the spill file lives; rows spilled by an earlier run are replayed from there */
    public SpendLogWriter(SpendSink sink, Path spillDir, Settings settings, Log log) {
        this(sink, spillDir, settings, log, IdlePriority.of(List.of(), log));
    }

    /** @param priority lowers the quiet thread and the database's own threads doing its work */
    public SpendLogWriter(SpendSink sink, Path spillDir, Settings settings, Log log, IdlePriority priority) {
        this.sink = sink;
        this.settings = settings;
        this.log = log;
        this.priority = priority;
        this.queue = new ArrayBlockingQueue<>(settings.queueRows());
        this.spill = new SpillFile(spillDir, "spend-spill", settings.spillMaxBytes());
        this.batch = new ArrayList<>(settings.batchRows());
        this.catchUp = Thread.ofPlatform().daemon().name("llmux-spend-catch-up").unstarted(() -> run(false));
        this.quiet = Thread.ofPlatform().daemon().name("llmux-spend-writer").unstarted(() -> run(true));
        // both started here, by a thread of normal priority: a thread inherits its creator's policy
        catchUp.start();
        quiet.start();
    }

    /** Enqueues one row. Never blocks on the database; touches the disk only while the database is away. */
    public void record(SpendLogRow row) {
        if (!draining && queue.offer(row)) {
            int size = queue.size();
            if (size >= settings.catchUpRows()) {
                // at or past the mark, not on it: concurrent offers can step over any one size
                if (!behind) {
                    behind = true;
                    LockSupport.unpark(catchUp);
                }
            } else if (size == settings.batchRows()) {
                LockSupport.unpark(behind ? catchUp : quiet);
            }
            return;
        }
        if (spill.append(row)) {
            spilled.incrementAndGet();
        } else if (dropped.getAndIncrement() == 0) {
            log.error("spend rows are being dropped: the database is away and the spill file is full", null);
        }
    }

    /** False while the last write to the database failed. */
    public boolean healthy() {
        return healthy;
    }

    /** Rows dropped because memory and the spill file were full. */
    public long dropped() {
        return dropped.get();
    }

    /** Rows that went to the spill file. */
    public long spilled() {
        return spilled.get();
    }

    /** Rows stored (new ones; a replayed duplicate does not count). */
    public long stored() {
        return stored.get();
    }

    /** Rows waiting in memory. */
    public int queued() {
        return queue.size();
    }

    /** Bytes of spilled rows waiting in the spill file: the backlog on disk, 0 when nothing spilled is unstored. */
    public long spillBytes() {
        return spill.pendingBytes();
    }

    /**
     * Writes what is queued, for up to {@code timeout}; whatever is still unwritten then (the database is away or
     * slow) goes to the spill file for the next start. Rows recorded after this call are spilled.
     */
    public void drain(Duration timeout) {
        drainDeadlineNanos = System.nanoTime() + timeout.toNanos();
        draining = true;
        behind = true; // the last rows are written at normal priority, whatever the load
        // not an interrupt: an interrupted H2 file write closes the database under us. A writer in a backoff pause
        // or waiting for rows is unparked and sees the flag.
        LockSupport.unpark(catchUp);
        LockSupport.unpark(quiet);
        long joinMillis = timeout.plusSeconds(1).toMillis();
        try {
            catchUp.join(joinMillis);
            quiet.join(joinMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // the writer has stopped (or is stuck in the driver past the deadline): anything still queued is spilled
        spillAll(new ArrayList<>());
        spill.close();
    }

    @Override
    public void close() {
        drain(Duration.ofSeconds(5));
    }

    /** One of the two writer threads: takes its turns until the writer is finished. */
    private void run(boolean isQuiet) {
        if (isQuiet) {
            priority.lowerCurrentThread();
        }
        while (!finished) {
            if (behind == isQuiet) {
                pause(settings.flushEvery().toMillis()); // not this thread's turn; unparked when it becomes so
                continue;
            }
            turn.lock();
            try {
                if (finished || behind == isQuiet) {
                    continue;
                }
                if (!step()) {
                    finished = true;
                    LockSupport.unpark(isQuiet ? catchUp : quiet);
                    return;
                }
                if (isQuiet) {
                    priority.lowerHelpers();
                    if (queue.size() >= settings.catchUpRows()) {
                        behind = true; // the quiet thread got too little CPU for the rows coming in
                        LockSupport.unpark(catchUp);
                    }
                } else if (!draining && batch.isEmpty() && queue.size() < settings.batchRows()) {
                    behind = false;
                    LockSupport.unpark(quiet);
                }
            } finally {
                turn.unlock();
            }
        }
    }

    /**
     * One batch: collects it (rows from memory, else from the spill file) and writes it, or pauses after a failure.
     *
     * @return false once the writer is done: drained, or past the drain deadline
     */
    private boolean step() {
        if (draining && (System.nanoTime() > drainDeadlineNanos || (!healthy && !batch.isEmpty()))) {
            spillAll(batch);
            return false;
        }
        if (batch.isEmpty()) {
            replay = null;
            // with rows on disk, the batch from memory is what waits now: waiting for a full one before each replayed
            // batch held a replay to one batch per flushEvery (2,500 rows a second; two minutes for a bench warm-up)
            boolean collected = (healthy && !draining && spill.hasRows()) ? takeWaiting() : fill();
            if (!collected) {
                if (draining) {
                    return false;
                }
                replay = nextSpilled();
                if (replay == null) {
                    return true;
                }
                batch.addAll(replay.rows());
            }
        }
        if (batch.isEmpty()) {
            if (replay != null) {
                spill.stored(replay);
            }
            return true;
        }
        try {
            stored.addAndGet(sink.write(batch, replay != null || queue.size() >= settings.batchRows()));
            if (replay != null) {
                spill.stored(replay);
            }
            batch.clear();
            backoffMillis = 50;
            if (!healthy) {
                healthy = true;
                log.info("spend rows are being stored again");
            }
        } catch (Exception e) {
            if (healthy) {
                healthy = false;
                log.warn(
                        "could not store spend rows; keeping them and retrying",
                        "error",
                        String.valueOf(e.getMessage()));
            }
            if (!draining) {
                pause(backoffMillis);
            }
            backoffMillis = Math.min(backoffMillis * 2, settings.maxBackoff().toMillis());
        }
        return true;
    }

    /**
     * Collects rows: returns as soon as a full batch is there or {@code flushEvery} has passed. The writer sleeps
     * instead of waiting on the queue, so a request's {@code offer} never wakes it: one wake-up per row cost a
     * context switch on the gateway's core per request. {@link #record} wakes it only when a full batch waits.
     *
     * @return false when nothing arrived within {@code flushEvery}
     */
    private boolean fill() {
        long until = System.nanoTime() + settings.flushEvery().toNanos();
        while (true) {
            queue.drainTo(batch, settings.batchRows() - batch.size());
            long left = until - System.nanoTime();
            if (batch.size() >= settings.batchRows() || left <= 0 || draining) {
                return !batch.isEmpty();
            }
            LockSupport.parkNanos(this, left);
        }
    }

    /** Collects the rows waiting in memory without waiting for more. @return false when there were none */
    private boolean takeWaiting() {
        queue.drainTo(batch, settings.batchRows());
        return !batch.isEmpty();
    }

    /** The next spilled batch once the database is healthy and memory is empty; null when there is none. */
    private SpillFile.Batch nextSpilled() {
        if (!healthy || !queue.isEmpty() || !spill.hasRows()) {
            return null;
        }
        try {
            return spill.next(settings.batchRows());
        } catch (IOException e) {
            log.error("could not read the spend spill file", e);
            pause(settings.maxBackoff().toMillis());
            return null;
        }
    }

    private void spillAll(List<SpendLogRow> rows) {
        queue.drainTo(rows);
        for (SpendLogRow row : rows) {
            if (spill.append(row)) {
                spilled.incrementAndGet();
            } else {
                dropped.incrementAndGet();
            }
        }
        rows.clear();
    }

    /** Sleeps unless drain() unparks the writer first. */
    private static void pause(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
