package io.flowkit.core.internal.compress;

import io.flowkit.Compressor;
import io.flowkit.core.internal.decode.PacketView;
import io.flowkit.core.internal.timer.TimerWheel;
import java.util.Arrays;

/**
 * The connection compressor's pending table: TCP connections that have seen exactly one packet.
 *
 * <p><b>Idea</b> (Bro's {@code ConnCompressor}, 2007, re-derived): most scan probes and flood
 * packets are never answered, so the state a full entry carries (sequence tracking of two
 * endpoints, history, reassembly bookkeeping) is wasted on them. A pending entry keeps only the
 * connection's first packet, reduced to what the engine reads of it. Unlike Bro, which
 * approximated the full state, this table <em>replays</em> the stored packet into the engine when
 * the connection is promoted (a second packet from either side) or leaves (its first timer
 * fires, eviction, end of input). The engine then runs its ordinary code on the same packet
 * sequence, so records are identical to an uncompressed run by construction.
 *
 * <p><b>What is kept, and why that is the whole packet for the engine.</b> Key (addresses, ports,
 * which endpoint sent it), time in nanoseconds, uid number, sequence number, IP length, header
 * length (IP length minus payload), whether the payload was captured, and four TCP flags. Nothing
 * else of a TCP packet is read by the engine: of the flags only FIN, SYN, RST and ACK
 * ({@code Tcp}, the direction rules in {@code Engine.create}); of the window only whether it is
 * zero (history {@code W}), so one bit replaces it; the acknowledgement number only when ACK is
 * set, which a compressed first packet never has unless {@link Compressor#handleOnlySyns()} is
 * off (then a side array keeps it). The replayed packet differs from the original only in fields
 * nobody reads; {@code CompressorTest} runs every option with and without the table.
 *
 * <p><b>Layout: a ring in arrival order.</b> An entry is never touched after its insert, and every
 * entry has the same delay, so arrival order is deadline order (no later than the earliest timer
 * its full entry would have had). Entries therefore live in a ring of parallel primitive arrays
 * written at the tail, and expiry and eviction pop the head: no recency list, no timer wheel, and
 * inserts write sequential memory. A promoted entry leaves a hole (uid number -1); holes at either
 * end are trimmed at once, holes inside wait. The ring has {@code bound / 16} positions more than
 * the bound: when it is full of live entries and holes while fewer than {@code bound} entries live,
 * it is compacted in place (order kept) instead of evicting, so eviction happens exactly at the
 * bound, of the stalest entry. Compaction costs O(ring) and frees at least {@code bound / 16}
 * positions, so it adds at most 17 moves per insert, amortised. Lookups go through an
 * open-addressing index of {@code int} positions (linear probing, load at most 1/2, range
 * reduction by multiplication so its size need not be a power of two, deletion by backward shift).
 * IPv4 keys are one {@code long} of addresses and one {@code int} of ports; an IPv6 key's
 * {@code long} is an index into a side store of four longs per key. (A capture whose timestamps go
 * backwards can delay an entry's expiry behind an older neighbour's; its record is unchanged.)
 *
 * <p><b>Cost.</b> Per ring position: 8 (addresses) + 4 (ports) + 8 (time) + 8 (uid) + 4 (sequence)
 * + 2 (IP length) + 1 (header length) + 1 (flags and bits) = 36 bytes, plus 8 bytes of index per
 * entry of the bound: at the bound about 46 bytes per entry (IPv4; an IPv6 key adds 32 to 64, an
 * acknowledgement array 4). Lookups, inserts and expiry allocate nothing; arrays double up to the
 * bound. A packet the layout cannot hold (header longer than 255 bytes, IP length above 65,535)
 * is simply not compressed: it goes to the full table, with the same record.
 */
public final class PendingTable {
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;
    private static final int B_SRC_IS_A = 1;
    private static final int B_FULL_PAYLOAD = 2;
    private static final int B_WINDOW_ZERO = 4;
    private static final int B_V6 = 8;
    private static final long HOLE = -1;
    private static final int MIN_CAPACITY = 16;
    /**
     * Ring capacities are 16 short of a power of two ({@code 2^k - 16}), so each array, header
     * included, fills whole heap regions: G1 keeps large arrays in regions of their own, and an
     * array of exactly {@code 2^k} elements would take one more region than it needs.
     */
    private static final int FIRST_CAPACITY = 1024 - 16;

