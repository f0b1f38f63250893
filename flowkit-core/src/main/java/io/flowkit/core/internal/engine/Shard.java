package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.Connection;
import io.flowkit.Protocol;
import io.flowkit.TrackerConfig;
import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;
import java.util.concurrent.locks.LockSupport;

/**
 * One engine thread of a {@link ShardedFlowTracker}: takes raw frames and time marks from its
 * {@link FrameRing} and does, per frame, exactly what {@link DefaultFlowTracker} does after
 * counting it: advance network time to the frame's ({@link FrameClock}, firing this engine's
 * timers), decode it with its own {@link Decoder} (checksums, fragment reassembly) and run it,
 * tunnel layers included, through its own {@link Engine} ({@link Layers}). Every record, every
 * progress snapshot, every bound its engine or decoder reaches, and every ICMP unreachable that
 * scan detection wants, goes into its
 * {@link OutcomeQueue} for the listener thread, in the order the engine made them.
 *
 * <p>Counters (engine, resume store and decoder) are published to the listener thread whenever
 * the ring runs dry and at the end, not per frame: a plain array made visible by a volatile
 * write. A {@link Throwable} from the decoder or the engine ends the thread: it is kept in
 * {@link #failure()} and {@link #done()} turns true, so nobody waits on this shard for ever.
 */
final class Shard implements ConnectionSink, Runnable {
    /** Slots handed back to the reader at a time while a long run of frames is decoded. */
    private static final int RELEASE_BATCH = 128;
    /** Polls of an empty ring before parking: about a microsecond. */
    static final int SPINS = 64;
    /** The longest park on an empty ring, and so the longest a trickle of frames waits. */
    private static final long PARK_NANOS = 1_000_000L;


    final FrameRing in;
    final OutcomeQueue out;
    private final Decoder decoder;
    private final Engine engine;
    private final PacketView view = new PacketView();
    private final LookAhead lookAhead;
    /** Open connections from which the shard looks ahead at the frames it takes. */
    private final int lookAheadFrom;
    private final boolean wantsUnreachables;
    /** Frames worth waking up for: an eighth of the ring. */
    private final int wakeSlots;
    /** This shard's network time; frames are counted by the reader, not here. */
    private final FrameClock clock = new FrameClock();
    /** Network time of the last {@link FrameRing#ADVANCE} the listener thread sent. */
    long sentTime;

    private final long[] counters = new long[EngineCounters.COUNT];
    private volatile int countersPublished;
    private volatile Throwable failure;
    private volatile boolean done;

    /**
     * Creates a shard; start it with a thread.
     *
     * @param config            the tracker's settings
     * @param maxConnections    this shard's table bound
     * @param resumeCapacity    how many expired connections this shard's resume store remembers
     * @param maxPending        this shard's share of the compressor's pending bound
     * @param seed              the uid seed shared by all shards
     * @param index             this shard's number, from 0
     * @param count             the number of shards
     * @param wantsUnreachables whether scan detection is on
     * @param ring              the ring of frames to take
     * @param ringSlots         the ring's slots
     * @param outCapacity       outcome slots, a power of two
     * @param lookAheadFrom     open connections from which frames are looked ahead at
     *                          ({@link DefaultFlowTracker#LOOK_AHEAD_FROM}; 0 always, for tests)
     */
    Shard(TrackerConfig config, int maxConnections, int resumeCapacity, int maxPending, long seed, int index, int count,
          boolean wantsUnreachables, FrameRing ring, int ringSlots, int outCapacity, int lookAheadFrom) {
        this.in = ring;
        this.wakeSlots = Math.max(1, ringSlots / 8);
        this.out = new OutcomeQueue(outCapacity);
        this.decoder = new Decoder(config);
        decoder.fragmentGauge().signalTo(this::boundReached);
        this.engine = new Engine(config, maxConnections, resumeCapacity, maxPending, this, seed, index, count);
        this.lookAhead = new LookAhead(engine);
        this.lookAheadFrom = lookAheadFrom;
        this.wantsUnreachables = wantsUnreachables;
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (Throwable t) {
            failure = t;
        } finally {
            publishCounters();
            done = true;
        }
    }

