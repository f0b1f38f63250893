package io.flowkit.bench.gen;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a classic pcap file (not pcapng) with nanosecond timestamps and link type
 * {@code LINKTYPE_ETHERNET}.
 *
 * <p>Layout (libpcap's savefile format, little-endian as written by x86 hosts): a 24-byte global
 * header with magic {@code 0xA1B23C4D} (the nanosecond-resolution variant), version 2.4, thiszone
 * 0, sigfigs 0, the snap length and the link type; then per frame a 16-byte record header
 * (seconds, nanoseconds, captured length, original length) followed by the captured bytes.
 *
 * <p>Frames go through one reused buffer that is flushed in large writes, so writing costs no
 * allocation per frame. Frames must be written in the order the file should hold them; the
 * writer does not sort. Not thread-safe.
 */
public final class PcapWriter implements Closeable {
    /** The nanosecond-resolution pcap magic number. */
    public static final int MAGIC_NANOS = 0xA1B23C4D;
    /** {@code LINKTYPE_ETHERNET}. */
    public static final int LINKTYPE_ETHERNET = 1;
    /** Size of the file header in bytes. */
    public static final int FILE_HEADER_LENGTH = 24;
    /** Size of each record header in bytes. */
    public static final int RECORD_HEADER_LENGTH = 16;

    private static final int BUFFER_SIZE = 1 << 20;

    private final OutputStream out;
    private final int snapLength;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int fill;
    private long frames;
    private boolean closed;

    /**
     * Creates (or truncates) {@code path} and writes the file header.
     *
     * @param path       the file to write
     * @param snapLength the snap length to record in the header; frames longer than it are
     *                   rejected
     * @throws IOException if the file cannot be created
     */
    public PcapWriter(Path path, int snapLength) throws IOException {
        this(Files.newOutputStream(path), snapLength);
    }

    /**
     * Writes the file header to {@code out}; {@link #close()} closes {@code out}.
     *
     * @param out        where the file's bytes go
     * @param snapLength the snap length to record in the header, 1 to 262144
     * @throws IOException if writing fails
     */
    public PcapWriter(OutputStream out, int snapLength) throws IOException {
        if (snapLength < 1 || snapLength > 262_144) {
            throw new IllegalArgumentException("snapLength must be 1..262144: " + snapLength);
        }
        this.out = out;
        this.snapLength = snapLength;
        putInt(MAGIC_NANOS);
        putShort(2);
        putShort(4);
        putInt(0);
        putInt(0);
        putInt(snapLength);
        putInt(LINKTYPE_ETHERNET);
    }

    /**
     * Appends one frame, captured whole.
     *
     * @param timestampNanos capture time, nanoseconds since the Unix epoch, not negative
     * @param frame          holds the frame
     * @param offset         index of the frame's first byte
     * @param length         frame length, 1 to the snap length
     * @throws IOException if writing fails
     */
    public void write(long timestampNanos, byte[] frame, int offset, int length) throws IOException {
        if (closed) {
            throw new IllegalStateException("writer is closed");
        }
        if (length < 1 || length > snapLength) {
            throw new IllegalArgumentException("frame length must be 1.." + snapLength + ": " + length);
        }
        if (timestampNanos < 0) {
            throw new IllegalArgumentException("negative timestamp: " + timestampNanos);
        }
        if (BUFFER_SIZE - fill < RECORD_HEADER_LENGTH + length) {
            flushBuffer();
        }
        putInt((int) (timestampNanos / 1_000_000_000L));
        putInt((int) (timestampNanos % 1_000_000_000L));
        putInt(length);
        putInt(length);
        System.arraycopy(frame, offset, buffer, fill, length);
        fill += length;
        frames++;
    }

    /**
     * Returns how many frames were written.
     *
     * @return the frame count
     */
    public long frames() {
        return frames;
    }

    /** Writes what is buffered and closes the underlying stream. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (OutputStream o = out) {
            flushBuffer();
            o.flush();
        }
    }

    private void flushBuffer() throws IOException {
        out.write(buffer, 0, fill);
        fill = 0;
    }

    private void putInt(int v) {
        buffer[fill] = (byte) v;
        buffer[fill + 1] = (byte) (v >>> 8);
        buffer[fill + 2] = (byte) (v >>> 16);
        buffer[fill + 3] = (byte) (v >>> 24);
        fill += 4;
    }

    private void putShort(int v) {
        buffer[fill] = (byte) v;
        buffer[fill + 1] = (byte) (v >>> 8);
        fill += 2;
    }
}
