package io.flowkit.core.internal.table;

import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.longs.LongArrays;
import java.util.Arrays;

/**
 * The connection table: maps a packet's 5-tuple to a dense slot number, in both directions.
 *
 * <p><b>Caveats first.</b> Not thread-safe. The table stores keys and the hash index, and
 * leaves room for the caller's value words in each slot's row; other
 * per-connection state lives in arrays elsewhere, indexed by the same slot number, and must be
 * grown by the caller whenever {@link #grow()} returns a new capacity. The
 * table never grows by itself: the caller checks {@link #isFull()} and either grows it or
 * removes a connection of its choice, so that state arrays and table always agree. The table
 * keeps no order of use: the engine's timer wheel picks the connection to evict.
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
 * <p><b>Layout.</b> A {@code long[]} slab with two key words per slot: the addresses; ports,
 * protocol and an IPv6 flag. When both
 * addresses are IPv4 the first word holds both (32 bits each); otherwise it holds the index of a
 * four-word entry in a side store for IPv6 keys, so IPv4 connections pay 16 bytes of key. Plus an
 * open-addressing index ({@code int[]} of one and a half entries per slot, so load at most 2/3,
 * whatever the bound, mapped by multiply-shift rather than a power-of-two mask; linear probing,
 * deletion by backward shift, so no tombstones). An index entry holds slot + 1 and, in the bits
 * the bound leaves free (11 bits at a million slots), a tag from the key's hash, so a probe that
 * passes another key almost never reads that key's row: at load 2/3 a lookup would otherwise read
 * about 2 rows, each a cache miss in a large table, where the entries it passes share one or two
 * cache lines. Slots are recycled through a free list (chained through the
 * address word of free slots, which a flag in the ports word marks). A caller may ask for value
 * words after each key ({@link #slab()}): the engine keeps a connection's per-packet state there,
 * so a lookup leads to state on the lines it already read; with a million slots each separate
 * array would be one more cache miss per packet.
 *
 * <p><b>Cost.</b> A lookup hashes 36 bytes of key, probes at most about 2 index entries on
 * average for a key present (5 for one absent) and reads one slab row (plus the side entry for
 * IPv6); nothing is allocated except when the table or the IPv6 store grows (doubling up to the
 * bound). Memory per IPv4 slot: 16 (key) + 6 (index) = 22 bytes; an IPv6 key adds 32.
 */
public final class ConnectionTable {
    /** Set in the protocol word of one-way (never canonicalised) ICMP keys. */
    public static final int ONE_WAY = 0x100;
    private static final int MIN_CAPACITY = 16;
    /** Words of key at the start of each slot's row; value words follow. */
    public static final int KEY_WORDS = 2;
    private static final int W_PORTS = 1;
    private static final long LOW = 0xFFFF_FFFFL;
    /** In the ports word: the key's addresses are in the IPv6 side store. */
    private static final long V6 = 0x8000L;
    /** The ports word of a free slot (whose address word links the free list). */
    private static final long FREE = 0x1_0000L;
    private static final long KEY_MASK = 0xFFFF_FFFF_0000_FFFFL;
    private static final long IPV4_MAPPED = 0xFFFF_0000_0000L;
    /** {@link #sortByKey} packs slot numbers below this into the sort key. */
    private static final int SORT_SLOTS = 1 << 24;

    private final int maxSlots;
    private final int stride;
    /** The bits of an index entry that hold slot + 1; the bits above hold a tag of the key's hash. */
    private final int slotMask;
    private int capacity;
    private int size;

    /**
     * Keys, {@link #stride()} longs per slot: the addresses (IPv4 pair, or an index into
     * {@link #v6}; the next free slot in a free slot), then ports (a in bits 48..63, b in 32..47),
     * the {@link #FREE} flag (bit 16) and the protocol word with the {@link #V6} flag (bits
     * 0..15), then the caller's value words.
     */
    private long[] keys;
    /** IPv6 keys: a's hi, a's lo, b's hi, b's lo per entry. */
    private long[] v6 = new long[0];
    private int[] v6Free = new int[0];
    private int v6FreeCount;
    private int v6Used;
    private int freeHead = -1;
    private int nextUnused;

    private int[] index;
    /** The index's length: a slot capacity and a half (plus one), so at most 2/3 of its entries are used. */
    private int indexLength;

