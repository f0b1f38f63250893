package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.TrackerConfig;
import io.flowkit.TrackerStats;
import io.flowkit.core.internal.bound.BoundGauge;
import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * flowkit's {@link FlowTracker}: decoder, engine and listeners on one thread.
 *
 * <p>Per frame: count it, take its timestamp at microsecond precision and advance network time
 * to it, firing the timers due before it ({@link FrameClock}), decode it into the reused
 * {@link PacketView}, and hand it to the
 * {@link Engine}. Records reach the listeners through {@link ConnectionSink}, which this class
 * implements; a listener that throws is counted and logged once, and the others still run.
 * Nothing here allocates per frame.
 *
 * <p><b>Batches.</b> {@link #run} takes frames from its source through a handler that, once
 * {@value #LOOK_AHEAD_FROM} connections are open (too many for the caches), copies them into a
 * {@link FrameBatch} and processes them a batch at a time after a {@link LookAhead} has loaded
 * their connections' state; fewer connections, and frames the batch cannot hold, go straight
 * through as in {@link #onFrame}, after the frames held before them. Every frame is processed
 * exactly as {@link #onFrame} processes it, in the same order, so records, listener calls,
 * statistics and timers are the same; the batch is emptied before {@code run} returns or throws
 * (a source that fails after some frames of a batch still has them processed first) and before
 * a source's {@code advanceTime}. {@link #onFrame} itself never batches: its frame is valid only
 * during the call.
 */
public final class DefaultFlowTracker implements FlowTracker, ConnectionSink {
    private static final int POLL_BATCH = 1024;
    /**
     * Open connections from which {@link #run} looks ahead over batches of frames: below it the
     * state fits in the caches and the copy and the look-ahead cost more than they save (about 70
     * ns per packet with 1,000 connections, break-even near 30,000, 1.9 times faster at a million
     * in {@code OpenFlowsBenchmark}).
     */
    public static final int LOOK_AHEAD_FROM = 1 << 15;

    private final Decoder decoder;
    private final Engine engine;
    private final PacketView view = new PacketView();
    private final Listeners listeners;
    private final BoundListeners boundListeners;
    private final ConnectionSink extraSink;
    private final FrameClock clock = new FrameClock();
    /** The extra sink's own bound (scan sources), or null. */
    private final BoundGauge scanGauge;
    private boolean closed;
    private final FrameBatch batch = new FrameBatch();
    private final LookAhead lookAhead;
    private final FrameHandler batcher = new Batcher();
    private final FrameBatch.Processor held = this::heldFrame;
    private final Runnable drainer = this::drain;
    private final int lookAheadFrom;

    /**
     * Creates a tracker.
     *
     * @param config validated settings
     */
    public DefaultFlowTracker(TrackerConfig config) {
        this(config, null);
    }

    /**
     * Creates a tracker that also feeds a second sink (scan detection).
     *
     * @param config    validated settings
     * @param extraSink also receives every record and ICMP unreachable, after the listeners; or null
     */
    public DefaultFlowTracker(TrackerConfig config, ConnectionSink extraSink) {
        this(config, extraSink, LOOK_AHEAD_FROM);
    }

    /**
     * Creates a tracker that batches frames in {@link #run} from another number of open
     * connections than {@link #LOOK_AHEAD_FROM}; 0 batches every frame that fits (tests use it to
     * compare the batched and the direct path on small captures).
     *
     * @param config        validated settings
     * @param extraSink     also receives every record and ICMP unreachable, after the listeners; or null
     * @param lookAheadFrom open connections from which to batch
     */
    public DefaultFlowTracker(TrackerConfig config, ConnectionSink extraSink, int lookAheadFrom) {
        this.lookAheadFrom = lookAheadFrom;
        this.boundListeners = new BoundListeners(config.boundListeners());
        this.decoder = new Decoder(config);
        decoder.fragmentGauge().signalTo(boundListeners);
        long seed = config.uidSeed() != null ? config.uidSeed() : Uids.randomSeed();
        this.engine = new Engine(config, this, seed);
        this.lookAhead = new LookAhead(engine);
        this.listeners = new Listeners(config.connectionListeners());
        this.extraSink = extraSink;
        this.scanGauge = extraSink != null ? extraSink.boundGauge() : null;
        if (scanGauge != null) {
            scanGauge.signalTo(boundListeners);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("tracker is closed");
        }
    }

    @Override
    public void onFrame(long timestampNanos, int linkType, ByteBuffer buffer, int offset, int captureLength,
                        int wireLength) {
        ensureOpen();
        frame(timestampNanos, linkType, buffer, offset, captureLength, captureLength, wireLength);
    }

    /**
     * Counts, times, decodes and processes one frame.
     *
     * @param length   the captured bytes to decode
     * @param captured the captured length to count
     */
    private void frame(long timestampNanos, int linkType, ByteBuffer buffer, int offset, int length, int captured,
                       int wireLength) {
        long ts = clock.frame(timestampNanos, captured, engine);
        if (decoder.decode(ts, linkType, buffer, offset, length, wireLength, view)) {
            Layers.process(decoder, engine, view);
        }
    }

    /** Processes a held frame as {@link #onFrame} would have. */
    private void heldFrame(long ts, int linkType, ByteBuffer data, int offset, int length, int captured,
                           int wireLength) {
        ensureOpen();
        frame(ts, linkType, data, offset, length, captured, wireLength);
    }

    /** Processes the frames held in the batch, in order, after looking ahead at them. */
    private void drain() {
        batch.process(lookAhead, held);
    }


    @Override
    public void advanceTime(long timestampNanos) {
        ensureOpen();
        clock.advance(timestampNanos, engine);
    }

    @Override
    public void run(PacketSource source) throws IOException {
        ensureOpen();
        while (poll(source) != PacketSource.END_OF_INPUT) {
            ensureOpen();
        }
    }

    /** Polls the source through the batching handler and empties the batch, also when polling fails. */
    private int poll(PacketSource source) throws IOException {
        return FrameBatch.poll(source, batcher, POLL_BATCH, drainer);
    }

    @Override
    public long networkTimeNanos() {
        return clock.now();
    }

    @Override
    public TrackerStats stats() {
        long[] c = new long[EngineCounters.COUNT];
        EngineCounters.read(engine, decoder, c);
        TrackerStats.Builder b = EngineCounters.toStats(c, TrackerStats.builder())
                .packets(clock.frames()).bytes(clock.bytes())
                .evictions(Bound.SCAN_SOURCES, scanGauge != null ? scanGauge.evictions() : 0)
                .boundReached(Bound.SCAN_SOURCES, scanGauge != null ? scanGauge.reached() : 0)
                .listenerFailures(listeners.failures() + boundListeners.failures()
                        + (extraSink != null ? extraSink.listenerFailures() : 0));
        return b.build();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        engine.flush();
        if (extraSink != null) {
            extraSink.endOfInput();
        }
        closed = true;
    }

    @Override
    public void connectionProgress(Connection snapshot) {
        listeners.progress(snapshot);
    }

    @Override
    public void connectionRemoved(Connection connection) {
        listeners.closed(connection);
        if (extraSink != null) {
            extraSink.connectionRemoved(connection);
        }
    }

    @Override
    public void boundReached(Bound bound, long limit) {
        boundListeners.reached(bound, limit);
    }

    @Override
    public void icmpUnreachable(PacketView v) {
        if (extraSink != null) {
            extraSink.icmpUnreachable(v);
        }
    }

    /** The handler {@link #run} polls with: batches frames while many connections are open. */
    private final class Batcher implements FrameHandler {
        @Override
        public void onFrame(long timestampNanos, int linkType, ByteBuffer buffer, int offset, int captureLength,
                            int wireLength) {
            int n = FrameBatch.copyLength(buffer, offset, captureLength);
            if (n < 0 || engine.active() < lookAheadFrom) {
                drain();
                DefaultFlowTracker.this.onFrame(timestampNanos, linkType, buffer, offset, captureLength, wireLength);
                return;
            }
            if (!batch.fits(n)) {
                drain();
            }
            batch.add(timestampNanos, linkType, buffer, offset, n, captureLength, wireLength);
        }

        @Override
        public void advanceTime(long timestampNanos) {
            drain();
            DefaultFlowTracker.this.advanceTime(timestampNanos);
        }
    }
}