    private final boolean onlySyns;
    private final boolean resets;
    private final boolean instantiateOnData;
    private final long delay;
    private final int bound;
    private final int ringMax;

    private int capacity;
    private int head;
    private int used;
    private int live;
    private long peak;

    private long[] addr;
    private int[] ports;
    private long[] time;
    private long[] uid;
    private int[] seq;
    private char[] ipLength;
    private byte[] headerLength;
    private byte[] bits;
    /** Acknowledgement numbers, only when first packets with ACK may be compressed. */
    private int[] ack;

    private int[] index;

    private long[] v6 = new long[0];
    private int[] v6Free = new int[0];
    private int v6FreeCount;
    private int v6Used;

    /**
     * Creates an empty table bounded by {@link Compressor#maxPendingConnections()}.
     *
     * @param settings the compressor's settings
     * @param delay    nanoseconds from an entry's packet to its expiry
     */
    public PendingTable(Compressor settings, long delay) {
        this(settings, settings.maxPendingConnections(), delay);
    }

    /**
     * Creates an empty table with a bound of its own (one engine's share when several engines
     * split the compressor's bound).
     *
     * @param settings the compressor's settings
     * @param bound    the most entries the table holds, at least 1
     * @param delay    nanoseconds from an entry's packet to its expiry
     */
    public PendingTable(Compressor settings, int bound, long delay) {
        if (bound < 1) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        this.delay = delay;
        onlySyns = settings.handleOnlySyns();
        resets = settings.handleResets();
        instantiateOnData = settings.instantiateOnData();
        this.bound = bound;
        ringMax = (int) Math.min(Integer.MAX_VALUE - 16, bound + Math.max(1L, bound / 16));
        capacity = Math.min(ringMax, Math.max(MIN_CAPACITY, Math.min(bound, FIRST_CAPACITY)));
        addr = new long[capacity];
        ports = new int[capacity];
        time = new long[capacity];
        uid = new long[capacity];
        seq = new int[capacity];
        ipLength = new char[capacity];
        headerLength = new byte[capacity];
        bits = new byte[capacity];
        ack = onlySyns ? null : new int[capacity];
        index = new int[indexLength(capacity)];
    }

    private int indexLength(int cap) {
        return (int) Math.min(Integer.MAX_VALUE - 16, 2L * Math.min(cap, bound) + 2);
    }

