package io.flowkit.pcap.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A forward-moving window onto the bytes of a capture, shared by the pcap and pcapng readers.
 *
 * <p>Idea: a reader asks for a byte range by absolute file offset with {@link #fetch(long, int)};
 * the input makes that range contiguous in {@link #buffer()} at index {@link #index(long)} and
 * leaves it there until the next {@code fetch}. Memory-mapped files ({@link MappedInput}) move a
 * mapping window; streams ({@link StreamInput}) compact and refill one reusable array. Either way
 * no object is created per record.
 *
 * <p>Invariants: offsets only move forward between fetches of different records (a reader may
 * fetch a range again, or a range that starts later, never one that starts before the last
 * fetched range's start); a fetched range is at most {@link #MAX_FETCH} bytes. The buffer always
 * has big-endian order, so frames reach handlers in network order; readers swap file fields of
 * little-endian captures themselves.
 */
public abstract class Input implements Closeable {

    /**
     * The largest range a reader may fetch: a record of the largest accepted capture length plus
     * room for its header and block options.
     */
    public static final int MAX_FETCH = Limits.MAX_BLOCK_BYTES;

    /** File offset of {@code buffer} index 0. */
    protected long base;
    /** The window; big-endian. */
    protected ByteBuffer buffer;

    /**
     * Makes {@code length} bytes from file offset {@code position} available in {@link #buffer()}.
     *
     * @param position file offset of the first byte, not before the last fetched range's start
     * @param length   number of bytes, 0 to {@link #MAX_FETCH}
     * @return true if the bytes are available; false if the input ends before them, after which
     *         {@link #end()} is the input's exact length
     * @throws IOException if reading fails
     */
    public abstract boolean fetch(long position, int length) throws IOException;

    /**
     * Returns the input's length if known: always for files, after the first failed fetch for
     * streams; {@link Long#MAX_VALUE} otherwise.
     *
     * @return the end offset or {@link Long#MAX_VALUE}
     */
    public abstract long end();

    /**
     * Returns the buffer holding the last fetched range; it may change at each fetch.
     *
     * @return the current window
     */
    public final ByteBuffer buffer() {
        return buffer;
    }

    /**
     * Returns the buffer index of a file offset inside the last fetched range.
     *
     * @param position a file offset inside the last fetched range
     * @return its index in {@link #buffer()}
     */
    public final int index(long position) {
        return (int) (position - base);
    }
}
