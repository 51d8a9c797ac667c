package io.llmux.spend;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.store.SpendLogRow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillFileTest {
    @TempDir
    Path dir;

    @Test
    void theBacklogIsTheFilesBytesAndFallsBatchByBatchAsRowsAreStored() throws Exception {
        SpillFile spill = new SpillFile(dir, "spend-spill", 1 << 20);
        assertThat(spill.pendingBytes()).isZero();
        for (int i = 0; i < 25; i++) {
            // aliases beyond ASCII and beyond the BMP: the count is of UTF-8 bytes, as on disk
            assertThat(spill.append(row("r" + i, i % 2 == 0 ? "équipe-€" : "team-😀")))
                    .isTrue();
        }
        long onDisk = sizeOnDisk();
        assertThat(spill.pendingBytes()).isEqualTo(onDisk).isPositive();

        SpillFile.Batch first = spill.next(10);
        assertThat(first.rows()).hasSize(10);
        assertThat(spill.pendingBytes()).as("read is not stored").isEqualTo(onDisk);
        spill.stored(first);
        long afterFirst = spill.pendingBytes();
        assertThat(afterFirst).isEqualTo(onDisk - first.lineBytes());
        assertThat(sizeOnDisk())
                .as("the replay file stays until its last row is stored")
                .isEqualTo(onDisk);

        SpillFile.Batch second = spill.next(10);
        spill.stored(second);
        assertThat(spill.pendingBytes()).isEqualTo(afterFirst - second.lineBytes());

        SpillFile.Batch last = spill.next(10);
        assertThat(last.rows()).hasSize(5);
        assertThat(last.finishedFile()).isNotNull();
        assertThat(first.lineBytes() + second.lineBytes() + last.lineBytes())
                .as("every line counted once, at its UTF-8 size")
                .isEqualTo(onDisk);
        spill.stored(last);
        assertThat(spill.pendingBytes()).isZero();
        assertThat(sizeOnDisk()).isZero();

        // rows spilled after a replay start a new backlog from zero
        spill.append(row("late", "t"));
        assertThat(spill.pendingBytes()).isEqualTo(sizeOnDisk()).isPositive();
        spill.close();
    }

    @Test
    void aFileLeftByAnEarlierRunIsBacklogFromTheStart() throws Exception {
        SpillFile before = new SpillFile(dir, "spend-spill", 1 << 20);
        before.append(row("a", "t"));
        before.append(row("b", "t"));
        before.close();

        SpillFile after = new SpillFile(dir, "spend-spill", 1 << 20);
        assertThat(after.pendingBytes()).isEqualTo(sizeOnDisk()).isPositive();
        after.stored(after.next(10));
        assertThat(after.pendingBytes()).isZero();
        after.close();
    }

    @Test
    void aSpillFileRemovedByHandLeavesNoBacklog() throws Exception {
        SpillFile spill = new SpillFile(dir, "spend-spill", 1 << 20);
        spill.append(row("a", "t"));
        spill.close();
        Files.delete(dir.resolve("spend-spill.jsonl"));
        assertThat(spill.next(10).rows()).isEmpty();
        assertThat(spill.pendingBytes()).isZero();
        assertThat(spill.hasRows())
                .as("else the writer would keep asking for rows that are gone")
                .isFalse();
    }

    @Test
    void utf8LengthMatchesTheEncoder() {
        for (String s : new String[] {"", "plain", "é", "€uro", "😀", "a😀b€é", "\u07ff\u0800\uffff"}) {
            assertThat(SpillFile.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    private long sizeOnDisk() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static SpendLogRow row(String id, String alias) {
        return SpendLogWriterTest.row(id, alias, 0.01);
    }
}
