package io.flowkit.pcap.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * A capture read from a stream (stdin, a gzip-compressed file) through one reusable array.
 *
 * <p>Idea: the array holds the file's bytes {@code [base, base + filled)}. A fetch inside that
 * range costs nothing; a fetch that starts further on moves the still-needed tail to the front
 * (or discards bytes up to the new start) and reads until the range is there. The array starts
 * at 64 KiB and doubles only when one fetch needs more, up to {@link Input#MAX_FETCH}, so memory
 * is bounded whatever the input says. Cost: each byte is copied at most once more than the
 * stream's own copy.
 */
public final class StreamInput extends Input {
    private static final int INITIAL = 64 << 10;

    private final InputStream in;
    private byte[] array;
    private int filled;
    private long end = Long.MAX_VALUE;

    /**
     * Wraps {@code in}; the input owns it and closes it.
     *
     * @param in the stream, positioned at the capture's first byte
     */
    public StreamInput(InputStream in) {
        this.in = in;
        this.array = new byte[INITIAL];
        this.buffer = ByteBuffer.wrap(array);
    }

    @Override
    public boolean fetch(long position, int length) throws IOException {
        if (length > MAX_FETCH || position < base) {
            throw new IllegalArgumentException("fetch " + position + "+" + length + " from " + base);
        }
        long last = position + length;
        long bufferedEnd = base + filled;
        if (last <= bufferedEnd) {
            return true;
        }
        if (last > end) {
            return false;
        }
        if (position >= bufferedEnd) {
            if (!discard(position - bufferedEnd)) {
                return false;
            }
            base = position;
            filled = 0;
        } else {
            int keep = (int) (bufferedEnd - position);
            System.arraycopy(array, (int) (position - base), array, 0, keep);
            base = position;
            filled = keep;
        }
        if (length > array.length) {
            byte[] grown = new byte[Math.min(MAX_FETCH, Math.max(length, array.length * 2))];
            System.arraycopy(array, 0, grown, 0, filled);
            array = grown;
            buffer = ByteBuffer.wrap(array);
        }
        while (filled < length) {
            int n = in.read(array, filled, array.length - filled);
            if (n < 0) {
                end = base + filled;
                return false;
            }
            filled += n;
        }
        return true;
    }

    /** Reads and drops {@code count} bytes; false (and {@link #end} set) if the stream ends first. */
    private boolean discard(long count) throws IOException {
        long left = count;
        long at = base + filled;
        while (left > 0) {
            int n = in.read(array, 0, (int) Math.min(array.length, left));
            if (n < 0) {
                end = at;
                base = at;
                filled = 0;
                return false;
            }
            left -= n;
            at += n;
        }
        return true;
    }

    @Override
    public long end() {
        return end;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
