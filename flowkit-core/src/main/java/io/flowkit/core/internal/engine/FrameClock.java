package io.flowkit.core.internal.engine;

/**
 * What a tracker does with every frame before decoding it, in one place so that the
 * single-threaded and the sharded tracker cannot disagree: count the frame and its captured
 * bytes, take its timestamp at microsecond precision, and move network time forward to it,
 * firing the engine's timers due by then before the frame is processed, as Zeek does.
 *
 * <p>A thread that runs an engine passes it ({@link #frame(long, int, Engine)},
 * {@link #advance(long, Engine)}). The sharded tracker's reader runs no engine: it counts and
 * times frames without one ({@link #frame(long, int)}, {@link #advance(long)}), and each shard
 * fires its engine's timers with its own clock as the frames and time marks arrive.
 *
 * <p><b>Why microseconds:</b> Zeek reads captures through libpcap, which hands it microsecond
 * timestamps; durations, and which timers fire before a packet, must come out the same.
 *
 * <p><b>Invariant:</b> network time never moves back; a frame older than it is processed at its
 * own timestamp without firing anything. <b>Cost:</b> a few field updates per frame, no
 * allocation; one instance per tracker thread.
 */
final class FrameClock {
    private long now;
    private long frames;
    private long bytes;

    /**
     * Counts a frame and advances network time to it, firing the timers due by then.
     *
     * @param timestampNanos the frame's timestamp, nanoseconds since the epoch
     * @param captureLength  the bytes captured; a negative length counts as 0
     * @param engine         the engine whose timers fire
     * @return the timestamp truncated to the microsecond, which the frame is processed at
     */
    long frame(long timestampNanos, int captureLength, Engine engine) {
        long ts = count(timestampNanos, captureLength);
        advance(ts, engine);
        return ts;
    }

    /**
     * Counts a frame and advances network time to it, for a thread that runs no engine.
     *
     * @param timestampNanos the frame's timestamp, nanoseconds since the epoch
     * @param captureLength  the bytes captured; a negative length counts as 0
     * @return the timestamp truncated to the microsecond, which the frame is processed at
     */
    long frame(long timestampNanos, int captureLength) {
        long ts = count(timestampNanos, captureLength);
        advance(ts);
        return ts;
    }

    private long count(long timestampNanos, int captureLength) {
        frames++;
        bytes += Math.max(0, captureLength);
        return timestampNanos - Math.floorMod(timestampNanos, 1000L);
    }

    /**
     * Moves network time forward to {@code timestampNanos}, firing the timers due by then.
     *
     * @param timestampNanos nanoseconds since the epoch
     * @param engine         the engine whose timers fire
     * @return whether time moved; an earlier or equal time changes nothing
     */
    boolean advance(long timestampNanos, Engine engine) {
        if (!advance(timestampNanos)) {
            return false;
        }
        engine.advance(timestampNanos);
        return true;
    }

    /**
     * Moves network time forward to {@code timestampNanos}, for a thread that runs no engine.
     *
     * @param timestampNanos nanoseconds since the epoch
     * @return whether time moved; an earlier or equal time changes nothing
     */
    boolean advance(long timestampNanos) {
        if (timestampNanos <= now) {
            return false;
        }
        now = timestampNanos;
        return true;
    }

    /** @return network time: the latest frame or advanced time, 0 before the first */
    long now() {
        return now;
    }

    /** @return frames counted */
    long frames() {
        return frames;
    }

    /** @return captured bytes counted */
    long bytes() {
        return bytes;
    }
}