    private boolean lastForward;

    /**
     * Creates an empty table.
     *
     * @param initialCapacity slots to allocate at first (rounded up to a power of two, at most
     *                        {@code maxSlots})
     * @param maxSlots        the bound: the table never holds more connections
     */
    public ConnectionTable(int initialCapacity, int maxSlots) {
        this(initialCapacity, maxSlots, 0);
    }

    /**
     * Creates an empty table whose slab rows carry {@code valueWords} words of the caller's
     * per-connection state after each key, so that a lookup and the state it leads to share
     * cache lines (see {@link #slab()}).
     *
     * @param initialCapacity slots to allocate at first (rounded up to a power of two, at most
     *                        {@code maxSlots})
     * @param maxSlots        the bound: the table never holds more connections
     * @param valueWords      the caller's words per slot
     */
    public ConnectionTable(int initialCapacity, int maxSlots, int valueWords) {
        if (maxSlots < 1) {
            throw new IllegalArgumentException("maxSlots must be positive, got " + maxSlots);
        }
        if (valueWords < 0) {
            throw new IllegalArgumentException("valueWords must not be negative, got " + valueWords);
        }
        this.maxSlots = maxSlots;
        this.stride = KEY_WORDS + valueWords;
        this.slotMask = (int) ((1L << (32 - Integer.numberOfLeadingZeros(maxSlots))) - 1);
        int cap = Math.min(maxSlots, Math.max(MIN_CAPACITY, ceilPow2(initialCapacity)));
        allocate(cap);
    }

    private static int ceilPow2(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    private void allocate(int cap) {
        capacity = cap;
        keys = new long[cap * stride];
        newIndex(cap);
    }

    /**
     * Returns the slab: slot {@code s}'s row is the {@link #stride()} words from
     * {@code s * stride()}; its value words start at {@code s * stride() + KEY_WORDS} and belong to
     * the caller, which initialises them when it takes a slot (the table neither reads nor clears
     * them; growing copies them). The array is replaced by {@link #grow()}.
     *
     * @return the slab
     */
    public long[] slab() {
        return keys;
    }

    /** @return words per slot row: {@link #KEY_WORDS} plus the value words */
    public int stride() {
        return stride;
    }

    /** @return slots allocated; every per-slot state array must be at least this long */
    public int capacity() {
        return capacity;
    }

    /** @return connections in the table */
    public int size() {
        return size;
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
        keys = Arrays.copyOf(keys, cap * stride);
        capacity = cap;
        newIndex(cap);
        // re-index live slots, in slot order (sequential reads)
        for (int s = 0; s < nextUnused; s++) {
            if (isFree(s)) {
                continue;
            }
            long h = hashOf(s);
            int i = home(h);
            while (index[i] != 0) {
                i = following(i);
            }
            index[i] = tagOf(h) | (s + 1);
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

    private static long hash(long ahi, long alo, long bhi, long blo, int portWord, int proto) {
        long h = ahi * 0x9E3779B97F4A7C15L;
        h = (h ^ alo) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ bhi) * 0x9E3779B97F4A7C15L;
        h = (h ^ blo) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ (((long) portWord << 16) | proto)) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 32);
    }

    /** Replaces the index with an empty one sized for {@code cap} slots. */
    private void newIndex(int cap) {
        indexLength = cap + (cap >>> 1) + 1; // never full, even for one slot
        index = new int[indexLength];
    }

    /** @return the index entry a probe for hash {@code h} starts at (from its low word, by multiply-shift) */
    private int home(long h) {
        return (int) (((h & LOW) * indexLength) >>> 32);
    }

    /** @return the index entry after {@code i}, wrapping at the end */
    private int following(int i) {
        return ++i == indexLength ? 0 : i;
    }

