package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.CloseReason;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
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
import java.security.SecureRandom;

/**
 * flowkit's {@link FlowTracker} on several cores ({@code FlowTracker.builder().threads(n)}).
 *
 * <p><b>Idea.</b> The calling thread (the reader) does what must see every packet in order:
 * counting, network time, decoding and fragment reassembly. It then picks a {@link Shard} by a
 * symmetric hash of the packet's two endpoints and copies the decoded fields into that shard's
 * {@link PacketRing}; each shard runs its own {@link Engine} on its own thread, timers included
 * (inactivity and progress ages alike, on the shard's own wheel). Records and progress snapshots
 * come back through each shard's {@link OutcomeQueue}, in the order the shard made them, and are
 * handed to the listeners, and records also to the single {@link ScanDetector}, on the calling
 * thread, inside {@link #onFrame}, {@link #run}, {@link #advanceTime} and {@link #close}: listener
 * code stays single-threaded, a connection's progress events precede its record, and one detector
 * sees every originator's attempts whichever shard tracked them (an outcome is per connection,
 * so this queue carries far less than the packet rings).
 *
 * <p><b>Why the records are the same as with one thread.</b> The engine keys a connection by its
 * addresses and, for TCP and UDP, its ports; the hash takes exactly those (addresses alone for
 * other protocols, whose keys the engine derives from ICMP types), summed over the two endpoints
 * so both directions meet in one shard. Fragments are reassembled before hashing, so a
 * datagram's pieces cannot split.
 *
 * <p><b>Tunnels stay on the calling thread.</b> Whether a UDP payload is a tunnel depends on the
 * state of its outer connection (Zeek decides by the responder port and by what the connection
 * already carried), and the inner packets need the outer connection's uid and the frame's bytes.
 * So UDP packets and GRE/IP-in-IP packets (the decoder marks them as possible tunnels) are tracked,
 * and decapsulated, by one more engine on the calling thread, with the single-threaded tracker's
 * code ({@link Layers}); TCP, ICMP and other protocols go to the shards. A connection's protocol
 * never changes, so each connection is tracked by exactly one engine. The price: UDP-heavy
 * traffic scales less with threads than TCP-heavy traffic. A shard advances its time with each of its packets before processing it,
 * as the single-threaded tracker does; time marks sent to every shard every
 * {@value #TICK} frames, on {@link #advanceTime} and at the end let idle shards expire
 * connections too, and {@link #close} moves every shard to the final network time before
 * flushing, so each connection ends with the same packets and the same state, and gets the same
 * progress snapshots, the last of them due by the final time included. What differs:
 * the order of records across shards, uids (shard {@code i} of {@code n} numbers its
 * connections {@code i, i+n+1, ...}, the calling thread's engine {@code n, 2n+1, ...}), the
 * table bound (each of the n+1 engines holds {@code ceil(maxConnections / (n + 1))}), scan events whose evidence depends on the order records
 * arrive in, and {@link TrackerStats#connectionsPeak()}, the sum of the shards' peaks.
 *
 * <p><b>Back-pressure, failures, shutdown.</b> Rings are bounded; when one is full the reader
 * delivers records (so a shard blocked on a full outcome queue moves again) and waits. A shard
 * whose engine throws stops; the reader notices while draining or waiting and throws an
 * {@link IllegalStateException} with the cause, after delivering every record that shard made.
 * {@link #close()} sends an end mark to every live shard, delivers records until every shard has
 * finished and its queue is empty, joins nothing (shards end by themselves), and only then reports
 * a failure not reported before. No wait is unbounded: every wait loop rechecks the shard's
 * liveness.
 *
 * <p><b>Cost.</b> Per UDP or tunnel packet on the reader: the whole single-threaded path. Per other
 * packet on the reader: the decode, two 64-bit mixes and about 30 field
 * copies into the ring; no allocation (records are allocated per connection by the shards).
 */
