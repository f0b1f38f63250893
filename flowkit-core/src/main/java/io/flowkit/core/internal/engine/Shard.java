package io.flowkit.core.internal.engine;

import io.flowkit.Bound;
import io.flowkit.Connection;
import io.flowkit.Protocol;
import io.flowkit.TrackerConfig;
import io.flowkit.core.internal.decode.PacketView;
import java.util.concurrent.locks.LockSupport;

/**
 * One engine thread of a {@link ShardedFlowTracker}: takes decoded packets and time marks from its
 * {@link PacketRing}, runs its own {@link Engine} over them exactly as {@link DefaultFlowTracker}
 * does (time first, then the packet), and puts every record, every bound its engine reaches, and
 * every ICMP unreachable that scan detection wants, into its {@link OutcomeQueue} for the listener thread.
 *
 * <p>Counters are published to the listener thread through volatile fields whenever the ring
 * runs dry and at the end, not per packet. A {@link Throwable} from the engine ends the thread:
 * it is kept in {@link #failure()} and {@link #done()} turns true, so nobody waits on this shard
 * for ever.
 */
final class Shard implements ConnectionSink, Runnable {
    final PacketRing in;
    final OutcomeQueue out;
    private final Engine engine;
    private final PacketView view = new PacketView();
    private final boolean wantsUnreachables;
    private long now;
    /** Network time of the last {@link PacketRing#ADVANCE} or packet the listener thread sent. */
    long sentTime;

    private volatile long created;
    private volatile long closed;
    private volatile long evicted;
    private volatile long active;
    private volatile long peak;
    /** Compressor and bound counters, in the order of {@link #pendingCounters}. */
    private final long[] pending = new long[8];
    private volatile int pendingPublished;
    private volatile Throwable failure;
    private volatile boolean done;

    /**
     * Creates a shard; start it with a thread.
     *
     * @param config            the tracker's settings
     * @param maxConnections    this shard's table bound
     * @param seed              the uid seed shared by all shards
     * @param index             this shard's number, from 0
     * @param count             the number of shards
     * @param wantsUnreachables whether scan detection is on
     * @param ringCapacity      packet slots, a power of two
     * @param outCapacity       outcome slots, a power of two
     */
    Shard(TrackerConfig config, int maxConnections, long seed, int index, int count, boolean wantsUnreachables,
          int ringCapacity, int outCapacity) {
        this.in = new PacketRing(ringCapacity);
        this.out = new OutcomeQueue(outCapacity);
        this.engine = new Engine(config, maxConnections, this, seed, index, count);
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
                idle = idle(idle);
                continue;
            }
            idle = 0;
            long seq = in.first();
            for (int k = 0; k < n; k++, seq++) {
                int kind = in.kind(seq);
                if (kind == PacketRing.PACKET) {
                    in.read(seq, view);
                    advance(view.timestampNanos);
                    engine.process(view);
                } else {
                    advance(in.time(seq));
                    if (kind == PacketRing.END) {
                        engine.flush();
                        in.release(k + 1);
                        return;
                    }
                }
            }
            in.release(n);
        }
    }

    private void advance(long ts) {
        if (ts > now) {
            now = ts;
            engine.advance(ts);
        }
    }

    /**
     * Waits a little, more the longer nothing happened: a few spins, then yields, then short
     * parks, so an idle shard costs almost nothing on a busy machine.
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
        created = engine.created();
        closed = engine.closed();
        evicted = engine.evicted();
        active = engine.active();
        peak = engine.peak();
        pending[0] = engine.pendingActive();
        pending[1] = engine.pendingPeak();
        pending[2] = engine.promotions();
        pending[3] = engine.pendingExpiries();
        pending[4] = engine.pendingEvictions();
        pending[5] = engine.connectionEvictions();
        pending[6] = engine.connectionBoundReached();
        pending[7] = engine.pendingBoundReached();
        pendingPublished++; // volatile write publishes the array contents
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

    long created() {
        return created;
    }

    long closed() {
        return closed;
    }

    long evicted() {
        return evicted;
    }

    long active() {
        return active;
    }

    long peak() {
        return peak;
    }

    /**
     * Adds this shard's compressor and bound counters to {@code sums}: pending now, pending peak,
     * promotions, expiries, evictions; full-table evictions, times the full table and the pending
     * table started evicting.
     *
     * @param sums eight counters
     */
    void pendingCounters(long[] sums) {
        if (pendingPublished >= 0) { // volatile read before the array
            for (int i = 0; i < sums.length; i++) {
                sums[i] += pending[i];
            }
        }
    }

    Throwable failure() {
        return failure;
    }

    boolean done() {
        return done;
    }

    /** A bound of this shard's engine started evicting, on its way to the listener thread. */
    record BoundReached(Bound bound, long limit) {
    }

    /** An ICMP unreachable, as scan detection takes it, on its way to the listener thread. */
    record Unreachable(long timestampNanos, long srcHi, long srcLo, long dstHi, long dstLo, int dstPort,
                       Protocol proto) {
    }
}
