package io.flowkit.core.internal.engine;

import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.util.Arrays;

/**
 * What the engine remembers about tunnels: per connection, the encapsulation it was last seen
 * in and the uids of its tunnel parents; per IP tunnel (GRE, IP-in-IP), the uid Zeek gives it.
 *
 * <p><b>Zeek's semantics</b> ({@code Conn.cc} {@code CheckEncapsulation},
 * {@code base/protocols/conn/main.zeek}, {@code IPTunnel.cc}). An encapsulation is the stack of
 * tunnels a packet came through, innermost last; a tunnel's identity is its uid: the outer UDP
 * connection's uid for VXLAN, Geneve, Teredo, AYIYA and GTP, or for GRE and IP-in-IP a uid Zeek
 * keeps per unordered pair of outer addresses. A connection starts with the encapsulation of its
 * first packet and its innermost tunnel's uid as its first parent. A later packet in another
 * encapsulation (or none) is a tunnel change: the new innermost uid joins the parents, up to
 * {@link #MAX_CHANGES} changes; the change after that adds history letter {@code X} once and
 * nothing else. The parents come out as {@code tunnel_parents}.
 *
 * <p><b>Representation.</b> An encapsulation is summarised as one 64-bit key mixed from its
 * uids (0 for none), so comparing it costs one long compare per packet. Tunnel state is sparse:
 * a connection that was never tunnelled and never had a bad tunnel header (almost all of them)
 * has only a clear bit in {@link #marked}, one bit per slot, and a packet outside tunnels tests
 * that bit and nothing else. The few others have an {@link Entry} in a map by slot, created when
 * the connection starts in or changes to a tunnel or sees a bad header (events, not packets) and
 * dropped with the connection. The IP tunnel table is open addressing over primitive
 * arrays, bounded at {@link #MAX_IP_TUNNELS} pairs; when full it starts over, so a pair seen again
 * after that gets a new uid (Zeek forgets idle IP tunnels after {@code Tunnel::ip_tunnel_timeout},
 * a day; flowkit forgets them only at the bound).
 *
 * <p><b>Cost.</b> One bit per slot; about 100 bytes per tunnelled connection.
 */
final class Tunnels {
    /** Zeek's {@code Tunnel::max_changes_per_connection}. */
    static final int MAX_CHANGES = 5;
    /** Most IP tunnel pairs remembered at once. */
    static final int MAX_IP_TUNNELS = 4096;
    /** {@link Connections#checkHistory} mask of the 'X' letter (Zeek's HIST_ANALYZER_LIMIT_REACHED). */
    static final int HIST_LIMIT = 1 << 15;

    private static final int IP_SLOTS = 2 * MAX_IP_TUNNELS;

    /** The tunnel state of one connection that has any. */
    private static final class Entry {
        long key;
        long[] parents;
        int parentCount;
        int changes;
        boolean violated;
    }

    /** Bit {@code s} set: slot {@code s} has an {@link Entry}. */
    private long[] marked = new long[0];
    private final Int2ObjectOpenHashMap<Entry> entries = new Int2ObjectOpenHashMap<>();

    private final long[] pairs = new long[4 * IP_SLOTS];
    private final long[] pairUid = new long[IP_SLOTS];
    private final boolean[] pairUsed = new boolean[IP_SLOTS];
    private int pairCount;

    void grow(int cap) {
        int words = (cap + 63) >>> 6;
        if (words > marked.length) {
            marked = Arrays.copyOf(marked, words);
        }
    }

    private boolean isMarked(int s) {
        return (marked[s >>> 6] & (1L << s)) != 0;
    }

    private Entry entry(int s) {
        if (isMarked(s)) {
            return entries.get(s);
        }
        marked[s >>> 6] |= 1L << s;
        Entry n = new Entry();
        entries.put(s, n);
        return n;
    }

    /** A connection starts in the encapsulation {@code stackKey} (0: none) with innermost tunnel {@code inner}. */
    void start(int s, long stackKey, long inner) {
        release(s);
        if (stackKey != 0) {
            Entry n = entry(s);
            n.key = stackKey;
            addParent(n, inner);
        }
    }

    /**
     * A packet of connection {@code s} came in encapsulation {@code stackKey}.
     *
     * @return {@code true} if this change is past the limit (the caller adds 'X')
     */
    boolean seen(int s, long stackKey, long inner) {
        if (!isMarked(s)) {
            if (stackKey == 0) {
                return false;
            }
        } else if (entries.get(s).key == stackKey) {
            return false;
        }
        Entry n = entry(s);
        if (n.changes >= MAX_CHANGES) {
            return true;
        }
        n.changes++;
        n.key = stackKey;
        if (stackKey != 0) {
            addParent(n, inner);
        }
        return false;
    }

    private static void addParent(Entry n, long uid) {
        long[] p = n.parents;
        int k = n.parentCount;
        for (int i = 0; i < k; i++) {
            if (p[i] == uid) {
                return;
            }
        }
        if (p == null || k == p.length) {
            p = Arrays.copyOf(p == null ? new long[0] : p, k == 0 ? 1 : MAX_CHANGES + 1);
            n.parents = p;
        }
        p[k] = uid;
        n.parentCount = k + 1;
    }

    /** @return how many parents connection {@code s} has */
    int parentCount(int s) {
        return isMarked(s) ? entries.get(s).parentCount : 0;
    }

    /** @return the uid number of parent {@code i} of connection {@code s} */
    long parent(int s, int i) {
        return entries.get(s).parents[i];
    }

    void markViolated(int s) {
        entry(s).violated = true;
    }

    /** @return whether a bad tunnel header was seen on connection {@code s} (Zeek then stops decapsulating it) */
    boolean violated(int s) {
        return isMarked(s) && entries.get(s).violated;
    }

    /** Drops a removed slot's tunnel state. */
    void release(int s) {
        if (isMarked(s)) {
            marked[s >>> 6] &= ~(1L << s);
            entries.remove(s);
        }
    }

    /**
     * Returns the uid number of the IP tunnel between two addresses, in either direction,
     * creating it with {@code fresh} if it is new.
     */
    long ipTunnel(long aHi, long aLo, long bHi, long bLo, long fresh) {
        if (Long.compareUnsigned(aHi, bHi) > 0 || (aHi == bHi && Long.compareUnsigned(aLo, bLo) > 0)) {
            long t = aHi;
            aHi = bHi;
            bHi = t;
            t = aLo;
            aLo = bLo;
            bLo = t;
        }
        long h = aHi * 0x9E37_79B9_7F4A_7C15L ^ aLo * 0xC2B2_AE3D_27D4_EB4FL ^ bHi * 0x1656_67B1_9E37_79F9L
                ^ bLo * 0x27D4_EB2F_1656_67C5L;
        int i = (int) (h ^ (h >>> 32)) & (IP_SLOTS - 1);
        while (pairUsed[i]) {
            int k = 4 * i;
            if (pairs[k] == aHi && pairs[k + 1] == aLo && pairs[k + 2] == bHi && pairs[k + 3] == bLo) {
                return pairUid[i];
            }
            i = (i + 1) & (IP_SLOTS - 1);
        }
        if (pairCount == MAX_IP_TUNNELS) {
            Arrays.fill(pairUsed, false);
            pairCount = 0;
            return ipTunnel(aHi, aLo, bHi, bLo, fresh);
        }
        int k = 4 * i;
        pairs[k] = aHi;
        pairs[k + 1] = aLo;
        pairs[k + 2] = bHi;
        pairs[k + 3] = bLo;
        pairUid[i] = fresh;
        pairUsed[i] = true;
        pairCount++;
        return fresh;
    }
}
