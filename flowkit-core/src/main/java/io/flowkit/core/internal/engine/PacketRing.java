package io.flowkit.core.internal.engine;

import io.flowkit.core.internal.decode.PacketView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer, single-consumer queue of decoded packets, from the thread that
 * decodes to one engine thread.
 *
 * <p><b>Idea.</b> The engine reads only the primitive fields of a {@link PacketView}, never the
 * frame's bytes, so a packet travels as those fields, copied into preallocated slots: one
 * {@code long[]} and one {@code int[]} with a fixed stride per slot (struct of arrays, no objects,
 * no frame copy). Besides packets, a slot can carry "advance time to t" and "end of input at t".
 *
 * <p><b>Invariant.</b> {@code head <= tail <= head + capacity}. Only the producer writes
 * {@code tail} and the slots in {@code [tail, head + capacity)}; only the consumer writes
 * {@code head} and reads the slots in {@code [head, tail)}. The producer fills a slot, then
 * publishes it with a release store of {@code tail}; the consumer reads {@code tail} with an
 * acquire load before it reads the slot, and hands slots back with a release store of
 * {@code head} after it has read them (the Lamport queue, as in Agrona's
 * {@code OneToOneRingBuffer} and the LMAX Disruptor). Each side caches the other's counter and
 * reloads it only when the cache says full (or empty), so the common case touches no shared
 * cache line but the slot itself.
 *
 * <p><b>Cost.</b> About 30 field stores and loads per packet, no allocation, no lock.
 */
final class PacketRing {
    static final int PACKET = 0;
    static final int ADVANCE = 1;
    static final int END = 2;

    private static final int LONGS = 11;
    private static final int INTS = 19;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(PacketRing.class, "head", long.class);
            TAIL = l.findVarHandle(PacketRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] longs;
    private final int[] ints;
    private final int mask;

    // producer side, padded away from the consumer's counter
    private long tail;
    private long headCache;
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7, p8;
    // consumer side
    private long head;
    private long tailCache;

    /**
     * Creates a ring.
     *
     * @param capacity slots, a power of two
     */
    PacketRing(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        longs = new long[capacity * LONGS];
        ints = new int[capacity * INTS];
        mask = capacity - 1;
    }

    // ------------------------------------------------------------------ producer

    /**
     * Returns whether a slot is free for {@link #offerPacket} or {@link #offerTime}.
     *
     * @return {@code false} when the consumer has not yet read {@code capacity} earlier slots
     */
    boolean hasRoom() {
        if (tail - headCache <= mask) {
            return true;
        }
        headCache = (long) HEAD.getAcquire(this);
        return tail - headCache <= mask;
    }

    /** Publishes a packet; the caller checked {@link #hasRoom()}. */
    void offerPacket(PacketView v) {
        int i = (int) tail & mask;
        int l = i * LONGS;
        long[] L = longs;
        L[l] = v.timestampNanos;
        L[l + 1] = v.srcHi;
        L[l + 2] = v.srcLo;
        L[l + 3] = v.dstHi;
        L[l + 4] = v.dstLo;
        L[l + 5] = v.seq;
        L[l + 6] = v.ack;
        L[l + 7] = v.innerSrcHi;
        L[l + 8] = v.innerSrcLo;
        L[l + 9] = v.innerDstHi;
        L[l + 10] = v.innerDstLo;
        int n = i * INTS;
        int[] I = ints;
        I[n] = PACKET;
        I[n + 1] = v.ipVersion;
        I[n + 2] = v.ipProto;
        I[n + 3] = v.ipLength;
        I[n + 4] = v.srcPort;
        I[n + 5] = v.dstPort;
        I[n + 6] = v.icmpType;
        I[n + 7] = v.icmpCode;
        I[n + 8] = v.tcpFlags;
        I[n + 9] = v.window;
        I[n + 10] = v.payloadLength;
        I[n + 11] = v.payloadCaptured;
        I[n + 12] = (v.badChecksum ? 1 : 0) | (v.transportTruncated ? 2 : 0) | (v.reassembled ? 4 : 0);
        I[n + 13] = v.innerIpVersion;
        I[n + 14] = v.innerProto;
        I[n + 15] = v.innerSrcPort;
        I[n + 16] = v.innerDstPort;
        I[n + 17] = v.vlan;
        I[n + 18] = v.innerVlan;
        TAIL.setRelease(this, tail + 1);
    }

    /**
     * Publishes an {@link #ADVANCE} or {@link #END} at a network time; the caller checked
     * {@link #hasRoom()}.
     */
    void offerTime(int kind, long timestampNanos) {
        int i = (int) tail & mask;
        longs[i * LONGS] = timestampNanos;
        ints[i * INTS] = kind;
        TAIL.setRelease(this, tail + 1);
    }

    // ------------------------------------------------------------------ consumer

    /**
     * Returns how many slots are ready to read, starting at {@link #first()}.
     *
     * @return published and unread slots
     */
    int available() {
        if (tailCache == head) {
            tailCache = (long) TAIL.getAcquire(this);
        }
        return (int) (tailCache - head);
    }

    /** @return the sequence number of the oldest unread slot */
    long first() {
        return head;
    }

    /** @return the kind of slot {@code seq} */
    int kind(long seq) {
        return ints[((int) seq & mask) * INTS];
    }

    /** @return the time of slot {@code seq} */
    long time(long seq) {
        return longs[((int) seq & mask) * LONGS];
    }

    /** Fills {@code v} from packet slot {@code seq}; the view has no buffer (the engine needs none). */
    void read(long seq, PacketView v) {
        int i = (int) seq & mask;
        int l = i * LONGS;
        long[] L = longs;
        v.timestampNanos = L[l];
        v.srcHi = L[l + 1];
        v.srcLo = L[l + 2];
        v.dstHi = L[l + 3];
        v.dstLo = L[l + 4];
        v.seq = L[l + 5];
        v.ack = L[l + 6];
        v.innerSrcHi = L[l + 7];
        v.innerSrcLo = L[l + 8];
        v.innerDstHi = L[l + 9];
        v.innerDstLo = L[l + 10];
        int n = i * INTS;
        int[] I = ints;
        v.ipVersion = I[n + 1];
        v.ipProto = I[n + 2];
        v.ipLength = I[n + 3];
        v.srcPort = I[n + 4];
        v.dstPort = I[n + 5];
        v.icmpType = I[n + 6];
        v.icmpCode = I[n + 7];
        v.tcpFlags = I[n + 8];
        v.window = I[n + 9];
        v.payloadLength = I[n + 10];
        v.payloadCaptured = I[n + 11];
        int f = I[n + 12];
        v.badChecksum = (f & 1) != 0;
        v.transportTruncated = (f & 2) != 0;
        v.reassembled = (f & 4) != 0;
        v.innerIpVersion = I[n + 13];
        v.innerProto = I[n + 14];
        v.innerSrcPort = I[n + 15];
        v.innerDstPort = I[n + 16];
        v.vlan = I[n + 17];
        v.innerVlan = I[n + 18];
        v.payloadOffset = 0;
        v.buffer = null;
    }

    /**
     * Hands {@code count} read slots back to the producer.
     *
     * @param count slots read since the last call, at most {@link #available()}
     */
    void release(int count) {
        HEAD.setRelease(this, head + count);
    }
}