public final class ShardedFlowTracker implements FlowTracker {
    private static final int POLL_BATCH = 1024;
    private static final int TICK = 256;
    private static final int RING = 8192;
    private static final int OUT = 8192;

    private final Decoder decoder;
    private final PacketView view = new PacketView();
    private final Shard[] shards;
    /** Tracks UDP and IP-tunnel traffic (and everything inside tunnels) on the calling thread. */
    private final Engine local;
    private final Listeners listeners;
    private final BoundListeners boundListeners;
    private final ScanDetector detector;
    private final FrameClock clock = new FrameClock();
    private int sinceTick;
    private boolean closed;
    private Throwable failure;
    private boolean failureReported;

    /**
     * Creates a tracker and starts its engine threads.
     *
     * @param config   validated settings with {@code threads() >= 1}
     * @param detector the scan detector fed by every shard, or null when scan detection is off
     */
    public ShardedFlowTracker(TrackerConfig config, ScanDetector detector) {
        this.boundListeners = new BoundListeners(config.boundListeners());
        this.decoder = new Decoder(config);
        decoder.fragmentGauge().signalTo(boundListeners);
        this.detector = detector;
        if (detector != null) {
            detector.gauge().signalTo(boundListeners);
        }
        this.listeners = new Listeners(config.connectionListeners());
        long seed = config.uidSeed() != null ? config.uidSeed() : new SecureRandom().nextLong();
        int n = config.threads();
        int engines = n + 1;
        int perEngine = (int) ((config.maxConnections() + (long) engines - 1) / engines);
        this.shards = new Shard[n];
        for (int i = 0; i < n; i++) {
            shards[i] = new Shard(config, perEngine, seed, i, engines, detector != null, RING, OUT);
        }
        this.local = new Engine(config, perEngine, new LocalSink(), seed, n, engines);
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(shards[i], "flowkit-engine-" + i);
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
        long ts = clock.frame(timestampNanos, captureLength, local);
        if (decoder.decode(ts, linkType, buffer, offset, captureLength, wireLength, view)) {
            if (view.tunnel != PacketView.NO_TUNNEL) {
                Layers.process(decoder, local, view);
            } else {
                toShard();
            }
        }
        if (++sinceTick == TICK) {
            sinceTick = 0;
            tick();
        }
    }

    private void toShard() {
        Shard s = shards[shardOf(view, shards.length)];
        if (!s.in.hasRoom()) {
            awaitRoom(s);
        }
        s.in.offerPacket(view);
    }

    /**
     * Picks the shard of a decoded packet: a hash of the engine's key that is the same for both
     * directions.
     *
     * @param v      a decoded packet
     * @param shards the number of shards
     * @return a shard index in {@code [0, shards)}
     */
    static int shardOf(PacketView v, int shards) {
        boolean ports = v.ipProto == 6 || v.ipProto == 17;
        long a = endpoint(v.srcHi, v.srcLo, ports ? v.srcPort : 0);
        long b = endpoint(v.dstHi, v.dstLo, ports ? v.dstPort : 0);
        long h = mix(a + b);
        return (int) (((h >>> 32) * shards) >>> 32);
    }

    private static long endpoint(long hi, long lo, int port) {
        return mix(hi * 0x9E3779B97F4A7C15L + lo * 0xC2B2AE3D27D4EB4FL + port);
    }

