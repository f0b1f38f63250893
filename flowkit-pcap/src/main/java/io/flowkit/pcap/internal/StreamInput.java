package io.flowkit.pcap.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * A capture read from a stream (stdin, a named pipe, a gzip-compressed file) through one reusable
 * buffer.
 *
 * <p>Idea: the buffer holds the stream's bytes {@code [base, base + filled)}. A fetch inside that
 * range costs nothing; a fetch that starts further on moves the still-needed tail to the front
 * (or discards bytes up to the new start) and reads until the range is there. The buffer starts
 * at 64 KiB and doubles only when one fetch needs more, up to {@link Input#MAX_FETCH}, so memory
 * is bounded whatever the input says.
 *
 * <p><b>Two sources.</b> A {@link FileInputStream} (standard input, a named pipe, a device) is read
 * through its {@link FileChannel} straight into the buffer: one copy, by the kernel, where the
 * stream's own reads copy twice (into a temporary native buffer, then into a Java array). On a
 * 3-million-packet capture (medians of 5) {@code flowkit analyze - < capture} went from 1.99 to
 * 1.88 s, close to the mapped file (1.85 s), and {@code cat capture | flowkit analyze -} from 2.33
 * to 2.18 s. Reading through a channel means that interrupting the reading thread closes the
 * stream (a {@link java.nio.channels.ClosedByInterruptException}), where a plain stream read would
 * go on. Any other stream (a decompressor, a socket's stream) is read into an array and copied on
 * into the buffer.
 *
 * <p><b>One buffer class.</b> The buffer is direct and handed out as a read-only view: the class
 * of the read-only mappings {@link MappedInput} hands out, and of the copies the tracker batches,
 * routes to its engine threads and reassembles fragments in, so the decoder's compiled code sees
 * one buffer class whatever the input. For a gzip-compressed capture that costs the copy from the
 * array, 2% of a run on the capture above (2.77 -> 2.82 s), and spares a class check at every
 * read once a second class shows up: with 20 fragmented datagrams in that capture, 3.15 -> 3.01
 * s. The buffer starts on a page boundary: the kernel copies a page-aligned file range about four
 * times slower into a destination 16 bytes past a page boundary, where
 * {@code ByteBuffer.allocateDirect} puts one.
 *
 * <p>Cost: each byte is copied once into the buffer by the kernel for a channel, and once more
 * from the array otherwise; nothing is allocated per record.
 */
public final class StreamInput extends Input {
    private static final int INITIAL = 64 << 10;
    private static final int PAGE = 4096;

    /** The stream; the input closes it. */
    private final InputStream in;
    /** The stream's channel if it is a file, read instead of the stream; null otherwise. */
    private final FileChannel channel;
    /** Array the bytes of a stream that is not a file pass through; null for a channel. */
    private final byte[] scratch;
    /** The writable buffer; {@link #buffer} is its read-only view. */
    private ByteBuffer store;
    private int filled;
    private long end = Long.MAX_VALUE;

    /**
     * Wraps {@code in}; the input owns it and closes it.
     *
     * @param in the stream, positioned at the capture's first byte
     */
    public StreamInput(InputStream in) {
        this(in, null, 0);
    }

    /**
     * Wraps {@code in}, whose first {@code prefixLength} bytes were already read into
     * {@code prefix}; the input owns the stream and closes it.
     *
     * @param in           the stream, positioned after the prefix
     * @param prefix       bytes read before, or null
     * @param prefixLength how many of {@code prefix} come first
     */
    public StreamInput(InputStream in, byte[] prefix, int prefixLength) {
        this.in = in;
        this.channel = in instanceof FileInputStream file ? file.getChannel() : null;
        this.scratch = channel == null ? new byte[INITIAL] : null;
        allocate(Math.max(INITIAL, prefixLength));
        if (prefixLength > 0) {
            store.put(0, prefix, 0, prefixLength);
            filled = prefixLength;
        }
    }

    /**
     * Replaces the buffer by one of at least {@code capacity} bytes (whole pages, direct, starting
     * on a page boundary), keeping the bytes held.
     */
    private void allocate(int capacity) {
        int pages = (capacity + PAGE - 1) & -PAGE;
        ByteBuffer grown = ByteBuffer.allocateDirect(pages + PAGE).alignedSlice(PAGE).limit(pages)
                .slice().order(ByteOrder.BIG_ENDIAN);
        if (store != null) {
            grown.put(0, store, 0, filled);
        }
        store = grown;
        buffer = grown.asReadOnlyBuffer().order(ByteOrder.BIG_ENDIAN);
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
            store.limit(filled).position((int) (position - base));
            store.compact().clear();
            base = position;
            filled = keep;
        }
        if (length > store.capacity()) {
            allocate(Math.min(MAX_FETCH, Math.max(length, store.capacity() * 2)));
        }
        while (filled < length) {
            int n = read(filled, store.capacity() - filled);
            if (n < 0) {
                end = base + filled;
                return false;
            }
            filled += n;
        }
        return true;
    }

    /** Reads up to {@code max} bytes into the buffer at {@code at}; -1 at the end of the stream. */
    private int read(int at, int max) throws IOException {
        if (channel != null) {
            store.limit(at + max).position(at);
            int n = channel.read(store);
            while (n == 0) {
                // only from a non-blocking descriptor with nothing to read yet: wait a little
                LockSupport.parkNanos(100_000);
                n = channel.read(store);
            }
            store.clear();
            return n;
        }
        int n = in.read(scratch, 0, Math.min(max, scratch.length));
        if (n > 0) {
            store.put(at, scratch, 0, n);
        }
        return n;
    }

    /** Reads and drops {@code count} bytes; false (and {@link #end} set) if the stream ends first. */
    private boolean discard(long count) throws IOException {
        long left = count;
        long at = base + filled;
        while (left > 0) {
            int n = read(0, (int) Math.min(store.capacity(), left));
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
