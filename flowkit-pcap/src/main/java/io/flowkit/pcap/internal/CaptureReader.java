package io.flowkit.pcap.internal;

import io.flowkit.CaptureFormatException;
import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import java.io.IOException;

/**
 * What the pcap and pcapng readers share: the input, the read position, the byte order of the
 * file's own fields, the counters, and the poll loop's end-of-input bookkeeping.
 *
 * <p>Subclasses implement {@link #readRecord(FrameHandler)}, which delivers at most one frame
 * per call. The counters are plain fields: a source is used by one thread at a time.
 */
public abstract class CaptureReader implements PacketSource {
    /** The capture's bytes. */
    protected final Input input;
    /** Name for messages: the file path or the stream's name. */
    protected final String name;
    /** File offset of the next record or block. */
    protected long position;
    /** Whether the file's fields are little-endian (the buffer is always big-endian). */
    protected boolean swap;

    /** Frames delivered. */
    protected long frames;
    /** Captured bytes delivered. */
    protected long bytes;
    /** Delivered frames shorter than on the wire. */
    protected long truncated;
    /** Records skipped. */
    protected long skipped;

    private boolean finished;
    private boolean closed;

    /**
     * Creates a reader positioned after the file header, which the subclass has read.
     *
     * @param input    the capture's bytes
     * @param name     name for messages
     * @param position offset of the first record
     */
    protected CaptureReader(Input input, String name, long position) {
        this.input = input;
        this.name = name;
        this.position = position;
    }

    /**
     * Reads the record at {@link #position}, delivers it if it is a frame, and advances.
     *
     * @param handler receives the frame
     * @return 1 if a frame was delivered, 0 if the record was skipped or held no frame,
     *         -1 if the input ended (cleanly or inside a record that was then counted)
     * @throws IOException if reading fails or the capture is damaged beyond skipping
     */
    protected abstract int readRecord(FrameHandler handler) throws IOException;

    @Override
    public final int poll(FrameHandler handler, int maxFrames) throws IOException {
        if (maxFrames < 1) {
            throw new IllegalArgumentException("maxFrames must be at least 1, got " + maxFrames);
        }
        if (finished || closed) {
            return END_OF_INPUT;
        }
        int delivered = 0;
        while (delivered < maxFrames) {
            int r = readRecord(handler);
            if (r < 0) {
                finished = true;
                break;
            }
            delivered += r;
        }
        return delivered == 0 && finished ? END_OF_INPUT : delivered;
    }

    /**
     * Counts and hands one frame to the handler.
     *
     * @param handler        receives the frame
     * @param timestampNanos capture time
     * @param linkType       LINKTYPE_ value
     * @param index          buffer index of the frame
     * @param captureLength  captured bytes
     * @param wireLength     length on the wire as the file says
     */
    protected final void deliver(FrameHandler handler, long timestampNanos, int linkType, int index,
                                 int captureLength, long wireLength) {
        int wire = wireLength < captureLength ? captureLength : (int) Math.min(wireLength, Integer.MAX_VALUE);
        frames++;
        bytes += captureLength;
        if (captureLength < wire) {
            truncated++;
        }
        handler.onFrame(timestampNanos, linkType, input.buffer(), index, captureLength, wire);
    }

    /**
     * Reads a file field of 32 bits as an unsigned value.
     *
     * @param index buffer index
     * @return the value, 0 to 2^32 - 1
     */
    protected final long u32(int index) {
        int v = input.buffer().getInt(index);
        return (swap ? Integer.reverseBytes(v) : v) & 0xFFFF_FFFFL;
    }

    /**
     * Reads a file field of 16 bits as an unsigned value.
     *
     * @param index buffer index
     * @return the value, 0 to 65535
     */
    protected final int u16(int index) {
        short v = input.buffer().getShort(index);
        return (swap ? Short.reverseBytes(v) : v) & 0xFFFF;
    }

    /**
     * Reads a file field of 64 bits.
     *
     * @param index buffer index
     * @return the value
     */
    protected final long i64(int index) {
        long v = input.buffer().getLong(index);
        return swap ? Long.reverseBytes(v) : v;
    }

    /**
     * Creates the exception for damage at {@code offset}.
     *
     * @param offset file offset of the damaged structure
     * @param reason what is wrong
     * @return the exception to throw
     */
    protected final CaptureFormatException damaged(long offset, String reason) {
        return new CaptureFormatException(name, offset, reason);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final SourceStats stats() {
        return new SourceStats(frames, bytes, truncated, skipped, 0);
    }

    @Override
    public final void close() throws IOException {
        if (!closed) {
            closed = true;
            input.close();
        }
    }
}
