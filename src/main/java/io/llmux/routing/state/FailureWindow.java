package io.llmux.routing.state;

/**
 * The times of one deployment's failures within the last minute, for {@code allowed_fails} (SPEC §6). A ring of
 * epoch milliseconds, oldest first, trimmed as it is written; it grows only while more failures than it holds fall
 * within one minute. Failures are rare next to requests, so one lock per deployment is cheap here.
 */
final class FailureWindow {
    static final long WINDOW_MILLIS = 60_000;

    private long[] times = new long[8];
    private int head;
    private int size;

    /** Records a failure at {@code now} and returns how many fell within the minute up to and including it. */
    synchronized int record(long now) {
        dropBefore(now - WINDOW_MILLIS);
        if (size == times.length) {
            grow();
        }
        times[(head + size) % times.length] = now;
        size++;
        return size;
    }

    /** Forgets every failure: a cooldown cleared by hand gives the deployment a fresh count. */
    synchronized void clear() {
        head = 0;
        size = 0;
    }

    /** A failure exactly one minute old no longer counts: the window is {@code (now - 60 s, now]}. */
    private void dropBefore(long oldestExcluded) {
        while (size > 0 && times[head] <= oldestExcluded) {
            head = (head + 1) % times.length;
            size--;
        }
    }

    private void grow() {
        long[] bigger = new long[times.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = times[(head + i) % times.length];
        }
        times = bigger;
        head = 0;
    }
}
