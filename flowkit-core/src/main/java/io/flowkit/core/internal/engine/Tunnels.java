package io.flowkit.core.internal.engine;

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
 * uids (0 for none), so comparing it costs one long compare per packet. Parents live in a small
 * array allocated when a tunnelled connection starts or changes tunnel (events, not packets);
 * connections never tunnelled hold none. The IP tunnel table is open addressing over primitive
 * arrays, bounded at {@link #MAX_IP_TUNNELS} pairs; when full it starts over, so a pair seen again
 * after that gets a new uid (Zeek forgets idle IP tunnels after {@code Tunnel::ip_tunnel_timeout},
 * a day; flowkit forgets them only at the bound).
 */
final class Tunnels {
    /** Zeek's {@code Tunnel::max_changes_per_connection}. */
    static final int MAX_CHANGES = 5;
    /** Most IP tunnel pairs remembered at once. */
    static final int MAX_IP_TUNNELS = 4096;
    /** {@link Connections#checkHistory} mask of the 'X' letter (Zeek's HIST_ANALYZER_LIMIT_REACHED). */
    static final int HIST_LIMIT = 1 << 30;

    private static final int IP_SLOTS = 2 * MAX_IP_TUNNELS;

    private long[] key = new long[0];
    private long[][] parents = new long[0][];
    private byte[] parentCount = new byte[0];
    private byte[] changes = new byte[0];
    private boolean[] violated = new boolean[0];

    private final long[] pairs = new long[4 * IP_SLOTS];
    private final long[] pairUid = new long[IP_SLOTS];
    private final boolean[] pairUsed = new boolean[IP_SLOTS];
    private int pairCount;

    void grow(int cap) {
        if (cap <= key.length) {
            return;
        }
        key = Arrays.copyOf(key, cap);
        parents = Arrays.copyOf(parents, cap);
        parentCount = Arrays.copyOf(parentCount, cap);
        changes = Arrays.copyOf(changes, cap);
        violated = Arrays.copyOf(violated, cap);
    }

    /** A connection starts in the encapsulation {@code stackKey} (0: none) with innermost tunnel {@code inner}. */
    void start(int s, long stackKey, long inner) {
        key[s] = stackKey;
        changes[s] = 0;
        violated[s] = false;
        parents[s] = null;
        parentCount[s] = 0;
        if (stackKey != 0) {
            addParent(s, inner);
        }
    }

    /**
     * A packet of connection {@code s} came in encapsulation {@code stackKey}.
     *
     * @return {@code true} if this change is past the limit (the caller adds 'X')
     */
    boolean seen(int s, long stackKey, long inner) {
        if (key[s] == stackKey) {
            return false;
        }
        if (changes[s] >= MAX_CHANGES) {
            return true;
        }
        changes[s]++;
        key[s] = stackKey;
        if (stackKey != 0) {
            addParent(s, inner);
        }
        return false;
    }

    private void addParent(int s, long uid) {
        long[] p = parents[s];
        int n = parentCount[s];
        for (int i = 0; i < n; i++) {
            if (p[i] == uid) {
                return;
            }
        }
        if (p == null || n == p.length) {
            p = Arrays.copyOf(p == null ? new long[0] : p, n == 0 ? 1 : MAX_CHANGES + 1);
            parents[s] = p;
        }
        p[n] = uid;
        parentCount[s] = (byte) (n + 1);
    }

    /** @return how many parents connection {@code s} has */
    int parentCount(int s) {
        return parentCount[s];
    }

    /** @return the uid number of parent {@code i} of connection {@code s} */
    long parent(int s, int i) {
        return parents[s][i];
    }

    void markViolated(int s) {
        violated[s] = true;
    }

    /** @return whether a bad tunnel header was seen on connection {@code s} (Zeek then stops decapsulating it) */
    boolean violated(int s) {
        return violated[s];
    }

    void release(int s) {
        parents[s] = null;
        parentCount[s] = 0;
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
