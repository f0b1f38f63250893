package io.flowkit;

import java.io.Closeable;
import java.io.IOException;

/**
 * A source of captured frames: a capture file, a live interface, or an application's own
 * capture. This is the service-provider interface through which everything enters flowkit.
 *
 * <p>A source pushes frames into a {@link FrameHandler} in batches, without allocating per
 * frame: {@link #poll(FrameHandler, int)} delivers up to {@code maxFrames} frames and returns.
 * Frames are delivered in capture order; their buffer is reused after the handler returns.
 *
 * <h2>Implementing a source</h2>
 * <pre>{@code
 * final class MySource implements PacketSource {
 *     private final ByteBuffer frame = ByteBuffer.allocateDirect(65_536);
 *
 *     public int poll(FrameHandler handler, int maxFrames) throws IOException {
 *         int n = 0;
 *         while (n < maxFrames && myCapture.hasNext()) {
 *             int len = myCapture.next(frame);          // fills frame from index 0
 *             handler.onFrame(myCapture.timeNanos(), LinkType.ETHERNET, frame, 0, len, len);
 *             n++;
 *         }
 *         return n == 0 && myCapture.finished() ? END_OF_INPUT : n;
 *     }
 *
 *     public String name() { return "my-capture"; }
 *     public void close() { myCapture.close(); }
 * }
 * }</pre>
 *
 * <h2>Threading and errors</h2>
 * A source is used by one thread at a time. Records that cannot be read are counted in
 * {@link #stats()} and skipped where the format allows it; when it does not (a damaged header,
 * a length that runs past the end of the file), {@code poll} throws a
 * {@link CaptureFormatException} naming the source and the byte offset. Frames delivered before
 * the error stay delivered.
 */
public interface PacketSource extends Closeable {

    /** Returned by {@link #poll(FrameHandler, int)} when the source has no more frames, ever. */
    int END_OF_INPUT = -1;

    /**
     * Delivers up to {@code maxFrames} frames to {@code handler}.
     *
     * @param handler   receives each frame, on the calling thread
     * @param maxFrames the most frames to deliver in this call, at least 1
     * @return the number of frames delivered (0 when a live source has nothing right now), or
     *         {@link #END_OF_INPUT} when the source is exhausted
     * @throws CaptureFormatException when the input is damaged beyond skipping a record
     * @throws IOException            when reading fails
     */
    int poll(FrameHandler handler, int maxFrames) throws IOException;

    /**
     * Returns a name for messages and statistics: a file path, an interface name.
     *
     * @return a short human-readable name
     */
    String name();

    /**
     * Returns a snapshot of what the source has read and skipped so far.
     *
     * @return the counters; all zero for a source that does not count
     */
    default SourceStats stats() {
        return SourceStats.EMPTY;
    }
}
