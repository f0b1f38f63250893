package io.flowkit.core.internal.log;

import io.flowkit.core.LogFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The output side shared by flowkit's log writers: a buffered UTF-8 stream, Zeek's header and
 * footer in {@link LogFormat#ZEEK}, one reused line buffer, and the first I/O failure kept for
 * {@link #flush()} and {@link #close()} (listeners cannot throw checked exceptions; after a
 * failure later records are dropped). Not thread-safe.
 *
 * <p><b>Encoding.</b> Log lines are ASCII but for rare field values, so a line is copied
 * character by character into a reused byte buffer; a line holding any other character is
 * encoded whole by {@link String#getBytes} in UTF-8, with the same bytes a UTF-8
 * {@code Writer} gives (a lone surrogate becomes {@code ?}). Cost: one pass over the line and
 * nothing allocated for an ASCII line, where a {@code Writer} copies the line into a new string
 * and runs a charset encoder over it. A record written to {@link #asciiLine()} is bytes already
 * and is copied as it is.
 */
public final class LogStream {
    private final OutputStream out;
    private final LogFormat format;
    private final boolean flushEachRecord;
    private final StringBuilder line = new StringBuilder(256);
    private final AsciiLine asciiLine = new AsciiLine();
    private final byte[] buffer;
    private int buffered;
    private char[] chars = new char[256];
    private IOException failure;
    private boolean closed;
    private long records;

    /**
     * Opens the stream and, in Zeek format, writes the header.
     *
     * @param out             the destination; closed by {@link #close()}
     * @param format          the format
     * @param flushEachRecord whether {@link #endRecord()} flushes
     * @param path            Zeek's {@code #path}
     * @param fields          column names
     * @param types           Zeek types of the columns
     * @param bufferSize      bytes buffered before a write reaches {@code out}
     */
    public LogStream(OutputStream out, LogFormat format, boolean flushEachRecord, String path, List<String> fields,
                     List<String> types, int bufferSize) {
        this.out = out;
        this.buffer = new byte[bufferSize];
        this.format = format;
        this.flushEachRecord = flushEachRecord;
        if (format == LogFormat.ZEEK) {
            ZeekAscii.header(line, path, fields, types);
            emit();
        }
    }

    /** @return the format records are to be written in */
    public LogFormat format() {
        return format;
    }

    /** @return whether a record may be written: not closed and no write has failed */
    public boolean accepting() {
        return !closed && failure == null;
    }

    /** @return the line buffer to append one record to, then call {@link #endRecord()} */
    public StringBuilder line() {
        return line;
    }

    /**
     * Returns the byte line to append one record to instead of {@link #line()}, then call
     * {@link #endRecord()}; a record uses one or the other.
     *
     * @return the byte line, empty
     */
    public AsciiLine asciiLine() {
        return asciiLine;
    }

    /** Writes the record appended to {@link #line()} or {@link #asciiLine()}, and flushes if configured to. */
    public void endRecord() {
        records++;
        if (asciiLine.length() > 0) {
            try {
                put(asciiLine.bytes(), asciiLine.length());
            } catch (IOException e) {
                failure = e;
            }
            asciiLine.clear();
        } else {
            emit();
        }
        if (flushEachRecord && failure == null) {
            try {
                drain();
                out.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    /** @return records written so far */
    public long records() {
        return records;
    }

    private void emit() {
        try {
            int n = line.length();
            if (n > buffer.length - buffered) {
                drain();
            }
            if (n <= buffer.length && ascii(n)) {
                return;
            }
            byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
            put(bytes, bytes.length);
        } catch (IOException e) {
            failure = e;
        } finally {
            line.setLength(0);
        }
    }

    /** Buffers {@code n} bytes, writing them straight through when they are more than the buffer holds. */
    private void put(byte[] bytes, int n) throws IOException {
        if (n > buffer.length - buffered) {
            drain();
        }
        if (n > buffer.length) {
            out.write(bytes, 0, n);
        } else {
            System.arraycopy(bytes, 0, buffer, buffered, n);
            buffered += n;
        }
    }

    /**
     * Copies the line into the buffer if it is all ASCII; the caller has made room for it.
     *
     * @param n the line's length
     * @return whether the line was ASCII and is now buffered
     */
    private boolean ascii(int n) {
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
        }
        char[] c = chars;
        line.getChars(0, n, c, 0);
        byte[] b = buffer;
        int at = buffered;
        for (int i = 0; i < n; i++) {
            char ch = c[i];
            if (ch >= 0x80) {
                return false;
            }
            b[at + i] = (byte) ch;
        }
        buffered = at + n;
        return true;
    }

    /** Writes the buffered bytes to the output. */
    private void drain() throws IOException {
        if (buffered > 0) {
            int n = buffered;
            buffered = 0;
            out.write(buffer, 0, n);
        }
    }

    /**
     * Flushes buffered lines.
     *
     * @throws IOException the first write failure, if any
     */
    public void flush() throws IOException {
        if (failure != null) {
            throw failure;
        }
        drain();
        out.flush();
    }

    /**
     * Writes the footer (Zeek format), flushes and closes the destination. Idempotent.
     *
     * @throws IOException the first write failure, if any
     */
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (format == LogFormat.ZEEK && failure == null) {
            ZeekAscii.footer(line);
            emit();
        }
        try {
            if (failure == null) {
                drain();
            }
            out.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
