package io.flowkit.core.internal.scan;

import it.unimi.dsi.fastutil.HashCommon;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sources seen making one attempt, each with that attempt, in a fixed-size primitive table: the
 * scan detector's admission stage in front of its per-source state.
 *
 * <p><b>Idea.</b> Most sources that reach a scan detector make one attempt in a window: ordinary
 * clients that talk to one server, and every source of a spoofed flood. With every threshold at
 * 2 or more and TRW needing two failures, one attempt can never raise an event, so such a source
 * needs no target sets, no cache entry and no key object: this table keeps its one attempt (and
 * absorbs later successful attempts to the same host, which change no detector's count). A
 * source is <em>promoted</em> to full state, with its recorded attempt replayed, when it makes a
 * failed attempt or contacts another host. A real scanner is promoted by its second probe; a
 * flood of one-SYN sources churns here and never reaches, nor evicts, the full states.
 *
 * <p><b>Layout.</b> Set-associative: {@value #WAYS} ways per set, the set chosen by a seeded hash
 * of (source, transport) so spoofed addresses cannot be picked to collide. Struct of arrays,
 * about {@value #SLOT_BYTES} bytes per slot counted with the uid string the slot keeps alive.
 * <em>Invariant</em>: a slot is free when its {@code meta} is 0; a live slot's {@code touched} is
 * the detector's clock at its latest attempt, and a slot whose {@code touched} is not after the
 * window's cutoff (clock minus window: the expiry the cache applies to full states) is
 * as good as free. Inserting into a full set takes, in this order, a free slot, an expired slot,
 * or the slot written longest ago, which is counted as an eviction and leaves a <em>ghost</em>: 32-bit
 * fingerprints of the source and of the (host, port) it attempted, in a direct-mapped array of
 * {@value #GHOSTS_PER_SLOT} per slot. A source that comes back to another target while its ghost
 * survives is promoted at once (its lost attempt is not counted); one that comes back to the same
 * target (a flood repeating its SYNs) adds no distinct target and takes a slot again,
 * so a scanner whose probes are spread among a flood still gets full state by its second or
 * third probe, as long as fewer than about {@code GHOSTS_PER_SLOT * capacity} sources are pushed
 * out between two of them. A flood's sources come back rarely that soon.
 *
 * <p><b>Cost.</b> A lookup or insert reads at most {@value #WAYS} slots of one set; nothing
 * allocates after construction. Memory is fixed at construction: {@code capacity * SLOT_BYTES}.
 */
final class FirstContacts {
    /** Slots per set. */
    static final int WAYS = 8;
    /** Ghosts per slot. */
    static final int GHOSTS_PER_SLOT = 8;
    /** {@link #takeGhost}: the source has no ghost. */
    static final int NO_GHOST = 0;
    /** {@link #takeGhost}: the source's ghost attempted the same (host, port). */
    static final int GHOST_SAME_TARGET = 1;
    /** {@link #takeGhost}: the source's ghost attempted another (host, port). */
    static final int GHOST_OTHER_TARGET = 2;
    /** Heap per slot: the arrays below (84 B) plus the uid string a slot keeps alive (64 B for a 17-character uid). */
    static final int SLOT_BYTES = 148 + 8 * GHOSTS_PER_SLOT;

    private static final long SEED = ThreadLocalRandom.current().nextLong() | 1;
    private static final int LIVE = 1 << 8;
    private static final int FAILED = 1 << 9;

    private final int setMask;
    private final int ghostMask;
    /**
     * Sources pushed out while in their window, direct-mapped: source fingerprint (never 0) in the
     * high half, fingerprint of the (host, port) it attempted in the low half; 0 is empty.
     */
    private final long[] ghosts;
    final long[] srcHi;
    final long[] srcLo;
    final long[] dstHi;
    final long[] dstLo;
    final long[] first;
    final long[] last;
    /** The detector's clock when the slot was last written: it lives a window from then. */
    final long[] touched;
    /** {@code LIVE | FAILED? | proto}: 0 when free. */
    final int[] meta;
    final int[] port;
    final int[] attempts;
    /** Boyer-Moore vote over originator ports, as in {@link SourceState}. */
    final int[] origCandidate;
    final int[] origVotes;
    final int[] origSeen;
    final String[] uid;
    private long evictions;
    private int hand;

    /**
     * Creates a table.
     *
     * @param capacity slots, a power of two of at least {@value #WAYS}
     */
    FirstContacts(int capacity) {
        if (capacity < WAYS || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two of at least " + WAYS + ": " + capacity);
        }
        setMask = capacity / WAYS - 1;
        ghosts = new long[capacity * GHOSTS_PER_SLOT];
        ghostMask = ghosts.length - 1;
        srcHi = new long[capacity];
        srcLo = new long[capacity];
        dstHi = new long[capacity];
        dstLo = new long[capacity];
        first = new long[capacity];
        last = new long[capacity];
        touched = new long[capacity];
        meta = new int[capacity];
        port = new int[capacity];
        attempts = new int[capacity];
        origCandidate = new int[capacity];
        origVotes = new int[capacity];
        origSeen = new int[capacity];
        uid = new String[capacity];
    }

    int capacity() {
        return meta.length;
    }

    private static long hash(long sh, long sl, int proto) {
        return HashCommon.mix((sh * SEED) ^ HashCommon.mix(sl + SEED) ^ proto);
    }

    private int setStart(long sh, long sl, int proto) {
        return ((int) hash(sh, sl, proto) & setMask) * WAYS;
    }

    private static int fingerprint(long h) {
        return (int) (h >>> 32) | 1;
    }

    /**
     * Tells whether (source, transport) was pushed out of the table while in its window and has
     * not been asked about since, and forgets it: a source coming back after losing its slot to
     * a crowd of new ones. A fingerprint may rarely match another source (about one in 2^31).
     *
     * @return {@link #NO_GHOST}, {@link #GHOST_SAME_TARGET} (its lost attempt went to host
     *         {@code (dh, dl)}, port {@code dport}) or {@link #GHOST_OTHER_TARGET}
     */
    int takeGhost(long sh, long sl, int proto, long dh, long dl, int dport) {
        long h = hash(sh, sl, proto);
        int g = (int) (h >>> 20) & ghostMask;
        long ghost = ghosts[g];
        if ((int) (ghost >>> 32) != fingerprint(h)) {
            return NO_GHOST;
        }
        ghosts[g] = 0;
        return (int) ghost == targetFingerprint(dh, dl, dport) ? GHOST_SAME_TARGET : GHOST_OTHER_TARGET;
    }

    private static int targetFingerprint(long dh, long dl, int dport) {
        return (int) HashCommon.mix((dh * SEED + dl) ^ dport);
    }

    /** Returns the live slot of (source, transport), expired or not, or -1. */
    int find(long sh, long sl, int proto) {
        int base = setStart(sh, sl, proto);
        for (int i = base, end = base + WAYS; i < end; i++) {
            int m = meta[i];
            if (m != 0 && srcLo[i] == sl && srcHi[i] == sh && (m & 0xFF) == proto) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Whether the slot's source is still remembered: it was written after {@code cutoff}, the
     * clock minus the window (the rule the cache applies to full states).
     */
    boolean inWindow(int slot, long cutoff) {
        return touched[slot] > cutoff;
    }

    boolean failed(int slot) {
        return (meta[slot] & FAILED) != 0;
    }

    /**
     * Records a source's first attempt, in its own slot if it has one, else in a free, expired or
     * stalest slot of its set.
     *
     * @param slot the source's slot from {@link #find}, or -1
     * @return whether a source still in its window was pushed out
     */
    boolean put(int slot, long now, long cutoff, long sh, long sl, int proto, long t, long dh, long dl, int dport,
            int origPort, boolean isFailed, String id) {
        long evictedBefore = evictions;
        int i = slot >= 0 ? slot : victim(setStart(sh, sl, proto), cutoff);
        srcHi[i] = sh;
        srcLo[i] = sl;
        dstHi[i] = dh;
        dstLo[i] = dl;
        first[i] = t;
        last[i] = t;
        touched[i] = now;
        meta[i] = LIVE | (isFailed ? FAILED : 0) | proto;
        port[i] = dport;
        attempts[i] = 1;
        origCandidate[i] = -1;
        origVotes[i] = 0;
        origSeen[i] = 0;
        vote(i, origPort);
        uid[i] = id;
        return evictions != evictedBefore;
    }

    private int victim(int base, long cutoff) {
        // ties (many attempts at one clock value) go round the ways rather than always to one
        int start = hand++ & (WAYS - 1);
        int stalest = base + start;
        for (int k = 0; k < WAYS; k++) {
            int i = base + ((start + k) & (WAYS - 1));
            if (meta[i] == 0) {
                return i;
            }
            if (touched[i] < touched[stalest]) {
                stalest = i;
            }
        }
        if (touched[stalest] > cutoff) {
            evictions++;
            long h = hash(srcHi[stalest], srcLo[stalest], meta[stalest] & 0xFF);
            ghosts[(int) (h >>> 20) & ghostMask] = (long) fingerprint(h) << 32
                    | (targetFingerprint(dstHi[stalest], dstLo[stalest], port[stalest]) & 0xFFFF_FFFFL);
        }
        return stalest;
    }

    /** Adds a later successful attempt to the same host to a slot. */
    void absorb(int slot, long now, long t, int origPort) {
        attempts[slot]++;
        touched[slot] = now;
        last[slot] = Math.max(last[slot], t);
        vote(slot, origPort);
    }

    private void vote(int i, int origPort) {
        if (origPort < 0) {
            return;
        }
        origSeen[i]++;
        if (origVotes[i] == 0) {
            origCandidate[i] = origPort;
            origVotes[i] = 1;
        } else if (origCandidate[i] == origPort) {
            origVotes[i]++;
        } else {
            origVotes[i]--;
        }
    }

    void remove(int slot) {
        meta[slot] = 0;
        uid[slot] = null;
    }

    /** Returns the slots whose source made an attempt after {@code cutoff}. O(capacity). */
    long live(long cutoff) {
        long n = 0;
        for (int i = 0; i < meta.length; i++) {
            if (meta[i] != 0 && touched[i] > cutoff) {
                n++;
            }
        }
        return n;
    }

    /** Returns how many sources still in their window were pushed out by others. */
    long evictions() {
        return evictions;
    }
}
