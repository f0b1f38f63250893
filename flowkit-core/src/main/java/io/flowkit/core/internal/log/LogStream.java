package io.flowkit.core.internal.log;

import io.flowkit.core.LogFormat;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The output side shared by flowkit's log writers: a buffered UTF-8 stream, Zeek's header and
 * footer in {@link LogFormat#ZEEK}, one reused line buffer, and the first I/O failure kept for
 * {@link #flush()} and {@link #close()} (listeners cannot throw checked exceptions; after a
 * failure later records are dropped). Not thread-safe.
 */
public final class LogStream {
    private final Writer out;
    private final LogFormat format;
    private final boolean flushEachRecord;
    private final StringBuilder line = new StringBuilder(256);
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
        this.out = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), bufferSize);
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

    /** Writes the record appended to {@link #line()}, and flushes if configured to. */
    public void endRecord() {
        records++;
        emit();
        if (flushEachRecord && failure == null) {
            try {
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
            out.append(line);
        } catch (IOException e) {
            failure = e;
        }
        line.setLength(0);
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