    /** @return the tag bits of an index entry for hash {@code h} (its high word's top bits) */
    private int tagOf(long h) {
        return (int) (h >>> 32) & ~slotMask;
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
        long h = hash(ahi, alo, bhi, blo, pw, proto);
        int i = home(h);
        int tag = tagOf(h);
        int e;
        long[] k = keys;
        if (isV4Pair(ahi, alo, bhi, blo)) {
            long want0 = (alo << 32) | (blo & 0xFFFF_FFFFL);
            long want1 = ((long) pw << 32) | proto;
            while ((e = index[i]) != 0) {
                if ((e & ~slotMask) == tag) {
                    int b = ((e & slotMask) - 1) * stride;
                    if ((k[b + W_PORTS] & KEY_MASK) == want1 && k[b] == want0) {
                        lastForward = forward;
                        return (e & slotMask) - 1;
                    }
                }
                i = following(i);
            }
        } else {
            long want1 = ((long) pw << 32) | proto | V6;
            while ((e = index[i]) != 0) {
                if ((e & ~slotMask) == tag) {
                    int b = ((e & slotMask) - 1) * stride;
                    if ((k[b + W_PORTS] & KEY_MASK) == want1) {
                        int x = (int) k[b] * 4;
                        if (v6[x + 1] == alo && v6[x + 3] == blo && v6[x] == ahi && v6[x + 2] == bhi) {
                            lastForward = forward;
                            return (e & slotMask) - 1;
                        }
                    }
                }
                i = following(i);
            }
        }
        lastForward = forward;
        return -1;
    }

    /**
     * Returns the hash {@link #find} computes for a key, for {@link #probe}: no memory is read.
     *
     * @param proto   as for {@link #find}
     * @param srcHi   source address, high word
     * @param srcLo   source address, low word
     * @param srcPort source port
     * @param dstHi   destination address, high word
     * @param dstLo   destination address, low word
     * @param dstPort destination port
     * @return the key's hash, the same for both directions
     */
    public long keyHash(int proto, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort) {
        if ((proto & ONE_WAY) != 0 || canonLess(srcHi, srcLo, srcPort, dstHi, dstLo, dstPort)) {
            return hash(srcHi, srcLo, dstHi, dstLo, (srcPort << 16) | dstPort, proto);
        }
        return hash(dstHi, dstLo, srcHi, srcLo, (dstPort << 16) | srcPort, proto);
    }

    /**
     * Look-ahead, read-only: reads the index entries a {@link #find} of a key with this hash
     * starts at and returns the first slot whose entry carries the hash's tag, without reading
     * any row. That is the slot {@code find} would return unless the key is absent or another
     * key shares the tag (rare, see the class comment); either way nothing changes.
     *
     * @param hash a {@link #keyHash} computed since the table last grew
     * @return a live slot, or -1
     */
    public int probe(long hash) {
        int i = home(hash);
        int tag = tagOf(hash);
        int e;
        while ((e = index[i]) != 0) {
            if ((e & ~slotMask) == tag) {
                return (e & slotMask) - 1;
            }
            i = following(i);
        }
        return -1;
    }

