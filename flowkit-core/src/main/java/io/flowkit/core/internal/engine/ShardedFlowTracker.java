package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.CloseReason;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.Protocol;
import io.flowkit.SkipReason;
import io.flowkit.TrackerConfig;
import io.flowkit.TrackerStats;
import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;
import io.flowkit.core.internal.scan.ScanDetector;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * flowkit's {@link FlowTracker} on several cores ({@code FlowTracker.builder().threads(n)}):
 * {@code n} engines, one run by the calling thread itself and {@code n - 1} by engine threads.
 *
 * <p><b>Idea.</b> Every frame passes through the calling thread (the reader): it counts the frame
 * and takes its network time ({@link FrameClock}), reads it only as far as its IP addresses
 * ({@link Decoder#decodeAddresses}: link layer and IP header, no checksum, no transport, with a
 * {@link Decoder#addressesOnly} decoder that holds no reassembly tables), and picks one of the
 * {@code n} engines by a symmetric hash of the two addresses (see "Balance"). Engine 0 is the
 * reader's own: a frame
 * for it is decoded and tracked at once, straight from the source's buffer, exactly as
 * {@link DefaultFlowTracker} does (its decoder verifies checksums and reassembles fragments, then
 * {@link Layers} runs it, tunnels included, through the engine). A frame for engine {@code k > 0}
 * is copied into the {@link FrameRing} of {@link Shard} {@code k}, whose thread does the same with
 * its own decoder and engine. So {@code n} engines keep {@code n} threads busy, not {@code n + 1}:
 * on a machine with {@code n} cores no core is shared by a router and an engine, and the reader's
 * own share of the frames is not copied while its engine's connections fit the caches. From
 * {@link DefaultFlowTracker#LOOK_AHEAD_FROM} open connections in the reader's engine, {@link #run}
 * copies the reader's own frames into a {@link FrameBatch} and processes them 32 at a time after a
 * {@link LookAhead}, as {@link DefaultFlowTracker#run} and the engine threads do (see
 * {@link Batcher}); {@link #onFrame} itself never holds a frame back. Records and progress snapshots of the reader's engine
 * reach the listeners (and records the single {@link ScanDetector}) as it makes them; those of the
 * other engines come back through each shard's {@link OutcomeQueue}, in the order the shard made
 * them, and are handed over on the calling thread too, inside {@link #onFrame}, {@link #run},
 * {@link #advanceTime} and {@link #close}: listener code stays single-threaded, a connection's
 * progress events precede its record, and one detector sees every originator's attempts whichever
 * engine tracked them (an outcome is per connection, so these queues carry far less than the frame
 * rings).
 *
 * <p><b>Why a connection stays in one engine: the outer address pair.</b> The engine keys a
 * connection by its addresses and ports, but the key here leaves the ports (and the protocol)
 * out: an IP fragment after the first carries no ports, and all fragments of a datagram must meet
 * in one {@link Decoder} to be reassembled. The hash sums one mix per address, so both directions
 * meet; the addresses are the ones the engine keys by (an IPv6 routing header's final
 * destination, a Home Address option), so a reply without those headers meets its request.
 * Tunnels stay whole too: the outer address pair sends an outer UDP tunnel connection, every
 * packet inside it and the GRE/IP-in-IP uid of that pair (kept per engine by {@link Tunnels}) to
 * one engine, which decapsulates with the state single-threaded tracking would have.
 *
 * <p><b>What differs from one thread.</b> The order of records across engines; uids (engine
 * {@code i} of {@code n} numbers its connections {@code i, i+n, ...}); the table bound (each engine
 * holds its {@link #share} of {@code maxConnections}); the resumed-connection store (each engine
 * remembers its share of {@code resumeCapacity}: a resumed connection has its expired one's
 * addresses, so it meets it in the same engine); the fragment reassembly budget (each engine's
 * decoder has the default); scan events whose evidence depends on the order records arrive in;
 * {@link TrackerStats#connectionsPeak()}, the sum of the engines' peaks. And an inner connection
 * that is seen through tunnels with different outer address pairs, or also outside any tunnel, is
 * tracked by each engine those pairs hash to, so it can give several records where one thread
 * gives one with its tunnel changes in {@code tunnel_parents}.
 *
 * <p><b>Time.</b> Every engine advances its time with each of its frames before decoding it, as
 * the single-threaded tracker does. The reader's engine also advances with every other frame and
 * with {@link #advanceTime}, as one thread would (while {@link #run} holds some of its frames
 * back, it catches up with them when they are processed); time marks sent to every shard every
 * {@value #TICK} frames, on {@link #advanceTime} and at the end let idle shards expire connections
 * too, and {@link #close} moves every engine to the final network time before flushing, so each
 * connection ends with the same packets and the same state, and gets the same progress snapshots,
 * the last of them due by the final time included.
 *
 * <p><b>Hand-off.</b> Frames are published to a shard in batches (one release store per
 * {@value #BATCH} frames, and whenever the reader ticks, waits, or returns from {@link #run}), so
 * the cache line a shard polls changes rarely. A frame larger than a ring's data area travels by
 * reference and the reader waits until its shard has decoded it, since the source may reuse the
 * buffer after {@code onFrame} returns. A waiting thread spins about a microsecond and then parks
 * until the other side signals ({@link FrameRing}: a shard when frames are published, the reader
 * when half a ring is free), so a blocked reader or an idle shard leaves its core to a thread with
 * work.
 *
 * <p><b>Back-pressure, failures, shutdown.</b> Rings are bounded; when one is full the reader
 * delivers records (so a shard blocked on a full outcome queue moves again) and waits: it cannot
 * run ahead with its own engine's frames instead, because they live in the source's buffer only
 * until {@code onFrame} returns. A shard whose decoder or engine throws stops; the reader notices
 * while draining or waiting and throws an {@link IllegalStateException} with the cause, after
 * delivering every record that shard made; what the reader's own engine throws reaches the caller
 * as it would from one thread. {@link #close()} sends an end mark to every live shard, flushes the
 * reader's engine while the shards flush theirs, delivers records until every shard has finished
 * and its queue is empty, joins nothing (shards end by themselves), and only then reports a
 * failure not reported before. No wait is unbounded: every wait loop rechecks the shard's liveness.
 *
 * <p><b>Balance.</b> The reader does more than its engine's share: it reads and routes every
 * frame, copies the others' frames, and runs every listener (writing a log line per record is a
 * good part of a record's cost), and the capture and the rings streaming through its caches make
 * its own engine's frames dearer than an engine thread's. With equal shares it is the slowest
 * thread and the engine threads wait for it: with two engines on a 2-core machine (per-thread CPU
 * time, {@code flowkit analyze} on generated captures) its thread took 1.8 times the CPU time of
 * the other with half a million flows open, and twice that with 1,000. So the hash range is cut
 * into {@code 2n - 1} parts and the reader's engine takes one, each engine thread two: with two
 * engines a third of the address pairs against two thirds, which evened the two threads' CPU time
 * with half a million flows and left the reader about 30% busier with 1,000. The split is fixed,
 * not adaptive: a pair's engine holds its connections, fragments and tunnels, so it must never
 * change. Bounds follow the same shares ({@link #share}), so a bound is reached at about the same
 * load as with one thread.
 *
 * <p><b>Cost.</b> Per frame on the reader: the link and IP header reads and three 64-bit mixes;
 * then either the single-threaded tracker's work, or one copy of the captured bytes and four
 * stores; no allocation (records are allocated per connection).
 */
public final class ShardedFlowTracker implements FlowTracker {
    private static final int POLL_BATCH = 1024;
    private static final int TICK = 256;
    private static final int BATCH = 32;
    private static final int RING_SLOTS = 8192;
    private static final int RING_BYTES = 4 << 20;
    private static final int OUT = 8192;
    /** The longest park while a ring is full, between deliveries of records. */
    private static final long WAIT_NANOS = 100_000L;

    /** Reads the addresses of every frame, to pick its engine. */
    private final Decoder router;
    private final PacketView routed = new PacketView();
    /** The reader's own engine, number 0, with its decoder and view. */
    private final Engine engine;
    private final Decoder decoder;
    private final PacketView view = new PacketView();
    /** The engine threads: {@code shards[k - 1]} runs engine {@code k}. */
    private final Shard[] shards;
    private final int engines;
    private final Listeners listeners;
    private final BoundListeners boundListeners;
    private final ScanDetector detector;
    private final FrameClock clock = new FrameClock();
    /** {@link #run}'s handler: holds the reader's own frames back for look-ahead with many connections open. */
    private final FrameHandler batcher = new Batcher();
    /** Frames of the reader's engine waiting in {@link #run}, copied ({@link Batcher}). */
    private final FrameBatch batch = new FrameBatch();
    private final LookAhead lookAhead;
    /** Open connections of the reader's engine from which {@link #run} batches its frames. */
    private final int lookAheadFrom;
    private final FrameBatch.Processor held = this::heldFrame;
    private final Runnable batchProcessor = this::processBatch;
    /** The time the reader's engine was last advanced to while frames wait in {@link #batch}. */
    private long engineTime;
    private int sinceTick;
    private boolean closed;
    private Throwable failure;
    private boolean failureReported;

    /**
     * Creates a tracker and starts its engine threads.
     *
     * @param config   validated settings with {@code threads() >= 1}
     * @param detector the scan detector fed by every engine, or null when scan detection is off
     */
    public ShardedFlowTracker(TrackerConfig config, ScanDetector detector) {
        this(config, detector, RING_SLOTS, RING_BYTES, DefaultFlowTracker.LOOK_AHEAD_FROM);
    }

    /**
     * Creates a tracker with rings of a given size and starts its engine threads.
     *
     * @param config    validated settings with {@code threads() >= 1}
     * @param detector  the scan detector fed by every engine, or null when scan detection is off
     * @param ringSlots frames and marks each ring holds, a power of two
     * @param ringBytes bytes of frames each ring holds, a power of two
     * @param lookAheadFrom open connections from which the engine threads look ahead at their
     *                      frames; 0 always (tests use it to cover that path with few connections)
     */
    ShardedFlowTracker(TrackerConfig config, ScanDetector detector, int ringSlots, int ringBytes, int lookAheadFrom) {
        this.boundListeners = new BoundListeners(config.boundListeners());
        this.router = Decoder.addressesOnly(config);
        this.detector = detector;
        if (detector != null) {
            detector.gauge().signalTo(boundListeners);
        }
        this.listeners = new Listeners(config.connectionListeners());
        long seed = config.uidSeed() != null ? config.uidSeed() : Uids.randomSeed();
        int n = config.threads();
        this.engines = n;
        this.decoder = new Decoder(config);
        decoder.fragmentGauge().signalTo(boundListeners);
        int maxPending = config.compressor() == null ? 0 : config.compressor().maxPendingConnections();
        this.engine = new Engine(config, share(config.maxConnections(), 0, n), share(config.resumeCapacity(), 0, n),
                share(maxPending, 0, n), new Sink(), seed, 0, n);
        this.lookAhead = new LookAhead(engine);
        this.lookAheadFrom = lookAheadFrom;
        this.shards = new Shard[n - 1];
        for (int k = 1; k < n; k++) {
            shards[k - 1] = new Shard(config, share(config.maxConnections(), k, n), share(config.resumeCapacity(), k, n),
                    share(maxPending, k, n), seed, k, n, detector != null, new FrameRing(ringSlots, ringBytes), ringSlots, OUT,
                    lookAheadFrom);
        }
        for (int k = 1; k < n; k++) {
            Thread t = new Thread(shards[k - 1], "flowkit-engine-" + k);
            t.setDaemon(true);
            t.start();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("tracker is closed");
        }
        if (failure != null) {
            throw failed();
        }
    }

    @Override
    public void onFrame(long timestampNanos, int linkType, ByteBuffer buffer, int offset, int captureLength,
                        int wireLength) {
        ensureOpen();
        long ts = clock.frame(timestampNanos, captureLength, engine);
        if (forReader(ts, linkType, buffer, offset, captureLength, wireLength)) {
            track(ts, linkType, buffer, offset, captureLength, wireLength);
        }
        frameDone();
    }

    /**
     * Reads a frame's addresses and hands a frame for an engine thread to it.
     *
     * @return whether the frame is for the reader's own engine ({@code false} also for a frame
     *         the router skips, counted by the router)
     */
    private boolean forReader(long ts, int linkType, ByteBuffer buffer, int offset, int captureLength,
                              int wireLength) {
        if (!router.decodeAddresses(ts, linkType, buffer, offset, captureLength, wireLength, routed)) {
            return false;
        }
        int k = shardOf(routed.srcHi, routed.srcLo, routed.dstHi, routed.dstLo, engines);
        if (k == 0) {
            return true;
        }
        // decodeAddresses accepted offset and length: the frame is the captured bytes in the buffer
        int length = (int) Math.min((long) captureLength, buffer.limit() - offset);
        toShard(shards[k - 1], ts, linkType, buffer, offset, length, wireLength);
        return false;
    }

    /** Decodes a frame of the reader's engine and tracks it there. */
    private void track(long ts, int linkType, ByteBuffer buffer, int offset, int length, int wireLength) {
        if (decoder.decode(ts, linkType, buffer, offset, length, wireLength, view)) {
            Layers.process(decoder, engine, view);
        }
    }

    /** Counts a routed frame; every {@value #TICK} frames the shards get the time and records are delivered. */
    private void frameDone() {
        if (++sinceTick == TICK) {
            sinceTick = 0;
            tick();
        }
    }

    private void toShard(Shard s, long ts, int linkType, ByteBuffer buffer, int offset, int length, int wireLength) {
        FrameRing ring = s.in;
        if (length > ring.dataCapacity()) {
            external(s, ts, linkType, buffer, offset, length, wireLength);
            return;
        }
        if (!ring.offerFrame(ts, linkType, buffer, offset, length, wireLength)) {
            int idle = 0;
            do {
                idle = await(s, idle);
            } while (!ring.offerFrame(ts, linkType, buffer, offset, length, wireLength));
        }
        if (ring.unpublished() >= BATCH) {
            ring.publish();
        }
    }

    /** Hands over a frame too large to copy and waits until its shard has decoded it. */
    private void external(Shard s, long ts, int linkType, ByteBuffer buffer, int offset, int length, int wireLength) {
        FrameRing ring = s.in;
        long seq;
        int idle = 0;
        while ((seq = ring.offerExternal(ts, linkType, buffer, offset, length, wireLength)) < 0) {
            idle = await(s, idle);
        }
        ring.publish();
        idle = 0;
        while (!ring.consumed(seq)) {
            idle = await(s, idle);
        }
    }

    /**
     * Picks the engine of a packet from the addresses the engine keys it by: a hash that is the
     * same for both directions and ignores ports, so fragments and tunnels stay together. The hash
     * range is cut into {@code 2n - 1} equal parts: engine 0, the reader's, takes one, every other
     * engine two (see {@link #share}).
     *
     * @param srcHi  source address, high 64 bits (IPv4-mapped for IPv4)
     * @param srcLo  source address, low 64 bits
     * @param dstHi  destination address, high 64 bits
     * @param dstLo  destination address, low 64 bits
     * @param shards the number of engines
     * @return an engine index in {@code [0, shards)}
     */
    static int shardOf(long srcHi, long srcLo, long dstHi, long dstLo, int shards) {
        long h = mix(endpoint(srcHi, srcLo) + endpoint(dstHi, dstLo));
        int part = (int) (((h >>> 32) * (2L * shards - 1)) >>> 32);
        return (part + 1) >>> 1;
    }

    /**
     * Returns engine {@code k}'s share of a bound, in proportion to its share of the address
     * pairs ({@link #shardOf}): {@code ceil(total / (2n - 1))} for engine 0, twice that for the
     * others, so that a bound is reached at about the same total load as with one thread.
     *
     * @param total  the tracker's bound
     * @param k      the engine
     * @param shards the number of engines
     * @return the engine's bound, at least 1 when {@code total} is
     */
    static int share(int total, int k, int shards) {
        long parts = k == 0 ? 1 : 2;
        long all = 2L * shards - 1;
        return (int) ((total * parts + all - 1) / all);
    }

    private static long endpoint(long hi, long lo) {
        return mix(hi * 0x9E3779B97F4A7C15L + lo * 0xC2B2AE3D27D4EB4FL);
    }

    /** MurmurHash3's 64-bit finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    /** Sends network time to every shard that has not seen it, publishes, and delivers records. */
    private void tick() {
        long now = clock.now();
        for (Shard s : shards) {
            if (s.sentTime < now && s.in.offerTime(FrameRing.ADVANCE, now)) {
                s.sentTime = now;
            }
            s.in.publish();
        }
        drain();
        checkFailure();
    }

    /**
     * One round of waiting for shard {@code s}: publishes what it has not seen, delivers records
     * (a shard blocked on a full outcome queue then moves again), and idles.
     */
    private int await(Shard s, int idle) {
        s.in.publishAndWake();
        drain();
        checkFailure();
        if (s.done()) {
            // only a failure ends a shard before close(), and it is set before done
            checkFailure();
        }
        if (idle < Shard.SPINS) {
            Thread.onSpinWait();
        } else {
            // woken when the shard has freed half its ring; the timeout delivers records meanwhile
            s.in.awaitRoom(WAIT_NANOS);
        }
        return idle + 1;
    }

    /** Delivers every record and unreachable the shards have queued, shard by shard. */
    private void drain() {
        for (Shard s : shards) {
            for (Object o; (o = s.out.poll()) != null; ) {
                if (o instanceof Connection c) {
                    if (c.closeReason() == CloseReason.STILL_OPEN) {
                        listeners.progress(c);
                    } else {
                        deliver(c);
                    }
                } else if (o instanceof Shard.BoundReached b) {
                    boundListeners.reached(b.bound(), b.limit());
                } else {
                    Shard.Unreachable u = (Shard.Unreachable) o;
                    detector.onUnreachable(u.timestampNanos(), u.srcHi(), u.srcLo(), u.dstHi(), u.dstLo(),
                            u.dstPort(), u.proto());
                }
            }
        }
    }

    private void deliver(Connection connection) {
        listeners.closed(connection);
        if (detector != null) {
            detector.onConnection(connection);
        }
    }

    private void checkFailure() {
        if (failure == null) {
            for (int i = 0; i < shards.length; i++) {
                Throwable t = shards[i].failure();
                if (t != null) {
                    drain();
                    failure = shardFailed(i, t);
                    break;
                }
            }
        }
        if (failure != null) {
            throw failed();
        }
    }

    private IllegalStateException failed() {
        failureReported = true;
        return new IllegalStateException(failure.getMessage(), failure.getCause());
    }

    @Override
    public void advanceTime(long timestampNanos) {
        ensureOpen();
        if (clock.advance(timestampNanos, engine)) {
            tick();
        }
    }

    @Override
    public void run(PacketSource source) throws IOException {
        ensureOpen();
        while (poll(source) != PacketSource.END_OF_INPUT) {
            ensureOpen();
            // a live source returns whatever it had: the shards get it now, not a batch later
            for (Shard s : shards) {
                s.in.publish();
            }
        }
        tick();
    }

    /** Polls the source through {@link #batcher}; the reader's held frames are processed before it returns or throws. */
    private int poll(PacketSource source) throws IOException {
        return FrameBatch.poll(source, batcher, POLL_BATCH, batchProcessor);
    }

    /**
     * Processes the reader's held frames in order after looking ahead at them, each at its own
     * time as the reader's engine would have processed it at once, then brings that engine to the
     * network time of the frames routed since (see {@link Batcher}).
     */
    private void processBatch() {
        if (batch.count == 0) {
            return;
        }
        batch.process(lookAhead, held);
        advanceEngine(clock.now());
    }

    /** Processes a held frame of the reader's engine at its own time. */
    private void heldFrame(long ts, int linkType, ByteBuffer data, int offset, int length, int captured,
                           int wireLength) {
        ensureOpen();
        advanceEngine(ts);
        track(ts, linkType, data, offset, length, wireLength);
    }

    private void advanceEngine(long ts) {
        if (ts > engineTime) {
            engineTime = ts;
            engine.advance(ts);
        }
    }

    /**
     * The handler {@link #run} polls with. Below {@link #lookAheadFrom} open connections in the
     * reader's engine it is {@link #onFrame}. From there the reader's own frames are copied into
     * {@link #batch} and processed 32 at a time after a {@link LookAhead}, as
     * {@link DefaultFlowTracker#run} and the engine threads do; frames for the engine threads are
     * routed at once. While frames wait, the reader's engine is not advanced with the other
     * engines' frames: it catches up frame by frame when the batch is processed, so each of its
     * frames still meets the timers due by its own time first, and timers due between two of its
     * frames fire at the later one, or when the batch is processed at the end of the source's poll
     * (at most {@value #POLL_BATCH} frames later than at once, as an engine thread's timers fire
     * up to a time mark, {@value #TICK} frames, later); ShardedFlowTrackerTest compares the
     * records, held back always and never, with one thread's.
     */
    private final class Batcher implements FrameHandler {
        @Override
        public void onFrame(long timestampNanos, int linkType, ByteBuffer buffer, int offset, int captureLength,
                            int wireLength) {
            if (batch.count == 0) {
                if (engine.active() < lookAheadFrom) {
                    ShardedFlowTracker.this.onFrame(timestampNanos, linkType, buffer, offset, captureLength, wireLength);
                    return;
                }
                engineTime = clock.now(); // with nothing held, the reader's engine is at the clock's time
            }
            ensureOpen();
            long ts = clock.frame(timestampNanos, captureLength);
            if (batch.count == 0) {
                advanceEngine(ts); // nothing held: the reader's engine moves with every frame, as in onFrame
            }
            if (forReader(ts, linkType, buffer, offset, captureLength, wireLength)) {
                int n = FrameBatch.copyLength(buffer, offset, captureLength);
                if (n < 0) {
                    processBatch(); // which brings the reader's engine to this frame's time
                    track(ts, linkType, buffer, offset, captureLength, wireLength);
                } else {
                    if (!batch.fits(n)) {
                        processBatch();
                    }
                    batch.add(ts, linkType, buffer, offset, n, captureLength, wireLength);
                }
            }
            frameDone();
        }

        @Override
        public void advanceTime(long timestampNanos) {
            processBatch();
            ShardedFlowTracker.this.advanceTime(timestampNanos);
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
        for (Shard s : shards) {
            s.addCounters(c);
        }
        // the router counts frames skipped before their addresses, an engine's decoder the rest
        for (SkipReason r : SkipReason.values()) {
            c[EngineCounters.SKIPPED + r.ordinal()] += router.skipped(r);
        }
        TrackerStats.Builder b = EngineCounters.toStats(c, TrackerStats.builder())
                .packets(clock.frames()).bytes(clock.bytes())
                .evictions(Bound.SCAN_SOURCES, detector != null ? detector.gauge().evictions() : 0)
                .boundReached(Bound.SCAN_SOURCES, detector != null ? detector.gauge().reached() : 0)
                .listenerFailures(listeners.failures() + boundListeners.failures()
                        + (detector != null ? detector.listenerFailures() : 0));
        return b.build();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Shard s : shards) {
            int idle = 0;
            while (!s.done() && !s.in.offerTime(FrameRing.END, clock.now())) {
                s.in.publishAndWake();
                drain();
                idle = Shard.idle(idle);
            }
            s.in.publishAndWake();
        }
        try {
            engine.flush(); // while the shards flush theirs
        } finally {
            awaitShards();
        }
        if (detector != null) {
            detector.endOfInput();
        }
        if (failure == null) {
            for (int i = 0; i < shards.length && failure == null; i++) {
                Throwable t = shards[i].failure();
                if (t != null) {
                    failure = shardFailed(i, t);
                }
            }
        }
        if (failure != null && !failureReported) {
            throw failed();
        }
    }

    /** Delivers records until every shard has finished and its queue is empty. */
    private void awaitShards() {
        int idle = 0;
        while (true) {
            boolean allDone = true;
            for (Shard s : shards) {
                allDone &= s.done();
            }
            drain();   // after reading done: everything a finished shard queued is delivered now
            if (allDone) {
                break;
            }
            idle = Shard.idle(idle);
        }
    }

    private static IllegalStateException shardFailed(int i, Throwable t) {
        return new IllegalStateException("flowkit engine thread " + (i + 1) + " failed", t);
    }

    /** Where the reader's own engine sends what it learns: straight to the listeners and the detector. */
    private final class Sink implements ConnectionSink {
        @Override
        public void connectionRemoved(Connection connection) {
            deliver(connection);
        }

        @Override
        public void connectionProgress(Connection snapshot) {
            listeners.progress(snapshot);
        }

        @Override
        public void boundReached(Bound bound, long limit) {
            boundListeners.reached(bound, limit);
        }

        @Override
        public void icmpUnreachable(PacketView v) {
            if (detector != null && ScanSink.quotesTransport(v)) {
                detector.onUnreachable(v.timestampNanos, v.innerSrcHi, v.innerSrcLo, v.innerDstHi, v.innerDstLo,
                        v.innerDstPort, v.innerProto == 6 ? Protocol.TCP : Protocol.UDP);
            }
        }
    }
}
