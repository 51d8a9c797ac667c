package io.llmux.provider.sse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads Server-Sent Events (the WHATWG {@code text/event-stream} format) from an upstream body, one event at a time,
 * as it arrives. Lines end in {@code \n}, {@code \r\n} or {@code \r}; {@code data:} lines are joined with {@code \n};
 * {@code :} comments (keep-alives) are skipped; {@code id:} and {@code retry:} are ignored because a gateway never
 * reconnects a generation.
 *
 * <p>Payloads stay bytes: a chunk is forwarded to the client as received, so decoding it to a String would be pure
 * cost. Lines are found in one growable buffer filled by bulk reads; an event of one data line (every OpenAI chunk)
 * costs one copy. Not thread-safe: one reader per stream, used by the thread that pulls the stream.
 */
public final class SseReader {

    /**
     * One event.
     *
     * @param name the {@code event:} field, or null when there was none (the spec's default, {@code message})
     * @param data the {@code data:} lines joined with {@code \n}, as sent
     * @param complete false when the input ended before the blank line that ends the event; the caller decides
     *     whether such a cut-off event counts
     */
    public record Event(String name, byte[] data, boolean complete) {}

    private static final int INITIAL_BUFFER = 8 * 1024;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final InputStream in;
    private final int maxLine;
    private final Runnable onRead;

    private byte[] buf;
    private int pos;
    private int limit;
    private boolean eof;
    private boolean skipLf;
    private boolean atStart = true;
    private int lineStart;
    private int lineEnd;

    // the event being read: its first data line, then all of them joined once there is a second
    private byte[] data;
    private byte[] joined;
    private int joinedLength;
    private int dataLines;
    private String name;
    private byte[] lastNameBytes = new byte[0];
    private String lastName;

    /** @param maxLineBytes the longest line, and the longest event data, accepted ({@code server.max_body_size}) */
    public SseReader(InputStream in, long maxLineBytes) {
        this(in, maxLineBytes, null);
    }

    /**
     * @param onRead run after every read that returned bytes, comments included, so an idle timer sees keep-alives;
     *     null for none
     */
    public SseReader(InputStream in, long maxLineBytes, Runnable onRead) {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        this.in = in;
        this.maxLine = (int) Math.min(maxLineBytes, MAX_ARRAY - 2);
        this.onRead = onRead;
        this.buf = new byte[Math.min(INITIAL_BUFFER, maxLine + 2)];
    }

    /**
     * Blocks for the next event.
     *
     * @return the event; one with {@code complete == false} when the input ended inside it; null at the end of input
     * @throws IOException from the input, or when a line or an event is longer than the maximum
     */
    public Event next() throws IOException {
        while (readLine()) {
            if (lineStart == lineEnd) {
                if (dataLines > 0) {
                    return dispatch(true);
                }
                name = null; // an event without data is not dispatched, and its name does not carry over
            } else {
                field(lineStart, lineEnd);
            }
        }
        return dataLines > 0 ? dispatch(false) : null;
    }

    /**
     * True when the input already read holds a whole further event with data, so {@link #next} will return without
     * waiting on the network. Lets a writer send several events with one flush when it has fallen behind.
     */
    public boolean eventBuffered() {
        boolean sawData = false;
        for (int i = pos; i + 1 < limit; i++) {
            byte b = buf[i];
            if (b == 'd' && i + 4 < limit && buf[i + 1] == 'a' && buf[i + 2] == 't' && buf[i + 3] == 'a') {
                sawData = true;
            } else if ((b == '\n' && (buf[i + 1] == '\n' || buf[i + 1] == '\r')) || (b == '\r' && buf[i + 1] == '\r')) {
                if (sawData) {
                    return true;
                }
            }
        }
        return false;
    }

    private Event dispatch(boolean complete) {
        byte[] payload = dataLines == 1 ? data : Arrays.copyOf(joined, joinedLength);
        Event event = new Event(name, payload, complete);
        data = null;
        joined = null;
        dataLines = 0;
        name = null;
        return event;
    }

