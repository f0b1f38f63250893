package io.flowkit.core.internal.table;

import java.util.Arrays;

/**
 * The connection table: maps a packet's 5-tuple to a dense slot number, in both directions.
 *
 * <p><b>Caveats first.</b> Not thread-safe. The table stores only keys, the hash index and the
 * recency list; per-connection state lives in parallel arrays elsewhere, indexed by the same slot
 * number, and must be grown by the caller whenever {@link #grow()} returns a new capacity. The
 * table never grows by itself: the caller checks {@link #isFull()} and either grows it or evicts
 * {@link #stalest()}, so that state arrays and table always agree.
 *
 * <p><b>Key.</b> Zeek's connection key ({@code IPBasedConnKey::InitTuple}): two 128-bit addresses,
 * two ports and the IP protocol, canonicalised so that both directions of a connection produce
 * the same key. Endpoint {@code a} is the lower of (address, port) in Zeek's order (addresses as
 * unsigned 128-bit numbers, then ports compared in network byte order as a little-endian host
 * sees them); a lookup reports through {@link #lastLookupForward()} whether the packet's source
 * was endpoint {@code a}. One-way ICMP messages are keyed as sent, never canonicalised, exactly as
 * Zeek does, so they match only packets in the same direction. IPv4 addresses are IPv4-mapped,
 * as in {@code PacketView}.
 *
 * <p><b>Layout.</b> Struct of arrays over dense slots ({@code long} address words, an {@code int}
 * holding both ports and an {@code int} holding protocol and flags, the cached hash) plus an
 * open-addressing index ({@code int[]}, linear probing, load at most 1/2, deletion by backward
 * shift, so no tombstones). Slots are recycled through a free list. A doubly linked recency list
 * (two {@code int}s per slot) orders slots by last use, so the stalest connection is found in
 * O(1) when the table is at its bound.
 *
 * <p><b>Cost.</b> A lookup hashes 36 bytes of key and probes about 1.5 index entries on average;
 * nothing is allocated except when the table grows (doubling up to the bound). Memory per slot:
 * 32 (addresses) + 4 (ports) + 4 (protocol) + 4 (hash) + 8 (recency) + 8 (index at load 1/2)
 * = 60 bytes.
 */
public final class ConnectionTable {
    /** Set in the protocol word of one-way (never canonicalised) ICMP keys. */
    public static final int ONE_WAY = 0x100;
    private static final int MIN_CAPACITY = 16;

    private final int maxSlots;
    private int capacity;
    private int size;

    private long[] aHi;
    private long[] aLo;
    private long[] bHi;
    private long[] bLo;
    private int[] ports;
    private int[] protos;
    private int[] hashes;
    private int[] lruPrev;
    private int[] lruNext;
    private int lruHead = -1;
    private int lruTail = -1;
    private int freeHead = -1;
    private int nextUnused;

    private int[] index;
    private int indexMask;

    private boolean lastForward;

    /**
     * Creates an empty table.
     *
     * @param initialCapacity slots to allocate at first (rounded up to a power of two, at most
     *                        {@code maxSlots})
     * @param maxSlots        the bound: the table never holds more connections
     */
    public ConnectionTable(int initialCapacity, int maxSlots) {
        if (maxSlots < 1) {
            throw new IllegalArgumentException("maxSlots must be positive, got " + maxSlots);
        }
        this.maxSlots = maxSlots;
        int cap = Math.min(maxSlots, Math.max(MIN_CAPACITY, ceilPow2(initialCapacity)));
        allocate(cap);
    }

