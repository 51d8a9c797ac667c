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
    /** What {@link #next} read: rows, and the file to delete once they are stored (null if more remain). */
    record Batch(List<SpendLogRow> rows, Path finishedFile) {}

    private final Path dir;
    private final String name;
    private final long maxBytes;
    private final ReentrantLock appendLock = new ReentrantLock();

    private BufferedWriter appender;
    private long bytes;
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

    /** Up to {@code max} spilled rows, oldest first; empty when there are none. Writer thread only. */
    Batch next(int max) throws IOException {
        if (replaying == null && !openNextReplay()) {
            return new Batch(List.of(), null);
        }
        List<SpendLogRow> rows = new ArrayList<>(Math.min(max, 1024));
        String line;
        while (rows.size() < max && (line = replaying.readLine()) != null) {
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
            return new Batch(rows, done);
        }
        return new Batch(rows, null);
    }

    /** Called once a batch's rows are stored: deletes a fully replayed file. */
    void stored(Batch batch) {
        if (batch.finishedFile() == null) {
            return;
        }
        try {
            long size = Files.size(batch.finishedFile());
            Files.deleteIfExists(batch.finishedFile());
            appendLock.lock();
            try {
                bytes = Math.max(0, bytes - size);
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