    /** MurmurHash3's 64-bit finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    private void tick() {
        long now = clock.now();
        for (Shard s : shards) {
            if (s.sentTime < now && s.in.hasRoom()) {
                s.in.offerTime(PacketRing.ADVANCE, now);
                s.sentTime = now;
            }
        }
        drain();
        checkFailure();
    }

    private void awaitRoom(Shard s) {
        int idle = 0;
        do {
            drain();
            checkFailure();
            idle = Shard.idle(idle);
        } while (!s.in.hasRoom());
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
                    failure = new IllegalStateException("flowkit engine thread " + i + " failed", t);
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
        if (clock.advance(timestampNanos, local)) {
            tick();
        }
    }

    @Override
    public void run(PacketSource source) throws IOException {
        ensureOpen();
        while (source.poll(this, POLL_BATCH) != PacketSource.END_OF_INPUT) {
            ensureOpen();
        }
        tick();
    }

    @Override
    public long networkTimeNanos() {
        return clock.now();
    }

    @Override
    public TrackerStats stats() {
        long created = local.created();
        long closedCount = local.closed();
        long evicted = local.evicted();
        long active = local.active();
        long peak = local.peak();
        long[] pending = {local.pendingActive(), local.pendingPeak(), local.promotions(), local.pendingExpiries(),
            local.pendingEvictions(), local.connectionEvictions(), local.connectionBoundReached(),
            local.pendingBoundReached()};
        long[] resume = {local.resumeLinks(), local.resumeDropped(), local.resumeExpired()};
        for (Shard s : shards) {
            s.pendingCounters(pending);
            s.resumeCounters(resume);
            created += s.created();
            closedCount += s.closed();
            evicted += s.evicted();
            active += s.active();
            peak += s.peak();
        }
        TrackerStats.Builder b = TrackerStats.builder().packets(clock.frames()).bytes(clock.bytes())
                .badChecksums(decoder.badChecksums()).fragments(decoder.fragments())
                .reassembledDatagrams(decoder.reassembledDatagrams()).reassembliesDropped(decoder.reassembliesDropped())
                .connectionsCreated(created).connectionsClosed(closedCount).connectionsEvicted(evicted)
                .connectionsActive(active).connectionsPeak(peak)
                .pendingActive(pending[0]).pendingPeak(pending[1]).pendingPromotions(pending[2])
                .pendingExpiries(pending[3]).pendingEvictions(pending[4])
                .resumeLinks(resume[0]).resumeDropped(resume[1]).resumeExpired(resume[2])
                .evictions(Bound.CONNECTIONS, pending[5]).boundReached(Bound.CONNECTIONS, pending[6])
                .evictions(Bound.PENDING, pending[4]).boundReached(Bound.PENDING, pending[7])
                .evictions(Bound.FRAGMENTS, decoder.fragmentGauge().evictions())
                .boundReached(Bound.FRAGMENTS, decoder.fragmentGauge().reached())
                .evictions(Bound.SCAN_SOURCES, detector != null ? detector.gauge().evictions() : 0)
                .boundReached(Bound.SCAN_SOURCES, detector != null ? detector.gauge().reached() : 0)
                .listenerFailures(listeners.failures() + boundListeners.failures()
                        + (detector != null ? detector.listenerFailures() : 0));
        for (SkipReason r : SkipReason.values()) {
            b.skipped(r, decoder.skipped(r));
        }
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
            while (!s.done() && !s.in.hasRoom()) {
                drain();
                idle = Shard.idle(idle);
            }
            if (!s.done()) {
                s.in.offerTime(PacketRing.END, clock.now());
            }
        }
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
        local.flush();
        if (detector != null) {
            detector.endOfInput();
        }
        if (failure == null) {
            for (int i = 0; i < shards.length && failure == null; i++) {
                Throwable t = shards[i].failure();
                if (t != null) {
                    failure = new IllegalStateException("flowkit engine thread " + i + " failed", t);
                }
            }
        }
        if (failure != null && !failureReported) {
            throw failed();
        }
    }

    /** Where the calling thread's engine sends its records: straight to the listeners and the detector. */
    private final class LocalSink implements ConnectionSink {
        @Override
        public void connectionRemoved(Connection connection) {
            deliver(connection);
        }

        @Override
        public void boundReached(Bound bound, long limit) {
            boundListeners.reached(bound, limit);
        }

        @Override
        public void connectionProgress(Connection snapshot) {
            listeners.progress(snapshot);
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
