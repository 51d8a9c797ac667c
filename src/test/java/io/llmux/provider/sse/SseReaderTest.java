package io.llmux.provider.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SseReaderTest {
    private static final long MAX = 1 << 20;

    /** Every test reads its input twice: whole, and one byte per read (the worst fragmentation there is). */
    private static List<String> events(String input) throws IOException {
        List<String> whole = read(new SseReader(stream(input), MAX));
        List<String> bytewise = read(new SseReader(new OneByteAtATime(input), MAX));
        assertThat(bytewise).isEqualTo(whole);
        return whole;
    }

    private static List<String> read(SseReader reader) throws IOException {
        List<String> out = new ArrayList<>();
        SseReader.Event e;
        while ((e = reader.next()) != null) {
            String text = new String(e.data(), StandardCharsets.UTF_8);
            out.add((e.name() == null ? "" : e.name() + "|") + text + (e.complete() ? "" : "|incomplete"));
        }
        return out;
    }

    private static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void linesEndInLfCrLfOrCr() throws IOException {
        assertThat(events("data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\r\n")).containsExactly("a", "b", "c", "d");
    }

    @Test
    void dataLinesAreJoinedWithLf() throws IOException {
        assertThat(events("data: one\ndata: two\r\ndata:\rdata: four\n\n")).containsExactly("one\ntwo\n\nfour");
    }

    @Test
    void eventNamesAreReportedAndDoNotCarryOver() throws IOException {
        assertThat(events("event: ping\ndata: {}\n\ndata: x\n\nevent: error\ndata: {\"e\":1}\n\n"))
                .containsExactly("ping|{}", "x", "error|{\"e\":1}");
    }

    @Test
    void commentsAreSkipped() throws IOException {
        assertThat(events(": keep-alive\n\n:\n\n: OPENROUTER PROCESSING\n\ndata: a\n: inside\ndata: b\n\n"))
                .containsExactly("a\nb");
    }

    @Test
    void commentOnlyStreamHasNoEvents() throws IOException {
        assertThat(events(": ping\n\n: ping\n\n")).isEmpty();
    }

    @Test
    void onlyOneSpaceAfterTheColonIsRemoved() throws IOException {
        assertThat(events("data:x\n\ndata:  y\n\ndata:\tz\n\n")).containsExactly("x", " y", "\tz");
    }

    @Test
    void aFieldWithoutColonHasAnEmptyValue() throws IOException {
        assertThat(events("data\n\n")).containsExactly("");
    }

    @Test
    void anEventWithoutDataIsNotDispatched() throws IOException {
        assertThat(events("event: nothing\n\nid: 7\nretry: 100\n\ndata: real\n\n"))
                .containsExactly("real");
    }

    @Test
    void unknownFieldsAndIdAreIgnored() throws IOException {
        assertThat(events("id: 1\nfoo: bar\ndata: a\nretry: 5\n\n")).containsExactly("a");
    }

    @Test
    void colonsInTheValueAreKept() throws IOException {
        assertThat(events("data: {\"a\":\"b:c\"}\n\n")).containsExactly("{\"a\":\"b:c\"}");
    }

    @Test
    void eofMidEventYieldsAnIncompleteEvent() throws IOException {
        assertThat(events("data: a\n\ndata: {\"partial\"")).containsExactly("a", "{\"partial\"|incomplete");
        assertThat(events("data: a\n\ndata: b\n")).containsExactly("a", "b|incomplete");
        assertThat(events("data: [DONE]")).containsExactly("[DONE]|incomplete");
    }

    @Test
    void eofAfterACompleteEventEndsCleanly() throws IOException {
        SseReader reader = new SseReader(stream("data: a\n\n"), MAX);
        assertThat(reader.next().complete()).isTrue();
        assertThat(reader.next()).isNull();
        assertThat(reader.next()).isNull();
    }

    @Test
    void emptyInputHasNoEvents() throws IOException {
        assertThat(events("")).isEmpty();
        assertThat(events("\n\n\r\n")).isEmpty();
    }

    @Test
    void byteOrderMarkAtTheStartIsSkipped() throws IOException {
        assertThat(events("\uFEFFdata: a\n\n")).containsExactly("a");
    }

    @Test
    void crLfSplitAcrossReadsIsOneLineEnd() throws IOException {
        InputStream in = new Chunks("data: a\r", "\n\r", "\ndata: b\r", "\n", "\r\n");
        assertThat(read(new SseReader(in, MAX))).containsExactly("a", "b");
    }

    @Test
    void aCrLfEventIsDispatchedWithoutWaitingForTheLastLf() throws IOException {
        // the reader must not block on the byte after a \r: that byte may be the next event, seconds away
        InputStream in = new Chunks("data: a\r\n\r").thenHang();
        SseReader reader = new SseReader(in, MAX);
        assertThat(new String(reader.next().data(), StandardCharsets.UTF_8)).isEqualTo("a");
    }

    @Test
    void payloadBytesAreKeptExactly() throws IOException {
        byte[] utf8 = "data: {\"content\":\"héllo 👋\"}\n\n".getBytes(StandardCharsets.UTF_8);
        SseReader.Event e = new SseReader(new ByteArrayInputStream(utf8), MAX).next();
        assertThat(e.data()).isEqualTo("{\"content\":\"héllo 👋\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aHugeLineUnderTheMaximumIsRead() throws IOException {
        String big = "x".repeat(3_000_000);
        SseReader reader = new SseReader(stream("data: " + big + "\n\ndata: after\n\n"), 4_000_000);
        assertThat(reader.next().data()).hasSize(3_000_000);
        assertThat(new String(reader.next().data(), StandardCharsets.UTF_8)).isEqualTo("after");
    }

    @Test
    void aLineOfExactlyTheMaximumIsRead() throws IOException {
        String line = "data: " + "y".repeat(94); // 100 bytes
        SseReader reader = new SseReader(new OneByteAtATime(line + "\n\n"), 100);
        assertThat(reader.next().data()).hasSize(94);
    }

    @Test
    void aLineOverTheMaximumFails() {
        SseReader reader = new SseReader(stream("data: " + "z".repeat(200) + "\n\n"), 100);
        assertThatThrownBy(reader::next).isInstanceOf(IOException.class).hasMessageContaining("max_body_size");
        SseReader unterminated = new SseReader(stream("data: " + "z".repeat(200)), 100);
        assertThatThrownBy(unterminated::next).hasMessageContaining("longer than max_body_size");
    }

    @Test
    void manyDataLinesOverTheMaximumFail() {
        SseReader reader = new SseReader(stream(("data: " + "z".repeat(40) + "\n").repeat(5) + "\n"), 100);
        assertThatThrownBy(reader::next).isInstanceOf(IOException.class).hasMessageContaining("max_body_size");
    }

    @Test
    void everyReadThatBringsBytesIsReported() throws IOException {
        AtomicInteger reads = new AtomicInteger();
        SseReader reader =
                new SseReader(new Chunks(": ping\n\n", ": ping\n\n", "data: a\n\n"), MAX, reads::incrementAndGet);
        assertThat(reader.next()).isNotNull();
        assertThat(reads).hasValue(3);
    }

    @Test
    void readsAfterTheEndStayAtTheEnd() throws IOException {
        SseReader reader = new SseReader(stream("data: a"), MAX);
        assertThat(reader.next().complete()).isFalse();
        assertThat(reader.next()).isNull();
    }

    /** Returns one byte per read. */
    private static final class OneByteAtATime extends InputStream {
        private final byte[] bytes;
        private int pos;

        OneByteAtATime(String s) {
            this.bytes = s.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= bytes.length) {
                return -1;
            }
            b[off] = bytes[pos++];
            return 1;
        }
    }

    /** Returns the given pieces one per read, then the end (or, after {@link #thenHang}, fails the test). */
    private static final class Chunks extends InputStream {
        private final List<byte[]> pieces = new ArrayList<>();
        private int next;
        private boolean hang;

        Chunks(String... parts) {
            for (String p : parts) {
                pieces.add(p.getBytes(StandardCharsets.UTF_8));
            }
        }

        /** A read past the pieces stands for an upstream that sends nothing more for now. */
        Chunks thenHang() {
            hang = true;
            return this;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("single-byte reads are not used");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (next >= pieces.size()) {
                if (hang) {
                    throw new AssertionError("the reader waited for bytes it did not need");
                }
                return -1;
            }
            byte[] piece = pieces.get(next++);
            assertThat(piece.length).isLessThanOrEqualTo(len);
            System.arraycopy(piece, 0, b, off, piece.length);
            return piece.length;
        }
    }

    @Test
    void eventBufferedSaysWhetherTheNextEventIsAlreadyRead() throws IOException {
        SseReader two = new SseReader(stream("data: a\n\ndata: b\n\n"), MAX);
        assertThat(two.next().data()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
        assertThat(two.eventBuffered()).isTrue();
        assertThat(two.next().data()).isEqualTo("b".getBytes(StandardCharsets.UTF_8));
        assertThat(two.eventBuffered()).isFalse();

        SseReader partial = new SseReader(stream("data: a\n\ndata: b"), MAX);
        partial.next();
        assertThat(partial.eventBuffered())
                .as("an event without its blank line may still be waiting")
                .isFalse();

        SseReader comment = new SseReader(stream("data: a\r\n\r\n: ping\r\n\r\n"), MAX);
        comment.next();
        assertThat(comment.eventBuffered()).as("a keep-alive is not an event").isFalse();
    }
}