    private static int ceilPow2(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    private void allocate(int cap) {
        capacity = cap;
        aHi = new long[cap];
        aLo = new long[cap];
        bHi = new long[cap];
        bLo = new long[cap];
        ports = new int[cap];
        protos = new int[cap];
        hashes = new int[cap];
        lruPrev = new int[cap];
        lruNext = new int[cap];
        int indexSize = ceilPow2(cap) * 2;
        index = new int[indexSize];
        indexMask = indexSize - 1;
    }

    /** @return slots allocated; every per-slot state array must be at least this long */
    public int capacity() {
        return capacity;
    }

    /** @return connections in the table */
    public int size() {
        return size;
    }

    /** @return the bound on connections */
    public int maxSlots() {
        return maxSlots;
    }

    /** @return whether an insert needs {@link #grow()} or an eviction first */
    public boolean isFull() {
        return size == capacity;
    }

    /** @return whether {@link #grow()} can add slots */
    public boolean canGrow() {
        return capacity < maxSlots;
    }

    /**
     * Doubles the slot capacity, up to the bound, and rebuilds the index.
     *
     * @return the new capacity
     * @throws IllegalStateException if the table is already at its bound
     */
    public int grow() {
        if (!canGrow()) {
            throw new IllegalStateException("connection table at its bound of " + maxSlots);
        }
        int cap = (int) Math.min(maxSlots, (long) capacity * 2);
        aHi = Arrays.copyOf(aHi, cap);
        aLo = Arrays.copyOf(aLo, cap);
        bHi = Arrays.copyOf(bHi, cap);
        bLo = Arrays.copyOf(bLo, cap);
        ports = Arrays.copyOf(ports, cap);
        protos = Arrays.copyOf(protos, cap);
        hashes = Arrays.copyOf(hashes, cap);
        lruPrev = Arrays.copyOf(lruPrev, cap);
        lruNext = Arrays.copyOf(lruNext, cap);
        capacity = cap;
        int indexSize = ceilPow2(cap) * 2;
        index = new int[indexSize];
        indexMask = indexSize - 1;
        // re-index live slots: walk the recency list, which holds exactly the live ones
        for (int s = lruHead; s >= 0; s = lruNext[s]) {
            int i = hashes[s] & indexMask;
            while (index[i] != 0) {
                i = (i + 1) & indexMask;
            }
            index[i] = s + 1;
        }
        return cap;
    }

    /**
     * Tells whether (address, port) pair 1 sorts before pair 2 in Zeek's canonical order.
     */
    static boolean canonLess(long hi1, long lo1, int p1, long hi2, long lo2, int p2) {
        if (hi1 != hi2) {
            return Long.compareUnsigned(hi1, hi2) < 0;
        }
        if (lo1 != lo2) {
            return Long.compareUnsigned(lo1, lo2) < 0;
        }
        // Zeek compares ports as stored: network byte order in a host (little-endian) integer
        return swap16(p1) < swap16(p2);
    }

    private static int swap16(int p) {
        return ((p & 0xFF) << 8) | (p >>> 8);
    }

    private static int hash(long ahi, long alo, long bhi, long blo, int portWord, int proto) {
        long h = ahi * 0x9E3779B97F4A7C15L;
        h = (h ^ alo) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ bhi) * 0x9E3779B97F4A7C15L;
        h = (h ^ blo) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ (((long) portWord << 16) | proto)) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h;
    }

    /**
     * Finds the connection of a packet.
     *
     * @param proto   IP protocol number, or'ed with {@link #ONE_WAY} for one-way ICMP messages
     * @param srcHi   source address, high word
     * @param srcLo   source address, low word
     * @param srcPort source port (ICMP: type)
     * @param dstHi   destination address, high word
     * @param dstLo   destination address, low word
     * @param dstPort destination port (ICMP: counterpart type or code)
     * @return the slot, or -1; on success {@link #lastLookupForward()} tells the direction
     */
    public int find(int proto, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort) {
        boolean forward = (proto & ONE_WAY) != 0 || canonLess(srcHi, srcLo, srcPort, dstHi, dstLo, dstPort);
        long ahi;
        long alo;
        long bhi;
        long blo;
        int pw;
        if (forward) {
            ahi = srcHi;
            alo = srcLo;
            bhi = dstHi;
            blo = dstLo;
            pw = (srcPort << 16) | dstPort;
        } else {
            ahi = dstHi;
            alo = dstLo;
            bhi = srcHi;
            blo = srcLo;
            pw = (dstPort << 16) | srcPort;
        }
        int h = hash(ahi, alo, bhi, blo, pw, proto);
        int i = h & indexMask;
        int e;
        while ((e = index[i]) != 0) {
            int s = e - 1;
            if (hashes[s] == h && ports[s] == pw && protos[s] == proto && aLo[s] == alo && bLo[s] == blo
                    && aHi[s] == ahi && bHi[s] == bhi) {
                lastForward = forward;
                return s;
            }
            i = (i + 1) & indexMask;
        }
        lastForward = forward;
        return -1;
    }

    /**
     * Tells whether the packet of the last {@link #find} or {@link #insert} was sent by key
     * endpoint {@code a}.
     *
     * @return the direction of the last lookup
     */
    public boolean lastLookupForward() {
        return lastForward;
    }

    /**
     * Inserts a key that {@link #find} did not find. The caller makes room first.
     *
     * @param proto   as for {@link #find}
     * @param srcHi   source address, high word
     * @param srcLo   source address, low word
     * @param srcPort source port
     * @param dstHi   destination address, high word
     * @param dstLo   destination address, low word
     * @param dstPort destination port
     * @return the new slot, the most recently used
     * @throws IllegalStateException if the table is full
     */
    public int insert(int proto, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort) {
        if (size == capacity) {
            throw new IllegalStateException("connection table full: grow or evict first");
        }
        boolean forward = (proto & ONE_WAY) != 0 || canonLess(srcHi, srcLo, srcPort, dstHi, dstLo, dstPort);
        int s;
        if (freeHead >= 0) {
            s = freeHead;
            freeHead = lruNext[s];
        } else {
            s = nextUnused++;
        }
        if (forward) {
            aHi[s] = srcHi;
            aLo[s] = srcLo;
            bHi[s] = dstHi;
            bLo[s] = dstLo;
            ports[s] = (srcPort << 16) | dstPort;
        } else {
            aHi[s] = dstHi;
            aLo[s] = dstLo;
            bHi[s] = srcHi;
            bLo[s] = srcLo;
            ports[s] = (dstPort << 16) | srcPort;
        }
        protos[s] = proto;
        int h = hash(aHi[s], aLo[s], bHi[s], bLo[s], ports[s], proto);
        hashes[s] = h;
        int i = h & indexMask;
        while (index[i] != 0) {
            i = (i + 1) & indexMask;
        }
        index[i] = s + 1;
        // append as most recent
        lruPrev[s] = lruTail;
        lruNext[s] = -1;
        if (lruTail >= 0) {
            lruNext[lruTail] = s;
        } else {
            lruHead = s;
        }
        lruTail = s;
        size++;
        lastForward = forward;
        return s;
    }

    /**
     * Marks a slot as just used (moves it to the fresh end of the recency list).
     *
     * @param s a live slot
     */
    public void touch(int s) {
        if (s == lruTail) {
            return;
        }
        int p = lruPrev[s];
        int n = lruNext[s];
        if (p >= 0) {
            lruNext[p] = n;
        } else {
            lruHead = n;
        }
        lruPrev[n] = p;
        lruPrev[s] = lruTail;
        lruNext[s] = -1;
        lruNext[lruTail] = s;
        lruTail = s;
    }

    /** @return the least recently used live slot, or -1 when empty */
    public int stalest() {
        return lruHead;
    }

    /**
     * Removes a live slot; its number may be handed out again by the next insert.
     *
     * @param s a live slot
     */
    public void remove(int s) {
        int i = hashes[s] & indexMask;
        while (index[i] != s + 1) {
            i = (i + 1) & indexMask;
        }
        // backward-shift deletion keeps every probe sequence unbroken
        int j = i;
        while (true) {
            j = (j + 1) & indexMask;
            int e = index[j];
            if (e == 0) {
                break;
            }
            int home = hashes[e - 1] & indexMask;
            // move e into the hole at i unless its home lies cyclically in (i, j]
            boolean inRange = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!inRange) {
                index[i] = e;
                i = j;
            }
        }
        index[i] = 0;
        int p = lruPrev[s];
        int n = lruNext[s];
        if (p >= 0) {
            lruNext[p] = n;
        } else {
            lruHead = n;
        }
        if (n >= 0) {
            lruPrev[n] = p;
        } else {
            lruTail = p;
        }
        lruNext[s] = freeHead;
        lruPrev[s] = -2;
        freeHead = s;
        size--;
    }

    /**
     * Tells whether a slot holds a connection.
     *
     * @param s a slot number below {@link #capacity()}
     * @return {@code true} if live
     */
    public boolean isLive(int s) {
        return s >= 0 && s < nextUnused && lruPrev[s] != -2;
    }

    /**
     * Copies the live slots in recency order, stalest first.
     *
     * @param out array of at least {@link #size()} elements
     * @return the number of slots written
     */
    public int liveSlots(int[] out) {
        int n = 0;
        for (int s = lruHead; s >= 0; s = lruNext[s]) {
            out[n++] = s;
        }
        return n;
    }

    /**
     * Compares two live slots' keys in Zeek's session-map order (the order Zeek drains open
     * connections at the end of input when run with a fixed seed): address {@code a}, address
     * {@code b}, port {@code a}, port {@code b} as big-endian bytes, then the protocol.
     *
     * @param s1 a live slot
     * @param s2 a live slot
     * @return negative, zero or positive
     */
    public int compareKeys(int s1, int s2) {
        int c = Long.compareUnsigned(aHi[s1], aHi[s2]);
        if (c == 0) {
            c = Long.compareUnsigned(aLo[s1], aLo[s2]);
        }
        if (c == 0) {
            c = Long.compareUnsigned(bHi[s1], bHi[s2]);
        }
        if (c == 0) {
            c = Long.compareUnsigned(bLo[s1], bLo[s2]);
        }
        if (c == 0) {
            c = Integer.compareUnsigned(ports[s1], ports[s2]);
        }
        if (c == 0) {
            // the protocol is below 256, so its little-endian bytes compare like the number
            c = Integer.compare(protos[s1] & 0xFF, protos[s2] & 0xFF);
        }
        return c;
    }

    /** @param s slot @return key endpoint a's address, high word */
    public long aHi(int s) {
        return aHi[s];
    }

    /** @param s slot @return key endpoint a's address, low word */
    public long aLo(int s) {
        return aLo[s];
    }

    /** @param s slot @return key endpoint b's address, high word */
    public long bHi(int s) {
        return bHi[s];
    }

    /** @param s slot @return key endpoint b's address, low word */
    public long bLo(int s) {
        return bLo[s];
    }

    /** @param s slot @return key endpoint a's port */
    public int aPort(int s) {
        return ports[s] >>> 16;
    }

    /** @param s slot @return key endpoint b's port */
    public int bPort(int s) {
        return ports[s] & 0xFFFF;
    }

    /** @param s slot @return the IP protocol number */
    public int ipProto(int s) {
        return protos[s] & 0xFF;
    }
}