    /**
     * Whether a TCP packet with no connection may start a pending entry under the settings.
     *
     * @param v the packet
     * @return whether to keep it pending
     */
    public boolean accepts(PacketView v) {
        if (v.ipProto != 6 || v.badChecksum || v.transportTruncated || v.ipLength > 0xFFFF
                || v.payloadLength < 0 || v.ipLength - v.payloadLength > 0xFF || v.ipLength < v.payloadLength) {
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

    // ------------------------------------------------------------- keys

    private static boolean isV4Pair(long shi, long slo, long dhi, long dlo) {
        return shi == 0 && dhi == 0 && (slo >>> 32) == 0xFFFF && (dlo >>> 32) == 0xFFFF;
    }

    /** Whether the source endpoint sorts first (is endpoint a); any fixed order does, both directions agree. */
    private static boolean srcFirst(long shi, long slo, int sp, long dhi, long dlo, int dp) {
        if (shi != dhi) {
            return Long.compareUnsigned(shi, dhi) < 0;
        }
        if (slo != dlo) {
            return Long.compareUnsigned(slo, dlo) < 0;
        }
        return sp <= dp;
    }

    private static long mix(long h) {
        h ^= h >>> 32;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        h *= 0x94D049BB133111EBL;
        return h ^ (h >>> 32);
    }

    private static long hashV4(long addrWord, int portWord) {
        return mix(addrWord * 0x9E3779B97F4A7C15L + portWord);
    }

    private static long hashV6(long ahi, long alo, long bhi, long blo, int portWord) {
        long h = ahi * 0x9E3779B97F4A7C15L;
        h = (h ^ alo) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ bhi) * 0x9E3779B97F4A7C15L;
        h = (h ^ blo) * 0xC2B2AE3D27D4EB4FL;
        return mix(h + portWord);
    }

    private int home(long hash) {
        return (int) (((hash >>> 32) * index.length) >>> 32);
    }

    private int next(int i) {
        return i + 1 == index.length ? 0 : i + 1;
    }

    private long hashAt(int pos) {
        if ((bits[pos] & B_V6) == 0) {
            return hashV4(addr[pos], ports[pos]);
        }
        int x = 4 * (int) addr[pos];
        return hashV6(v6[x], v6[x + 1], v6[x + 2], v6[x + 3], ports[pos]);
    }

    // ----------------------------------------------------------- lookup

    /**
     * Finds a TCP packet's pending entry.
     *
     * @param v the packet
     * @return its position, or -1
     */
    public int find(PacketView v) {
        if (live == 0) {
            return -1;
        }
        boolean fwd = srcFirst(v.srcHi, v.srcLo, v.srcPort, v.dstHi, v.dstLo, v.dstPort);
        long ahi = fwd ? v.srcHi : v.dstHi;
        long alo = fwd ? v.srcLo : v.dstLo;
        long bhi = fwd ? v.dstHi : v.srcHi;
        long blo = fwd ? v.dstLo : v.srcLo;
        int pw = fwd ? (v.srcPort << 16) | v.dstPort : (v.dstPort << 16) | v.srcPort;
        int[] idx = index;
        int e;
        if (isV4Pair(ahi, alo, bhi, blo)) {
            long aw = (alo << 32) | (blo & 0xFFFF_FFFFL);
            for (int i = home(hashV4(aw, pw)); (e = idx[i]) != 0; i = next(i)) {
                int p = e - 1;
                if (addr[p] == aw && ports[p] == pw && (bits[p] & B_V6) == 0) {
                    return p;
                }
            }
        } else {
            for (int i = home(hashV6(ahi, alo, bhi, blo, pw)); (e = idx[i]) != 0; i = next(i)) {
                int p = e - 1;
                if (ports[p] == pw && (bits[p] & B_V6) != 0) {
                    int x = 4 * (int) addr[p];
                    if (v6[x + 1] == alo && v6[x + 3] == blo && v6[x] == ahi && v6[x + 2] == bhi) {
                        return p;
                    }
                }
            }
        }
        return -1;
    }

    /** @return whether {@link #insert} needs {@link #evictionCandidate()} removed first */
    public boolean isAtBound() {
        return live == bound;
    }

    /** @return the stalest entry, or -1 when empty */
    public int evictionCandidate() {
        return live == 0 ? -1 : head;
    }

    // ----------------------------------------------------------- insert

    /**
     * Stores a packet as a pending connection; the caller has checked {@link #accepts} and
     * {@link #isAtBound()}.
     *
     * @param v         the packet
     * @param uidNumber the connection's uid number, taken now so uids keep their creation order
     */
    public void insert(PacketView v, long uidNumber) {
        if (used == capacity) {
            if (capacity < ringMax) {
                resize((int) Math.min(ringMax, 2L * capacity + 16));
            } else {
                compact();
            }
        }
        int p = wrap(head + used);
        used++;
        live++;
        boolean fwd = srcFirst(v.srcHi, v.srcLo, v.srcPort, v.dstHi, v.dstLo, v.dstPort);
        long ahi = fwd ? v.srcHi : v.dstHi;
        long alo = fwd ? v.srcLo : v.dstLo;
        long bhi = fwd ? v.dstHi : v.srcHi;
        long blo = fwd ? v.dstLo : v.srcLo;
        int pw = fwd ? (v.srcPort << 16) | v.dstPort : (v.dstPort << 16) | v.srcPort;
        int b = (fwd ? B_SRC_IS_A : 0) | (v.payloadCaptured >= v.payloadLength ? B_FULL_PAYLOAD : 0)
                | (v.window == 0 ? B_WINDOW_ZERO : 0) | packFlags(v.tcpFlags);
        if (isV4Pair(ahi, alo, bhi, blo)) {
            addr[p] = (alo << 32) | (blo & 0xFFFF_FFFFL);
        } else {
            int x = allocateV6();
            v6[4 * x] = ahi;
            v6[4 * x + 1] = alo;
            v6[4 * x + 2] = bhi;
            v6[4 * x + 3] = blo;
            addr[p] = x;
            b |= B_V6;
        }
        ports[p] = pw;
        bits[p] = (byte) b;
        time[p] = v.timestampNanos;
        uid[p] = uidNumber;
        seq[p] = (int) v.seq;
        ipLength[p] = (char) v.ipLength;
        headerLength[p] = (byte) (v.ipLength - v.payloadLength);
        if (ack != null) {
            ack[p] = (int) v.ack;
        }
        indexInsert(p);
        if (live > peak) {
            peak = live;
        }
    }

    /** FIN, SYN, RST (0x01, 0x02, 0x04) to bits 4 to 6, ACK (0x10) to bit 7: the flags the engine reads. */
    private static int packFlags(int f) {
        return ((f & 0x07) << 4) | ((f & ACK) << 3);
    }

    private static int unpackFlags(int b) {
        return ((b >>> 4) & 0x07) | ((b >>> 3) & ACK);
    }

    private int wrap(int i) {
        return i >= capacity ? i - capacity : i;
    }

    private void indexInsert(int p) {
        int i = home(hashAt(p));
        while (index[i] != 0) {
            i = next(i);
        }
        index[i] = p + 1;
    }

    private void indexRemove(int p) {
        int i = home(hashAt(p));
        while (index[i] != p + 1) {
            i = next(i);
        }
        // backward-shift deletion keeps every probe sequence unbroken
        int j = i;
        while (true) {
            j = next(j);
            int e = index[j];
            if (e == 0) {
                break;
            }
            int h = home(hashAt(e - 1));
            // move e into the hole at i unless its home lies cyclically in (i, j]
            boolean inRange = i <= j ? (h > i && h <= j) : (h > i || h <= j);
            if (!inRange) {
                index[i] = e;
                i = j;
            }
        }
        index[i] = 0;
    }

    private void rebuildIndex(int length) {
        if (index.length == length) {
            Arrays.fill(index, 0);
        } else {
            index = new int[length];
        }
        for (int k = 0; k < used; k++) {
            int p = wrap(head + k);
            if (uid[p] != HOLE) {
                indexInsert(p);
            }
        }
    }

    /** Moves the live entries into new arrays of {@code cap} positions, in ring order from 0. */
    private void resize(int cap) {
        long[] a2 = new long[cap];
        int[] p2 = new int[cap];
        long[] t2 = new long[cap];
        long[] u2 = new long[cap];
        int[] s2 = new int[cap];
        char[] l2 = new char[cap];
        byte[] h2 = new byte[cap];
        byte[] b2 = new byte[cap];
        int[] k2 = ack == null ? null : new int[cap];
        int n = 0;
        for (int k = 0; k < used; k++) {
            int p = wrap(head + k);
            if (uid[p] == HOLE) {
                continue;
            }
            a2[n] = addr[p];
            p2[n] = ports[p];
            t2[n] = time[p];
            u2[n] = uid[p];
            s2[n] = seq[p];
            l2[n] = ipLength[p];
            h2[n] = headerLength[p];
            b2[n] = bits[p];
            if (k2 != null) {
                k2[n] = ack[p];
            }
            n++;
        }
        addr = a2;
        ports = p2;
        time = t2;
        uid = u2;
        seq = s2;
        ipLength = l2;
        headerLength = h2;
        bits = b2;
        ack = k2;
        capacity = cap;
        head = 0;
        used = n;
        rebuildIndex(indexLength(cap));
    }

    /** Closes the holes inside the ring in place, keeping arrival order. */
    private void compact() {
        int w = head;
        for (int k = 0; k < used; k++) {
            int r = wrap(head + k);
            if (uid[r] == HOLE) {
                continue;
            }
            if (r != w) {
                addr[w] = addr[r];
                ports[w] = ports[r];
                time[w] = time[r];
                uid[w] = uid[r];
                seq[w] = seq[r];
                ipLength[w] = ipLength[r];
                headerLength[w] = headerLength[r];
                bits[w] = bits[r];
                if (ack != null) {
                    ack[w] = ack[r];
                }
            }
            w = wrap(w + 1);
        }
        used = live;
        rebuildIndex(index.length);
    }

    private int allocateV6() {
        if (v6FreeCount > 0) {
            return v6Free[--v6FreeCount];
        }
        if (4 * (v6Used + 1) > v6.length) {
            v6 = Arrays.copyOf(v6, Math.max(64, v6.length * 2));
            v6Free = Arrays.copyOf(v6Free, v6.length / 4);
        }
        return v6Used++;
    }

    // ------------------------------------------------------------- take

    /**
     * Writes an entry's packet into a view, ready to be processed again, and removes the entry.
     *
     * @param p   the position
     * @param out receives the packet; fields the engine does not read for TCP are left alone
     * @return the entry's uid number
     */
    public long take(int p, PacketView out) {
        int b = bits[p] & 0xFF;
        boolean srcIsA = (b & B_SRC_IS_A) != 0;
        long ahi;
        long alo;
        long bhi;
        long blo;
        if ((b & B_V6) == 0) {
            ahi = 0;
            bhi = 0;
            alo = PacketView.IPV4_MAPPED_PREFIX | (addr[p] >>> 32);
            blo = PacketView.IPV4_MAPPED_PREFIX | (addr[p] & 0xFFFF_FFFFL);
            out.ipVersion = 4;
        } else {
            int x = (int) addr[p];
            ahi = v6[4 * x];
            alo = v6[4 * x + 1];
            bhi = v6[4 * x + 2];
            blo = v6[4 * x + 3];
            out.ipVersion = 6;
        }
        int aPort = ports[p] >>> 16;
        int bPort = ports[p] & 0xFFFF;
        out.timestampNanos = time[p];
        out.ipProto = 6;
        out.srcHi = srcIsA ? ahi : bhi;
        out.srcLo = srcIsA ? alo : blo;
        out.dstHi = srcIsA ? bhi : ahi;
        out.dstLo = srcIsA ? blo : alo;
        out.srcPort = srcIsA ? aPort : bPort;
        out.dstPort = srcIsA ? bPort : aPort;
        out.tcpFlags = unpackFlags(b);
        out.seq = Integer.toUnsignedLong(seq[p]);
        out.ack = ack == null ? 0 : Integer.toUnsignedLong(ack[p]);
        out.window = (b & B_WINDOW_ZERO) != 0 ? 0 : 1;
        out.ipLength = ipLength[p];
        out.payloadLength = ipLength[p] - (headerLength[p] & 0xFF);
        out.payloadCaptured = (b & B_FULL_PAYLOAD) != 0 ? out.payloadLength : 0;
        out.badChecksum = false;
        out.transportTruncated = false;
        long u = uid[p];
        indexRemove(p);
        if ((b & B_V6) != 0) {
            v6Free[v6FreeCount++] = (int) addr[p];
        }
        uid[p] = HOLE;
        live--;
        while (used > 0 && uid[head] == HOLE) {
            head = wrap(head + 1);
            used--;
        }
        while (used > 0 && uid[wrap(head + used - 1)] == HOLE) {
            used--;
        }
        return u;
    }

    /**
     * Fires every entry due by {@code now}, oldest first; the callback must {@link #take} the position.
     *
     * @param now    the time advanced to
     * @param expiry receives each due position
     */
    public void advance(long now, TimerWheel.Expiry expiry) {
        while (live > 0) {
            int p = head;
            long t = time[p];
            long due = t > Long.MAX_VALUE - delay ? Long.MAX_VALUE : t + delay;
            if (due > now) {
                return;
            }
            expiry.expired(p, due, now);
        }
    }

    /**
     * Lists the entries in uid order (creation order, which is ring order), for the end of input.
     *
     * @return live positions, oldest first
     */
    public int[] slotsByUid() {
        int[] out = new int[live];
        int n = 0;
        for (int k = 0; k < used; k++) {
            int p = wrap(head + k);
            if (uid[p] != HOLE) {
                out[n++] = p;
            }
        }
        return out;
    }

    /** @return entries pending now */
    public int size() {
        return live;
    }

    /** @return the most entries pending at once */
    public long peak() {
        return peak;
    }
}