    private void field(int start, int end) throws IOException {
        if (buf[start] == ':') {
            return; // a comment
        }
        int colon = start;
        while (colon < end && buf[colon] != ':') {
            colon++;
        }
        int value = colon < end ? colon + 1 : end;
        if (value < end && buf[value] == ' ') {
            value++;
        }
        int fieldLength = colon - start;
        if (fieldLength == 4
                && buf[start] == 'd'
                && buf[start + 1] == 'a'
                && buf[start + 2] == 't'
                && buf[start + 3] == 'a') {
            appendData(value, end);
        } else if (fieldLength == 5
                && buf[start] == 'e'
                && buf[start + 1] == 'v'
                && buf[start + 2] == 'e'
                && buf[start + 3] == 'n'
                && buf[start + 4] == 't') {
            name = eventName(value, end);
        }
    }

    private void appendData(int from, int to) throws IOException {
        int length = to - from;
        if (dataLines == 0) {
            data = Arrays.copyOfRange(buf, from, to);
        } else {
            if (dataLines == 1) {
                joined = Arrays.copyOf(data, Math.max(64, 2 * data.length + length + 1));
                joinedLength = data.length;
            }
            long needed = (long) joinedLength + 1 + length;
            if (needed > maxLine) {
                throw new IOException("an upstream event is longer than max_body_size (" + maxLine + " bytes)");
            }
            if (needed > joined.length) {
                joined = Arrays.copyOf(joined, (int) Math.min(Math.max(needed, 2L * joined.length), MAX_ARRAY));
            }
            joined[joinedLength++] = '\n';
            System.arraycopy(buf, from, joined, joinedLength, length);
            joinedLength += length;
        }
        dataLines++;
    }

    /** Streams repeat a handful of event names; the last one's String is reused. */
    private String eventName(int from, int to) {
        if (!Arrays.equals(buf, from, to, lastNameBytes, 0, lastNameBytes.length)) {
            lastNameBytes = Arrays.copyOfRange(buf, from, to);
            lastName = new String(lastNameBytes, StandardCharsets.UTF_8);
        }
        return lastName;
    }

    /** Finds the next line and sets {@code lineStart}/{@code lineEnd}; false at the end of input. */
    private boolean readLine() throws IOException {
        int scanned = 0; // bytes from pos known to hold no line end
        for (; ; ) {
            if (skipLf) {
                // the previous line ended in \r; a \n right after it belongs to that line end
                if (pos < limit) {
                    skipLf = false;
                    if (buf[pos] == '\n') {
                        pos++;
                    }
                } else if (eof) {
                    skipLf = false;
                }
            }
            if (!skipLf) {
                for (int i = pos + scanned; i < limit; i++) {
                    byte b = buf[i];
                    if (b == '\n' || b == '\r') {
                        if (i - pos > maxLine) {
                            throw tooLong();
                        }
                        lineStart = pos;
                        lineEnd = i;
                        pos = i + 1;
                        skipLf = b == '\r';
                        skipByteOrderMark();
                        return true;
                    }
                }
                scanned = limit - pos;
                if (scanned > maxLine) {
                    throw tooLong();
                }
                if (eof) {
                    if (scanned == 0) {
                        return false;
                    }
                    lineStart = pos; // a last line without its line end
                    lineEnd = limit;
                    pos = limit;
                    skipByteOrderMark();
                    return true;
                }
            }
            fill();
        }
    }

    private void fill() throws IOException {
        if (pos == limit) {
            pos = 0;
            limit = 0;
        } else if (limit == buf.length) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            } else {
                // a line longer than the buffer; readLine has checked it is not longer than maxLine
                buf = Arrays.copyOf(buf, (int) Math.min(2L * buf.length, maxLine + 2L));
            }
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) {
            eof = true;
        } else if (n > 0) {
            limit += n;
            if (onRead != null) {
                onRead.run();
            }
        }
    }

    private void skipByteOrderMark() {
        if (atStart) {
            atStart = false;
            if (lineEnd - lineStart >= 3
                    && buf[lineStart] == (byte) 0xEF
                    && buf[lineStart + 1] == (byte) 0xBB
                    && buf[lineStart + 2] == (byte) 0xBF) {
                lineStart += 3;
            }
        }
    }

    private IOException tooLong() {
        return new IOException("an upstream event line is longer than max_body_size (" + maxLine + " bytes)");
    }
}
