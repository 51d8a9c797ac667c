package io.llmux.spend;

import io.llmux.store.SpendLogRow;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Spend rows that did not fit in memory while the database was away, one JSON line each. Rows are appended to
 * {@code <name>.jsonl}; to replay, that file is renamed to {@code <name>.<n>.replay} and read back batch by batch,
 * and deleted once its last batch is stored. A crash mid-replay leaves the {@code .replay} file for the next start;
 * replaying it again is harmless because rows are stored once per request id.
 */
final class SpillFile implements AutoCloseable {
    /**
     * What {@link #next} read: rows, the bytes of the lines they came from, and the file to delete once they are
     * stored (null if more remain).
     */
    record Batch(List<SpendLogRow> rows, long lineBytes, Path finishedFile) {}

    private final Path dir;
    private final String name;
    private final long maxBytes;
    private final ReentrantLock appendLock = new ReentrantLock();

    private BufferedWriter appender;
    /** Bytes on disk, in the append file and the replay files; what the bound is checked against. */
    private long bytes;
    /** Bytes of the replay file being read whose rows are already stored; guarded by appendLock like bytes. */
    private long replayedBytes;

    private long corruptLines;

    // replay side: only the writer thread touches these
    private BufferedReader replaying;
    private Path replayingFile;

    SpillFile(Path dir, String name, long maxBytes) {
        this.dir = dir;
        this.name = name;
        this.maxBytes = maxBytes;
        this.bytes = sizeOnDisk();
    }

    /** @return false when the spill bound is reached (the row is then the caller's to count as dropped) */
    boolean append(SpendLogRow row) {
        byte[] line = (SpendLogJson.line(row) + "\n").getBytes(StandardCharsets.UTF_8);
        appendLock.lock();
        try {
            if (bytes + line.length > maxBytes) {
                return false;
            }
            if (appender == null) {
                Files.createDirectories(dir);
                appender = Files.newBufferedWriter(
                        appendPath(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            appender.write(new String(line, StandardCharsets.UTF_8));
            // to the OS at once: a crash of the JVM then loses nothing already spilled
            appender.flush();
            bytes += line.length;
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            appendLock.unlock();
        }
    }

    /** True when spilled rows wait to be replayed. */
    boolean hasRows() {
        if (replaying != null) {
            return true;
        }
        appendLock.lock();
        try {
            return appender != null || bytes > 0;
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Bytes of spilled rows not yet stored in the database: the spill backlog, 0 once everything spilled is stored. It
     * falls batch by batch as a replay file is stored, not only when the file is deleted.
     */
    long pendingBytes() {
        appendLock.lock();
        try {
            return Math.max(0, bytes - replayedBytes);
        } finally {
            appendLock.unlock();
        }
    }

    /** Up to {@code max} spilled rows, oldest first; empty when there are none. Writer thread only. */
    Batch next(int max) throws IOException {
        if (replaying == null && !openNextReplay()) {
            return new Batch(List.of(), 0, null);
        }
        List<SpendLogRow> rows = new ArrayList<>(Math.min(max, 1024));
        long lineBytes = 0;
        String line;
        while (rows.size() < max && (line = replaying.readLine()) != null) {
            lineBytes += utf8Length(line) + 1; // the '\n' append() wrote
            if (line.isBlank()) {
                continue;
            }
            try {
                rows.add(SpendLogJson.parse(line));
            } catch (IOException e) {
                // a line cut by a crash mid-write; the rest of the file is still good
                corruptLines++;
            }
        }
        if (rows.size() < max) {
            replaying.close();
            replaying = null;
            Path done = replayingFile;
            replayingFile = null;
            return new Batch(rows, lineBytes, done);
        }
        return new Batch(rows, lineBytes, null);
    }

    /** Called once a batch's rows are stored: counts them off the backlog, and deletes a fully replayed file. */
    void stored(Batch batch) {
        if (batch.finishedFile() == null) {
            appendLock.lock();
            try {
                replayedBytes += batch.lineBytes();
            } finally {
                appendLock.unlock();
            }
            return;
        }
        try {
            long size = Files.size(batch.finishedFile());
            Files.deleteIfExists(batch.finishedFile());
            appendLock.lock();
            try {
                bytes = Math.max(0, bytes - size);
                replayedBytes = 0;
            } finally {
                appendLock.unlock();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long corruptLines() {
        return corruptLines;
    }

    @Override
    public void close() {
        appendLock.lock();
        try {
            if (appender != null) {
                appender.close();
                appender = null;
            }
            if (replaying != null) {
                replaying.close();
                replaying = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            appendLock.unlock();
        }
    }

    /** Picks the oldest {@code .replay} file, else turns the append file into one. */
    private boolean openNextReplay() throws IOException {
        Path next = oldestReplay();
        if (next == null) {
            appendLock.lock();
            try {
                if (appender != null) {
                    appender.close();
                    appender = null;
                }
                if (!Files.exists(appendPath())) {
                    // nothing left on disk (a file removed by hand): a stale count would keep the writer replaying
                    bytes = 0;
                    replayedBytes = 0;
                    return false;
                }
                next = dir.resolve(name + "." + System.currentTimeMillis() + "-" + System.nanoTime() + ".replay");
                Files.move(appendPath(), next, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                appendLock.unlock();
            }
        }
        replaying = Files.newBufferedReader(next, StandardCharsets.UTF_8);
        replayingFile = next;
        return true;
    }

    private Path oldestReplay() throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        TreeSet<Path> found = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, name + ".*.replay")) {
            files.forEach(found::add);
        }
        return found.isEmpty() ? null : found.first();
    }

    /**
     * The UTF-8 size of a line read back, without encoding it again. Lines read from a well-formed file hold no lone
     * surrogates; bytes a crash cut short decode to U+FFFD and may count a byte or two more than they took, which the
     * backlog forgets once that file is deleted.
     */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private Path appendPath() {
        return dir.resolve(name + ".jsonl");
    }

    private long sizeOnDisk() {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, name + "*")) {
            for (Path p : files) {
                total += Files.size(p);
            }
        } catch (IOException e) {
            return 0;
        }
        return total;
    }
}
