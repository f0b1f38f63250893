package io.flowkit.core.internal.engine;

/**
 * What a tracker does with every frame before decoding it, in one place so that the
 * single-threaded and the sharded tracker cannot disagree: count the frame and its captured
 * bytes, take its timestamp at microsecond precision, and move network time forward to it,
 * firing the engine's timers due by then before the frame is processed, as Zeek does.
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
     * Counts a frame and advances network time to it.
     *
     * @param timestampNanos the frame's timestamp, nanoseconds since the epoch
     * @param captureLength  the bytes captured; a negative length counts as 0
     * @param engine         the engine whose timers fire
     * @return the timestamp truncated to the microsecond, which the frame is processed at
     */
    long frame(long timestampNanos, int captureLength, Engine engine) {
        frames++;
        bytes += Math.max(0, captureLength);
        long ts = timestampNanos - Math.floorMod(timestampNanos, 1000L);
        advance(ts, engine);
        return ts;
    }

    /**
     * Moves network time forward to {@code timestampNanos}, firing the timers due by then.
     *
     * @param timestampNanos nanoseconds since the epoch
     * @param engine         the engine whose timers fire
     * @return whether time moved; an earlier or equal time changes nothing
     */
    boolean advance(long timestampNanos, Engine engine) {
        if (timestampNanos <= now) {
            return false;
        }
        now = timestampNanos;
        engine.advance(timestampNanos);
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
