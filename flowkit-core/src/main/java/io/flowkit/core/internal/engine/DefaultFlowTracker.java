package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
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
 */
public final class DefaultFlowTracker implements FlowTracker, ConnectionSink {
    private static final int POLL_BATCH = 1024;

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
        this.boundListeners = new BoundListeners(config.boundListeners());
        this.decoder = new Decoder(config);
        decoder.fragmentGauge().signalTo(boundListeners);
        long seed = config.uidSeed() != null ? config.uidSeed() : Uids.randomSeed();
        this.engine = new Engine(config, this, seed);
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
        long ts = clock.frame(timestampNanos, captureLength, engine);
        if (decoder.decode(ts, linkType, buffer, offset, captureLength, wireLength, view)) {
            Layers.process(decoder, engine, view);
        }
    }


    @Override
    public void advanceTime(long timestampNanos) {
        ensureOpen();
        clock.advance(timestampNanos, engine);
    }

    @Override
    public void run(PacketSource source) throws IOException {
        ensureOpen();
        while (source.poll(this, POLL_BATCH) != PacketSource.END_OF_INPUT) {
            ensureOpen();
        }
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
}
