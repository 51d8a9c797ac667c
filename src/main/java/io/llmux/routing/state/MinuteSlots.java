package io.llmux.routing.state;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One deployment's usage per wall-clock minute, in two slots by the minute's parity: the current minute fills while
 * the previous one still takes late corrections, and a minute older than that is read by no one. Used by
 * {@link LocalDeployment} for its counts and by {@link HeldBack} for what it holds back.
 */
final class MinuteSlots {
    private final Slot[] slots = {new Slot(), new Slot()};

    /** The counts of one epoch minute. {@code corrections}: token corrections kept apart (HeldBack's). */
    static final class Slot {
        volatile long number = Long.MIN_VALUE;
        final AtomicLong requests = new AtomicLong();
        final AtomicLong tokens = new AtomicLong();
        final AtomicLong corrections = new AtomicLong();
    }

    /** The slot of this minute, which may hold another minute's counts: check {@link Slot#number}. */
    Slot peek(long minute) {
        return slots[(int) (minute & 1)];
    }

    /** The slot of this minute, emptied first when it held an older minute's counts. */
    Slot take(long minute) {
        Slot s = peek(minute);
        if (s.number != minute) {
            synchronized (s) {
                if (s.number != minute) {
                    s.requests.set(0);
                    s.tokens.set(0);
                    s.corrections.set(0);
                    s.number = minute; // published last: whoever reads the new number sees the zeroed counters
                }
            }
        }
        return s;
    }
}
