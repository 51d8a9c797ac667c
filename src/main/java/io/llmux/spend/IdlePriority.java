package io.llmux.spend;

import io.llmux.telemetry.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Puts the threads doing the spend writer's database work on Linux's {@code SCHED_IDLE} policy. On a busy core, a
 * request thread that wakes up while such a thread runs takes the core at once; against a thread of normal priority
 * it can wait for the rest of that thread's time slice (a millisecond or more). An embedded database writes in bursts
 * of that length, so without this a request now and then paid for a batch of spend rows.
 *
 * <p>Java has no call for it, so this runs {@code chrt --idle --pid 0 TID}, once per thread. Lowering one's own
 * priority needs no privilege, and raising it back would, which is why a backlog is written by a second thread that
 * keeps normal priority (see {@link SpendLogWriter}). Where there is no {@code /proc} or no {@code chrt} nothing
 * changes: the threads keep normal priority.
 */
public final class IdlePriority {
    /** {@code SCHED_IDLE} in {@code sched.h}, as {@code /proc/.../stat} reports it. */
    static final int SCHED_IDLE = 5;

    private static final Path PROC_TASKS = Path.of("/proc/self/task");
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");
    /** Linux keeps the first 15 bytes of a thread's name. */
    private static final int COMM_LENGTH = 15;

    private static final long HELPER_SCAN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final List<String> helperNames;
    private final Log log;
    private final Set<String> lowered = new HashSet<>();
    private long lastScanNanos;
    private boolean unavailable;

    private IdlePriority(List<String> helperNames, Log log) {
        this.helperNames = helperNames.stream()
                .map(n -> n.length() > COMM_LENGTH ? n.substring(0, COMM_LENGTH) : n)
                .toList();
        this.log = log;
    }

    /**
     * @param helperNames names of other threads doing the writer's work (an embedded database's background writers),
     *     lowered as they appear
     */
    public static IdlePriority of(List<String> helperNames, Log log) {
        return new IdlePriority(List.copyOf(helperNames), log);
    }

    /** Lowers the calling thread. @return whether it now runs at idle priority */
    public boolean lowerCurrentThread() {
        String tid = currentThreadId();
        return tid != null && lower(tid);
    }

    /**
     * Lowers the helper threads that exist now and were not lowered yet; looks at most every few seconds, since
     * a library may start its threads late (H2 starts its serialization threads at its first write to the file).
     * Called by the writer's own thread only.
     */
    public void lowerHelpers() {
        long now = System.nanoTime();
        if (helperNames.isEmpty()
                || unavailable
                || (lastScanNanos != 0 && now - lastScanNanos < HELPER_SCAN_EVERY_NANOS)) {
            return;
        }
        lastScanNanos = now;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC_TASKS)) {
            for (Path task : tasks) {
                String tid = task.getFileName().toString();
                if (!lowered.contains(tid) && helperNames.contains(comm(task))) {
                    lower(tid);
                }
            }
        } catch (IOException e) {
            unavailable = true; // no /proc: not Linux
        }
    }

    /** The scheduling policy of a thread of this process, from {@code /proc}; -1 when unknown. */
    static int policyOf(String tid) {
        try {
            String stat = Files.readString(PROC_TASKS.resolve(tid).resolve("stat"), StandardCharsets.US_ASCII);
            // the name, in parentheses, may hold spaces; the fields after it are space separated from field 3 on
            int start = stat.lastIndexOf(')') + 2;
            for (int field = 3; field < 41; field++) {
                start = stat.indexOf(' ', start) + 1;
            }
            int end = stat.indexOf(' ', start);
            return Integer.parseInt(
                    stat.substring(start, end < 0 ? stat.length() : end).strip());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The calling thread's Linux thread id; null where there is no {@code /proc/thread-self}. */
    static String currentThreadId() {
        try {
            return Files.readSymbolicLink(THREAD_SELF).getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private boolean lower(String tid) {
        if (unavailable) {
            return false;
        }
        try {
            Process chrt = new ProcessBuilder("chrt", "--idle", "--pid", "0", tid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!chrt.waitFor(5, TimeUnit.SECONDS)) {
                chrt.destroyForcibly();
            }
        } catch (IOException e) {
            unavailable = true;
            log.info("spend writer threads keep normal CPU priority: chrt is not available", "error", e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        lowered.add(tid); // tried once either way: a thread chrt cannot lower is not tried again
        boolean idle = policyOf(tid) == SCHED_IDLE;
        if (!idle) {
            log.info("a thread doing spend writes keeps normal CPU priority: chrt --idle did not take", "tid", tid);
        }
        return idle;
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm"), StandardCharsets.UTF_8)
                    .strip();
        } catch (IOException e) {
            return ""; // the thread ended meanwhile
        }
    }
}
