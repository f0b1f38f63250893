package io.flowkit.core.internal.compress;

import io.flowkit.Compressor;
import io.flowkit.core.internal.decode.PacketView;
import io.flowkit.core.internal.table.ConnectionTable;
import io.flowkit.core.internal.timer.TimerWheel;
import java.util.Arrays;

/**
 * The connection compressor's pending table: TCP connections that have seen exactly one packet.
 *
 * <p><b>Idea</b> (Bro's {@code ConnCompressor}, 2007, re-derived): most scan probes and flood
 * packets are never answered, so the state a full entry carries (sequence tracking of two
 * endpoints, history, reassembly bookkeeping) is wasted on them. A pending entry keeps only the
 * connection's first packet: its key, time, uid number and TCP header fields. Unlike Bro, which
 * approximated the full state, this table <em>replays</em> the stored packet into the engine when
 * the connection is promoted (a second packet from either side) or leaves (its first timer
 * fires, eviction, end of input). The engine then runs its ordinary code on the same packet
 * sequence, so records are identical to an uncompressed run by construction.
 *
 * <p><b>Invariant.</b> A key is in at most one of the pending table and the full table; the engine
 * consults the pending table only for packets with no full entry. An entry is never touched after
 * its insert, so the table's recency list is in arrival order, and since every entry has the same
 * delay (no later than the earliest timer its full entry would have had) it is also in deadline
 * order: expiry pops the stale end of the list, and no timer wheel is needed. The engine re-checks
 * the full entry's timers when the pending one fires. (A capture whose timestamps go backwards
 * can delay an entry's expiry behind an older neighbour's; its record is unchanged.)
 *
 * <p><b>Cost.</b> Keys, hash index and recency list as in {@link ConnectionTable} (32 bytes per
 * IPv4 slot, 64 for IPv6) plus 37 bytes of packet fields: 69 bytes per IPv4 entry against about
 * 280 for a full entry. Lookups, inserts and expiry allocate nothing; arrays double up to the
 * bound.
 */
public final class PendingTable {
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;
    private static final byte M_SRC_IS_A = 1;
    private static final byte M_FULL_PAYLOAD = 2;

    private final boolean onlySyns;
    private final boolean resets;
    private final boolean instantiateOnData;
    private final ConnectionTable keys;
    private final long delay;

    private long[] time;
    private long[] uid;
    private int[] seq;
    private int[] ack;
    private char[] window;
    private short[] tcpFlags;
    private byte[] meta;
    private int[] ipLength;
    private int[] payloadLength;

    private long peak;

    /**
     * Creates an empty table.
     *
     * @param settings the compressor's settings
     * @param delay    nanoseconds from an entry's packet to its expiry
     */
    public PendingTable(Compressor settings, long delay) {
        this.delay = delay;
        onlySyns = settings.handleOnlySyns();
        resets = settings.handleResets();
        instantiateOnData = settings.instantiateOnData();
        int max = settings.maxPendingConnections();
        keys = new ConnectionTable(Math.min(max, 1024), max);
        resize(keys.capacity());
    }

    private void resize(int cap) {
        time = time == null ? new long[cap] : Arrays.copyOf(time, cap);
        uid = uid == null ? new long[cap] : Arrays.copyOf(uid, cap);
        seq = seq == null ? new int[cap] : Arrays.copyOf(seq, cap);
        ack = ack == null ? new int[cap] : Arrays.copyOf(ack, cap);
        window = window == null ? new char[cap] : Arrays.copyOf(window, cap);
        tcpFlags = tcpFlags == null ? new short[cap] : Arrays.copyOf(tcpFlags, cap);
        meta = meta == null ? new byte[cap] : Arrays.copyOf(meta, cap);
        ipLength = ipLength == null ? new int[cap] : Arrays.copyOf(ipLength, cap);
        payloadLength = payloadLength == null ? new int[cap] : Arrays.copyOf(payloadLength, cap);
    }

    /**
     * Whether a TCP packet with no connection may start a pending entry under the settings.
     *
     * @param v the packet
     * @return whether to keep it pending
     */
    public boolean accepts(PacketView v) {
        if (v.ipProto != 6 || v.badChecksum || v.transportTruncated || v.ipLength > 0xFFFF) {
            return false;
        }
        int f = v.tcpFlags;
        if (instantiateOnData && v.payloadLength > 0) {
            return false;
        }
        if ((f & RST) != 0 && !resets) {
            return false;
        }
        return !onlySyns || (f & (SYN | ACK)) == SYN;
    }