    /**
     * Look-ahead, read-only: reads a live slot's IPv6 key entry in the side store, the words a
     * record of the connection reads after its row; nothing for an IPv4 key.
     *
     * @param s a live slot
     * @return a word read (for the caller to keep, so that the read is not dropped), 0 for IPv4
     */
    public long peekV6(int s) {
        int b = s * stride;
        if ((keys[b + W_PORTS] & V6) == 0) {
            return 0;
        }
        int e = 4 * (int) keys[b];
        return e >= 0 && e < v6.length ? v6[e] : 0;
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
     * @return the new slot
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
            freeHead = (int) keys[s * stride];
        } else {
            s = nextUnused++;
        }
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
        int b = s * stride;
        if (isV4Pair(ahi, alo, bhi, blo)) {
            keys[b] = (alo << 32) | (blo & 0xFFFF_FFFFL);
            keys[b + W_PORTS] = ((long) pw << 32) | proto;
        } else {
            int x = allocateV6();
            v6[4 * x] = ahi;
            v6[4 * x + 1] = alo;
            v6[4 * x + 2] = bhi;
            v6[4 * x + 3] = blo;
            keys[b] = x;
            keys[b + W_PORTS] = ((long) pw << 32) | proto | V6;
        }
        long h = hashOf(s);
        int i = home(h);
        while (index[i] != 0) {
            i = following(i);
        }
        index[i] = tagOf(h) | (s + 1);
        size++;
        lastForward = forward;
        return s;
    }

    /**
     * Removes a live slot; its number may be handed out again by the next insert.
     *
     * @param s a live slot
     */
    public void remove(int s) {
        int i = home(hashOf(s));
        while ((index[i] & slotMask) != s + 1) {
            i = following(i);
        }
        // backward-shift deletion keeps every probe sequence unbroken
        int j = i;
        while (true) {
            j = following(j);
            int e = index[j];
            if (e == 0) {
                break;
            }
            int home = home(hashOf((e & slotMask) - 1));
            // move e into the hole at i unless its home lies cyclically in (i, j]
            boolean inRange = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!inRange) {
                index[i] = e;
                i = j;
            }
        }
        index[i] = 0;
        if ((keys[s * stride + W_PORTS] & V6) != 0) {
            if (v6FreeCount == v6Free.length) {
                v6Free = Arrays.copyOf(v6Free, Math.max(16, v6FreeCount * 2));
            }
            v6Free[v6FreeCount++] = (int) keys[s * stride];
        }
        keys[s * stride] = freeHead;
        keys[s * stride + W_PORTS] = FREE;
        freeHead = s;
        size--;
    }

    /**
     * Empties the table at once, keeping its capacity: afterwards it is as a new table of that
     * capacity. Costs a sequential pass over the index, where removing the connections one by
     * one would read the keys of each one's probe cluster at random; for
     * the end of input, when every connection leaves.
     */
    public void clear() {
        Arrays.fill(index, 0);
        size = 0;
        nextUnused = 0;
        freeHead = -1;
        v6FreeCount = 0;
        v6Used = 0;
    }

    /**
     * Tells whether a slot holds a connection.
     *
     * @param s a slot number below {@link #capacity()}
     * @return {@code true} if live
     */
    public boolean isLive(int s) {
        return s >= 0 && s < nextUnused && !isFree(s);
    }

    /**
     * Copies the live slots in slot order (a sequential scan).
     *
     * @param out array of at least {@link #size()} elements
     * @return the number of slots written
     */
    public int liveSlots(int[] out) {
        int n = 0;
        for (int s = 0; s < nextUnused; s++) {
            if (!isFree(s)) {
                out[n++] = s;
            }
        }
        return n;
    }

    /**
     * Sorts live slots in the order of {@link #compareKeys}. Comparing keys slot by slot costs
     * cache misses at every step once the table is large (half a million open connections at the
     * end of a capture); instead every key is read once, in slot order, into dense arrays that the
     * sort then works on. An IPv4 key is packed into two words, its addresses (unsigned, a then b)
     * and its ports, protocol and slot number, and the pairs are radix sorted; the other keys
     * (IPv6, or slots past 2^24) are copied as five words each (the four address words, then ports
     * and protocol), sorted with a comparator over that copy, and merged in, still without
     * reading the table. Allocates about 20 bytes per IPv4 slot and 48 per other slot, once.
     *
     * @param slots live slots, distinct
     * @param n     how many of {@code slots} to sort
     */
    public void sortByKey(int[] slots, int n) {
        long[] addresses = new long[n];
        long[] rest = new long[n];
        int[] other = new int[n];
        int n4 = 0;
        int n6 = 0;
        for (int i = 0; i < n; i++) {
            int s = slots[i];
            long w = keys[s * stride + W_PORTS];
            if ((w & V6) == 0 && s < SORT_SLOTS) {
                // signed radix order of x ^ MIN_VALUE is the unsigned order of x
                addresses[n4] = keys[s * stride] ^ Long.MIN_VALUE;
                rest[n4] = ((w >>> 32) << 32 | (w & 0xFF) << 24 | s) ^ Long.MIN_VALUE;
                n4++;
            } else {
                other[n6++] = s;
            }
        }
        LongArrays.radixSort(addresses, rest, 0, n4);
        long[] wide = new long[5 * n6];
        int[] order = new int[n6];
        for (int j = 0; j < n6; j++) {
            int s = other[j];
            int x = 5 * j;
            wide[x] = aHi(s);
            wide[x + 1] = aLo(s);
            wide[x + 2] = bHi(s);
            wide[x + 3] = bLo(s);
            wide[x + 4] = (keys[s * stride + W_PORTS] >>> 32) << 8 | ipProto(s);
            order[j] = j;
        }
        IntArrays.quickSort(order, 0, n6, (x, y) -> compareWide(wide, 5 * x, wide, 5 * y));
        long[] v4 = new long[5];
        int i = 0;
        int j = 0;
        for (int o = 0; o < n; o++) {
            boolean takeV4 = j == n6;
            if (!takeV4 && i < n4) {
                long addr = addresses[i] ^ Long.MIN_VALUE;
                long r = rest[i] ^ Long.MIN_VALUE;
                v4[1] = IPV4_MAPPED | (addr >>> 32);
                v4[3] = IPV4_MAPPED | (addr & LOW);
                v4[4] = (r >>> 32) << 8 | ((r >>> 24) & 0xFF);
                takeV4 = compareWide(v4, 0, wide, 5 * order[j]) <= 0;
            }
            if (takeV4) {
                slots[o] = (int) rest[i++] & (SORT_SLOTS - 1);
            } else {
                slots[o] = other[order[j++]];
            }
        }
    }

    /** Compares two keys copied as five words each, in the order of {@link #compareKeys}. */
    private static int compareWide(long[] k1, int x1, long[] k2, int x2) {
        for (int w = 0; w < 5; w++) {
            int c = Long.compareUnsigned(k1[x1 + w], k2[x2 + w]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
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
        int c = Long.compareUnsigned(aHi(s1), aHi(s2));
        if (c == 0) {
            c = Long.compareUnsigned(aLo(s1), aLo(s2));
        }
        if (c == 0) {
            c = Long.compareUnsigned(bHi(s1), bHi(s2));
        }
        if (c == 0) {
            c = Long.compareUnsigned(bLo(s1), bLo(s2));
        }
        if (c == 0) {
            c = Long.compareUnsigned(keys[s1 * stride + W_PORTS] >>> 32, keys[s2 * stride + W_PORTS] >>> 32);
        }
        // the protocol is below 256, so its little-endian bytes compare like the number
        return c != 0 ? c : Integer.compare(ipProto(s1), ipProto(s2));
    }

    /** A slot below {@link #nextUnused} is free when its ports word is the {@link #FREE} flag. */
    private boolean isFree(int s) {
        return keys[s * stride + W_PORTS] == FREE;
    }

    private static boolean isV4Pair(long ahi, long alo, long bhi, long blo) {
        return ahi == 0 && bhi == 0 && (alo >>> 32) == 0xFFFF && (blo >>> 32) == 0xFFFF;
    }

    private int allocateV6() {
        if (v6FreeCount > 0) {
            return v6Free[--v6FreeCount];
        }
        if (4 * (v6Used + 1) > v6.length) {
            v6 = Arrays.copyOf(v6, Math.max(64, v6.length * 2));
        }
        return v6Used++;
    }

    private long hashOf(int s) {
        long w = keys[s * stride + W_PORTS];
        return hash(aHi(s), aLo(s), bHi(s), bLo(s), (int) (w >>> 32), (int) (w & 0x7FFF));
    }

    private boolean isV6(int s) {
        return (keys[s * stride + W_PORTS] & V6) != 0;
    }

    /** @param s slot @return key endpoint a's address, high word */
    public long aHi(int s) {
        return isV6(s) ? v6[4 * (int) keys[s * stride]] : 0;
    }

    /** @param s slot @return key endpoint a's address, low word */
    public long aLo(int s) {
        return isV6(s) ? v6[4 * (int) keys[s * stride] + 1] : IPV4_MAPPED | (keys[s * stride] >>> 32);
    }

    /** @param s slot @return key endpoint b's address, high word */
    public long bHi(int s) {
        return isV6(s) ? v6[4 * (int) keys[s * stride] + 2] : 0;
    }

    /** @param s slot @return key endpoint b's address, low word */
    public long bLo(int s) {
        return isV6(s) ? v6[4 * (int) keys[s * stride] + 3] : IPV4_MAPPED | (keys[s * stride] & 0xFFFF_FFFFL);
    }

    /** @param s slot @return key endpoint a's port */
    public int aPort(int s) {
        return (int) (keys[s * stride + W_PORTS] >>> 48);
    }

    /** @param s slot @return key endpoint b's port */
    public int bPort(int s) {
        return (int) (keys[s * stride + W_PORTS] >>> 32) & 0xFFFF;
    }

    /** @param s slot @return the IP protocol number */
    public int ipProto(int s) {
        return (int) keys[s * stride + W_PORTS] & 0xFF;
    }
}
