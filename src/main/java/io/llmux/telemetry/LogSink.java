package io.llmux.telemetry;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Where every log line goes: a bounded queue drained by one writer thread, so a request never waits on stdout.
 * The writer wakes on its own every few milliseconds rather than being signalled per line: a wake-up per request
 * costs a context switch, which on one core is most of a request's budget. When the queue is full (a stalled
 * terminal or pipe), lines are dropped and counted rather than blocking requests.
 */
public final class LogSink implements AutoCloseable {
    private static final int CAPACITY = 32_768;
    private static final long POLL_NANOS = 10_000_000;

    /**
     * Lines written between yields. A 10 ms batch at a few thousand requests a second is a millisecond of formatting;
     * on one core a request that arrives meanwhile would wait for all of it, which made most of a cache hit's p99 at
     * one connection. Yielding every few lines (tens of microseconds) lets a waiting request go first.
     */
    static final int LINES_PER_YIELD = 8;

    /**
     * Lines waiting beyond which the writer stops yielding. On a saturated core a writer that yields every few lines
     * gets a small fraction of its share and falls further behind until the queue fills and lines are dropped; with
     * a backlog, its fair share is what lets it catch up.
     */
    static final int BACKLOG_LINES = 1_024;

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Writer out;
    private final BooleanSupplier json;
    private final Redactor redactor;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param json read per line, so a reload can switch between JSON and text
     * @param redactor scrubs every message and string value as the line is written
     */
    public LogSink(OutputStream out, BooleanSupplier json, Redactor redactor) {
        this.out = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        this.json = json;
        this.redactor = redactor;
        this.writer = Thread.ofPlatform().daemon().name("llmux-log").start(this::drain);
    }

    /** A sink whose lines are scrubbed of the shapes of credentials only (no configured secrets known). */
    public LogSink(OutputStream out, BooleanSupplier json) {
        this(out, json, Redactor.patternsOnly());
    }

    void offer(LogLine line) {
        if (closed || !queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    /** Lines dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Waits (bounded) until every line queued before this call is written. */
    public void flush() {
        CountDownLatch done = new CountDownLatch(1);
        if (!queue.offer(done)) {
            return;
        }
        try {
            done.await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        flush();
        closed = true;
        writer.interrupt();
    }

    @SuppressWarnings("ThreadPriorityCheck") // the yield is the point: see LINES_PER_YIELD
    private void drain() {
        LineFormat format = new LineFormat(redactor);
        List<Object> batch = new ArrayList<>(256);
        while (!closed || !queue.isEmpty()) {
            if (queue.drainTo(batch, 1024) == 0) {
                LockSupport.parkNanos(POLL_NANOS);
                continue;
            }
            try {
                boolean asJson = json.getAsBoolean();
                int written = 0;
                for (Object item : batch) {
                    if (++written % LINES_PER_YIELD == 0 && queue.size() < BACKLOG_LINES) {
                        Thread.yield();
                    }
                    if (item instanceof LogLine line) {
                        line.format(format.json(asJson));
                        out.write(format.end());
                    } else if (item instanceof CountDownLatch latch) {
                        out.flush();
                        latch.countDown();
                    }
                }
                out.flush();
            } catch (IOException e) {
                dropped.addAndGet(batch.size());
            } catch (RuntimeException e) {
                // a formatting bug must not kill the only writer thread
                dropped.addAndGet(batch.size());
            }
            batch.clear();
        }
    }
}