    private void loop() {
        int idle = 0;
        while (true) {
            int n = in.available();
            if (n == 0) {
                if (idle == 0) {
                    publishCounters();
                }
                if (++idle < SPINS) {
                    Thread.onSpinWait();
                } else {
                    in.awaitSlots(wakeSlots, PARK_NANOS);
                }
                continue;
            }
            idle = 0;
            long seq = in.first();
            int unreleased = 0;
            for (int k = 0; k < n; k++, seq++) {
                if (k % LookAhead.MAX_FRAMES == 0 && engine.active() >= lookAheadFrom) {
                    lookAhead(seq, Math.min(LookAhead.MAX_FRAMES, n - k));
                }
                int kind = in.kind(seq);
                long ts = in.time(seq);
                clock.advance(ts, engine);
                if (kind == FrameRing.FRAME || kind == FrameRing.EXTERNAL) {
                    if (decoder.decode(ts, in.linkType(seq), in.buffer(seq), in.offset(seq), in.captureLength(seq),
                            in.wireLength(seq), view)) {
                        Layers.process(decoder, engine, view);
                    }
                } else if (kind == FrameRing.END) {
                    engine.flush();
                    in.release(unreleased + 1);
                    return;
                }
                if (++unreleased == RELEASE_BATCH || kind == FrameRing.EXTERNAL) {
                    in.release(unreleased);
                    unreleased = 0;
                }
            }
            in.release(unreleased);
        }
    }

    /**
     * Loads the connection state of the next {@code count} slots' frames before they are
     * processed (see {@link LookAhead}), as {@code FlowTracker.run} does with many connections
     * open: the frames are in the ring already, so nothing is copied. Changes no state.
     */
    private void lookAhead(long seq, int count) {
        for (long s = seq; s < seq + count; s++) {
            int kind = in.kind(s);
            if (kind == FrameRing.FRAME || kind == FrameRing.EXTERNAL) {
                lookAhead.add(in.linkType(s), in.buffer(s), in.offset(s), in.captureLength(s));
            }
        }
        lookAhead.load();
    }

    /**
     * Waits a little, more the longer nothing happened: a few spins, then yields, then short
     * parks, so that a waiting thread leaves the core to the others on a busy machine.
     *
     * @param idle how many times in a row the caller found nothing to do
     * @return {@code idle + 1}
     */
    static int idle(int idle) {
        if (idle < 8) {
            Thread.onSpinWait();
        } else if (idle < 16) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(idle < 64 ? 10_000L : 100_000L);
        }
        return idle + 1;
    }

    private void publishCounters() {
        EngineCounters.read(engine, decoder, counters);
        countersPublished++; // volatile write publishes the array contents
    }

    /**
     * Adds this shard's last published counters to {@code sums}, indexed as
     * {@link EngineCounters} says.
     *
     * @param sums {@link EngineCounters#COUNT} counters
     */
    void addCounters(long[] sums) {
        if (countersPublished >= 0) { // volatile read before the array
            for (int i = 0; i < EngineCounters.COUNT; i++) {
                sums[i] += counters[i];
            }
        }
    }

    private void put(Object o) {
        int idle = 0;
        while (!out.offer(o)) {
            idle = idle(idle);
        }
    }

    @Override
    public void connectionRemoved(Connection connection) {
        put(connection);
    }

    /**
     * Queues a progress snapshot behind the records this shard made before it, so it reaches the
     * listeners before its connection's record. The snapshot was built here, complete, before the
     * queue publishes it; the listener thread tells it from a record by its
     * {@link io.flowkit.CloseReason#STILL_OPEN}.
     */
    @Override
    public void connectionProgress(Connection snapshot) {
        put(snapshot);
    }

    @Override
    public void boundReached(Bound bound, long limit) {
        put(new BoundReached(bound, limit));
    }

    @Override
    public void icmpUnreachable(PacketView v) {
        if (wantsUnreachables && ScanSink.quotesTransport(v)) {
            put(new Unreachable(v.timestampNanos, v.innerSrcHi, v.innerSrcLo, v.innerDstHi, v.innerDstLo,
                    v.innerDstPort, v.innerProto == 6 ? Protocol.TCP : Protocol.UDP));
        }
    }

    Throwable failure() {
        return failure;
    }

    boolean done() {
        return done;
    }

    /** A bound of this shard's engine or decoder started evicting, on its way to the listener thread. */
    record BoundReached(Bound bound, long limit) {
    }

    /** An ICMP unreachable, as scan detection takes it, on its way to the listener thread. */
    record Unreachable(long timestampNanos, long srcHi, long srcLo, long dstHi, long dstLo, int dstPort,
                       Protocol proto) {
    }
}