    /**
     * Finds a TCP packet's pending entry.
     *
     * @param v the packet
     * @return its slot, or -1
     */
    public int find(PacketView v) {
        if (keys.size() == 0) {
            return -1;
        }
        return keys.find(6, v.srcHi, v.srcLo, v.srcPort, v.dstHi, v.dstLo, v.dstPort);
    }

    /** @return whether {@link #insert} needs {@link #evictionCandidate()} removed first */
    public boolean isAtBound() {
        return keys.isFull() && !keys.canGrow();
    }

    /** @return the stalest entry, or -1 when empty */
    public int evictionCandidate() {
        return keys.stalest();
    }

    /**
     * Stores a packet as a pending connection; the caller has checked {@link #accepts} and
     * {@link #isAtBound()}.
     *
     * @param v        the packet
     * @param uidNumber the connection's uid number, taken now so uids keep their creation order
     */
    public void insert(PacketView v, long uidNumber) {
        if (keys.isFull()) {
            resize(keys.grow());
        }
        int s = keys.insert(6, v.srcHi, v.srcLo, v.srcPort, v.dstHi, v.dstLo, v.dstPort);
        time[s] = v.timestampNanos;
        uid[s] = uidNumber;
        seq[s] = (int) v.seq;
        ack[s] = (int) v.ack;
        window[s] = (char) v.window;
        tcpFlags[s] = (short) v.tcpFlags;
        meta[s] = (byte) ((keys.lastLookupForward() ? M_SRC_IS_A : 0)
                | (v.payloadCaptured >= v.payloadLength ? M_FULL_PAYLOAD : 0));
        ipLength[s] = v.ipLength;
        payloadLength[s] = v.payloadLength;
        peak = Math.max(peak, keys.size());
    }

    /**
     * Writes an entry's packet into a view, ready to be processed again, and removes the entry.
     *
     * @param s   the slot
     * @param out receives the packet; fields the engine does not read for TCP are left alone
     * @return the entry's uid number
     */
    public long take(int s, PacketView out) {
        boolean srcIsA = (meta[s] & M_SRC_IS_A) != 0;
        out.timestampNanos = time[s];
        out.ipVersion = PacketView.isIpv4(keys.aHi(s), keys.aLo(s)) ? 4 : 6;
        out.ipProto = 6;
        out.srcHi = srcIsA ? keys.aHi(s) : keys.bHi(s);
        out.srcLo = srcIsA ? keys.aLo(s) : keys.bLo(s);
        out.dstHi = srcIsA ? keys.bHi(s) : keys.aHi(s);
        out.dstLo = srcIsA ? keys.bLo(s) : keys.aLo(s);
        out.srcPort = srcIsA ? keys.aPort(s) : keys.bPort(s);
        out.dstPort = srcIsA ? keys.bPort(s) : keys.aPort(s);
        out.tcpFlags = tcpFlags[s];
        out.seq = Integer.toUnsignedLong(seq[s]);
        out.ack = Integer.toUnsignedLong(ack[s]);
        out.window = window[s];
        out.ipLength = ipLength[s];
        out.payloadLength = payloadLength[s];
        out.payloadCaptured = (meta[s] & M_FULL_PAYLOAD) != 0 ? payloadLength[s] : 0;
        out.badChecksum = false;
        out.transportTruncated = false;
        long u = uid[s];
        keys.remove(s);
        return u;
    }

    /**
     * Fires every entry due by {@code now}, oldest first; the callback must {@link #take} the slot.
     *
     * @param now    the time advanced to
     * @param expiry receives each due slot
     */
    public void advance(long now, TimerWheel.Expiry expiry) {
        while (keys.size() > 0) {
            int s = keys.stalest();
            long t = time[s];
            long due = t > Long.MAX_VALUE - delay ? Long.MAX_VALUE : t + delay;
            if (due > now) {
                return;
            }
            expiry.expired(s, due, now);
        }
    }

    /**
     * Lists the entries in uid order (creation order), for the end of input.
     *
     * @return live slots sorted by uid number
     */
    public int[] slotsByUid() {
        int[] out = new int[keys.size()];
        int n = keys.liveSlots(out);
        int[] slots = Arrays.copyOf(out, n);
        it.unimi.dsi.fastutil.ints.IntArrays.quickSort(slots, (x, y) -> Long.compare(uid[x], uid[y]));
        return slots;
    }

    /** @return entries pending now */
    public int size() {
        return keys.size();
    }

    /** @return the most entries pending at once */
    public long peak() {
        return peak;
    }
}
