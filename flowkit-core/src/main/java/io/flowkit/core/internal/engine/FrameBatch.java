package io.flowkit.core.internal.engine;

import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Frames held back to be processed together: a {@link LookAhead} needs a run of frames before
 * it processes the first, and a {@link io.flowkit.PacketSource} may reuse its buffer as soon as
 * each frame's call returns, so each frame is copied here.
 *
 * <p><b>Layout.</b> The captured bytes one after another in one direct buffer of
 * {@value #BYTES} bytes (direct and big-endian, and read by the decoder through a read-only view:
 * the class of the read-only mappings a capture file is read through, so the same compiled code
 * serves both without a type check; with the writable buffer, batching's start cost 19
 * deoptimizations and a capture with half a million open flows 5% more time), and per frame its
 * timestamp, link
 * type, position, copied length, captured length as given, and wire length, in arrays. A frame
 * that does not fit ({@link #fits}) waits until the batch is emptied, and one larger than the
 * whole buffer is not held at all.
 *
 * <p><b>Invariant.</b> The copied length is the captured length cut at the source buffer's
 * limit: exactly the bytes the decoder would read from the source's buffer, so decoding the copy
 * is decoding the frame. The captured length as given is kept for the frame counters.
 *
 * <p><b>Cost.</b> One bulk copy per frame, into a buffer that stays in the cache; no allocation.
 */
final class FrameBatch {
    /** The most frames held at once. */
    static final int FRAMES = LookAhead.MAX_FRAMES;
    /** Bytes of the copy buffer. */
    static final int BYTES = 64 << 10;

    private final ByteBuffer copies = ByteBuffer.allocateDirect(BYTES);
    /**
     * The copies as the decoder reads them: a read-only view, the class of the read-only mappings
     * a capture file is read through, so the decoder's buffer reads stay monomorphic.
     */
    final ByteBuffer data = copies.asReadOnlyBuffer();
    final long[] time = new long[FRAMES];
    final int[] linkType = new int[FRAMES];
    final int[] offset = new int[FRAMES];
    /** Bytes copied. */
    final int[] length = new int[FRAMES];
    /** Captured length as the source gave it. */
    final int[] captureLength = new int[FRAMES];
    final int[] wireLength = new int[FRAMES];

    /** Frames held. */
    int count;
    private int used;

    /**
     * Tells how many bytes of a frame would be copied, or -1 if it cannot be held at all: an
     * offset or length the decoder would skip the frame for, or more bytes than the buffer.
     *
     * @param buffer        the source's buffer
     * @param offset        index of the frame's first byte
     * @param captureLength captured bytes
     * @return bytes to copy, or -1
     */
    static int copyLength(ByteBuffer buffer, int offset, int captureLength) {
        if (offset < 0 || captureLength < 0 || offset > buffer.limit()) {
            return -1;
        }
        int n = Math.min(captureLength, buffer.limit() - offset);
        return n <= BYTES ? n : -1;
    }

    /**
     * @param n bytes to copy, from {@link #copyLength}
     * @return whether a frame of {@code n} bytes fits beside the frames held
     */
    boolean fits(int n) {
        return count < FRAMES && used + n <= BYTES;
    }

    /** Copies a frame in; the caller checked {@link #fits}. */
    void add(long timestampNanos, int type, ByteBuffer buffer, int at, int n, int captured, int wire) {
        int i = count++;
        copies.put(used, buffer, at, n);
        time[i] = timestampNanos;
        linkType[i] = type;
        offset[i] = used;
        length[i] = n;
        captureLength[i] = captured;
        wireLength[i] = wire;
        used += n;
    }

    /** Forgets the frames held. */
    void clear() {
        count = 0;
        used = 0;
    }

    /** What {@link #process} hands the held frames to. */
    @FunctionalInterface
    interface Processor {
        /**
         * Processes one held frame, read from {@link #data}.
         *
         * @param length        bytes copied, what the decoder reads
         * @param captureLength the captured length as the source gave it, for the counters
         */
        void frame(long timestampNanos, int linkType, ByteBuffer data, int offset, int length, int captureLength,
                   int wireLength);
    }

    /**
     * Looks ahead at the frames held, so that their state loads together, then hands them to
     * {@code processor} in the order they came, and forgets them, also when the processor throws.
     *
     * @param lookAhead the look-ahead of the engine the frames are for
     * @param processor receives each frame
     */
    void process(LookAhead lookAhead, Processor processor) {
        int n = count;
        if (n == 0) {
            return;
        }
        try {
            for (int i = 0; i < n; i++) {
                lookAhead.add(linkType[i], data, offset[i], length[i]);
            }
            lookAhead.load();
            for (int i = 0; i < n; i++) {
                processor.frame(time[i], linkType[i], data, offset[i], length[i], captureLength[i], wireLength[i]);
            }
        } finally {
            clear();
        }
    }

    /**
     * Polls a source through a handler that holds frames back, then runs {@code drain}, which
     * processes what is held, also when polling throws: a source that fails after some frames
     * still has them processed. When both fail, the drain's exception is thrown with the
     * source's suppressed in it.
     *
     * @param source    the source
     * @param handler   the holding handler
     * @param maxFrames the most frames to poll
     * @param drain     processes the frames held
     * @return what the source's poll returned
     * @throws IOException as the source throws it
     */
    static int poll(PacketSource source, FrameHandler handler, int maxFrames, Runnable drain) throws IOException {
        int r;
        try {
            r = source.poll(handler, maxFrames);
        } catch (Throwable t) {
            try {
                drain.run();
            } catch (Throwable d) {
                d.addSuppressed(t);
                throw d;
            }
            throw t;
        }
        drain.run();
        return r;
    }
}
