package io.flowkit;

import java.nio.ByteBuffer;

/**
 * Receives captured frames from a {@link PacketSource}. {@link FlowTracker} is the usual
 * handler; a source calls it once per frame from {@link PacketSource#poll(FrameHandler, int)}.
 *
 * <p>The frame is only valid during the call: the source reuses its buffer, so a handler that
 * keeps bytes must copy them. A handler reads the frame with absolute indexes and never changes
 * the buffer's position, limit, mark or byte order.
 *
 * <p>Calls come from the thread that polls the source.
 *
 * <p><b>Buffers, for speed.</b> Any {@link ByteBuffer} works. flowkit's own sources
 * ({@code PcapFile}, {@code PcapLive}) and the tracker's internal copies (look-ahead batches, the
 * rings of {@code threads(n)}, reassembled fragments) all hand frames out as read-only views of
 * direct buffers ({@link ByteBuffer#asReadOnlyBuffer()} of {@link ByteBuffer#allocateDirect}), one
 * buffer class. A source of your own that does the same keeps the tracker's compiled decoder to
 * that one class; a heap buffer or a writable direct buffer adds a second, and a class check at
 * every read (measured: 5 to 7% of a run).
 */
@FunctionalInterface
public interface FrameHandler {

    /**
     * Handles one captured frame.
     *
     * @param timestampNanos capture time in nanoseconds since the Unix epoch (network time)
     * @param linkType       the link-layer header type of the frame, a {@code LINKTYPE_} value as
     *                       in pcap files (see {@link LinkType})
     * @param buffer         the buffer holding the frame; read it with absolute indexes only
     * @param offset         index in {@code buffer} of the frame's first byte
     * @param captureLength  number of captured bytes available from {@code offset}
     * @param wireLength     length of the frame on the wire; larger than {@code captureLength}
     *                       when the capture truncated it (snap length)
     */
    void onFrame(long timestampNanos, int linkType, ByteBuffer buffer, int offset, int captureLength,
                 int wireLength);

    /**
     * Tells the handler that no frame arrived up to {@code timestampNanos}. Live sources call it
     * when the link is quiet so that idle connections still time out; file sources never need
     * to. Times earlier than the last frame's are ignored. The default does nothing.
     *
     * @param timestampNanos the current time in nanoseconds since the Unix epoch
     */
    default void advanceTime(long timestampNanos) {
    }
}
