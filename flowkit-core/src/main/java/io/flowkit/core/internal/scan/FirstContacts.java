package io.flowkit.core.internal.scan;

import it.unimi.dsi.fastutil.HashCommon;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sources seen making a few attempts, each with those attempts, in a fixed-size primitive table:
 * the scan detector's admission stage in front of its per-source state.
 *
 * <p><b>Idea.</b> Most sources that reach a scan detector make a few attempts in a window:
 * ordinary clients that talk to one or a few servers, and every source of a spoofed flood. While
 * a source has too few failed attempts for any detector to fire (the detector works out how many:
 * fewer than the smallest threshold, and too few for TRW's walk to reach its upper bound even if
 * every one were a failed first contact), it needs no target sets, no cache entry and no key
 * object: this table keeps its attempts verbatim, up to {@value #ENTRIES}, each with the
 * detector's clock when it came, and absorbs later successful attempts to the host of a lone
 * first attempt, which change no detector's count. A source is <em>promoted</em> to full state
 * when one more attempt does not fit (a fifth, or one failure too many) or when a new source
 * needs its slot; the detector then replays its attempts, in order and each against the window
 * as it was then, so the full state is exactly what counting every attempt at once would have
 * built. A real scanner is promoted by its first probes; a flood of one-SYN sources churns here
 * and never reaches, nor evicts, the full states.
 *
 * <p><b>Layout.</b> Set-associative: {@value #WAYS} ways per set, the set chosen by a seeded hash
 * of (source, transport) so spoofed addresses cannot be picked to collide. Struct of arrays: per
 * slot the source and its counters, per slot and entry ({@code slot * ENTRIES + j}) one attempt;
 * about {@value #SLOT_BYTES} bytes per slot counted with the uid strings a full slot keeps alive.
 * <em>Invariant</em>: a slot is free when its {@code meta} is 0; a live slot holds 1 to
 * {@value #ENTRIES} entries in the order they came, and its {@code touched} is the detector's
 * clock at its latest attempt; a slot whose {@code touched} is not after the window's cutoff
 * (clock minus window: the expiry the cache applies to full states) is as good as free.
 * Inserting into a full set takes, in this order, a free slot, an expired slot, the stalest slot
 * with several attempts (its source moves to full state, losing nothing), or the slot written
 * longest ago, whose one-attempt source is counted as an eviction and leaves a <em>ghost</em>:
 * 32-bit fingerprints of the source and of the (host, port) it attempted, in a direct-mapped
 * array of {@value #GHOSTS_PER_SLOT} per slot. So one-attempt sources are pushed out only when
 * every way holds one, as when the table held nothing else. A source that comes back with a
 * failed attempt to another target while its ghost survives is promoted at once (its lost
 * attempt is not counted); one that comes back to the same target (a flood repeating its SYNs)
 * adds no distinct target, and one whose attempt is answered shows no sign of scanning: each
 * takes a slot again. So a scanner whose probes are spread among a flood still gets full state
 * by its second or third failed probe, as long as fewer than about
 * {@code GHOSTS_PER_SLOT * capacity} sources are pushed out between two of them. A flood's
 * sources come back rarely that soon.
 *
 * <p><b>Cost.</b> A lookup or insert reads at most {@value #WAYS} slots of one set; recording an
 * attempt writes one entry; nothing allocates after construction. Memory is fixed at
 * construction: {@code capacity * SLOT_BYTES}.
 */
final class FirstContacts {
    /** Slots per set. */
    static final int WAYS = 8;
    /** Most attempts a slot keeps before its source needs full state. */
    static final int ENTRIES = 4;
    /** Ghosts per slot. */
    static final int GHOSTS_PER_SLOT = 8;
    /** {@link #takeGhost}: the source has no ghost. */
    static final int NO_GHOST = 0;
    /** {@link #takeGhost}: the source's ghost attempted the same (host, port). */
    static final int GHOST_SAME_TARGET = 1;
    /** {@link #takeGhost}: the source's ghost attempted another (host, port). */
    static final int GHOST_OTHER_TARGET = 2;
    /**
     * Heap per slot: the per-slot arrays (52 B), the ghosts (8 B each), and per entry its arrays
     * (40 B) and the uid string it keeps alive (64 B for a 17-character uid).
     */
    static final int SLOT_BYTES = 52 + 8 * GHOSTS_PER_SLOT + ENTRIES * (40 + TargetSet.UID_BYTES);

    private static final long SEED = ThreadLocalRandom.current().nextLong() | 1;
    private static final int LIVE = 1 << 8;
    private static final int COUNT_SHIFT = 16;
    private static final int FAILURES_SHIFT = 20;
    private static final int FAILED_PORT = 1 << 16;

    private final int setMask;
    private final int ghostMask;
    /**
     * Sources pushed out while in their window, direct-mapped: source fingerprint (never 0) in the
     * high half, fingerprint of the (host, port) it attempted in the low half; 0 is empty.
     */
    private final long[] ghosts;
    final long[] srcHi;
    final long[] srcLo;
    /** Latest start of the first entry's attempt and of the successes to its host absorbed since. */
    final long[] last;
    /** The detector's clock when the slot was last written: it lives a window from then. */
    final long[] touched;
    /** {@code failures << 20 | entries << 16 | LIVE | proto}: 0 when free. */
    final int[] meta;
    /** Attempts, absorbed ones included. */
    final int[] attempts;
    /** Boyer-Moore vote over originator ports, as in {@link SourceState}. */
    final int[] origCandidate;
    final int[] origVotes;
    final int[] origSeen;
    /** Per entry: the attempt's target host, start, the detector's clock when counted, port, uid. */
    final long[] dstHi;
    final long[] dstLo;
    final long[] start;
    final long[] seen;
    /** Target port, {@code | 1 << 16} when the attempt failed. */
    private final int[] portFailed;
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
        last = new long[capacity];
        touched = new long[capacity];
        meta = new int[capacity];
        attempts = new int[capacity];
        origCandidate = new int[capacity];
        origVotes = new int[capacity];
        origSeen = new int[capacity];
        dstHi = new long[capacity * ENTRIES];
        dstLo = new long[capacity * ENTRIES];
        start = new long[capacity * ENTRIES];
        seen = new long[capacity * ENTRIES];
        portFailed = new int[capacity * ENTRIES];
        uid = new String[capacity * ENTRIES];
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

    /** Returns how many attempts the slot keeps (absorbed ones not included). */
    int entries(int slot) {
        return meta[slot] >>> COUNT_SHIFT & 0xF;
    }

    /** Returns how many of the slot's attempts failed. */
    int failures(int slot) {
        return meta[slot] >>> FAILURES_SHIFT & 0xF;
    }

    /** Returns the index of entry {@code j} of a slot, for the per-entry arrays. */
    static int entry(int slot, int j) {
        return slot * ENTRIES + j;
    }

    int port(int entry) {
        return portFailed[entry] & 0xFFFF;
    }

    boolean failed(int entry) {
        return (portFailed[entry] & FAILED_PORT) != 0;
    }

    /**
     * Returns the slot a new (source, transport) goes to, in this order: a free slot of its set,
     * an expired one, the stalest slot holding several attempts (its source can move to full
     * state without losing any), or the stalest slot. The caller moves or {@link #forget forgets}
     * a source still in its window, then {@link #put puts}.
     */
    int victim(long sh, long sl, int proto, long cutoff) {
        int base = setStart(sh, sl, proto);
        // ties (many attempts at one clock value) go round the ways rather than always to one
        int first = hand++ & (WAYS - 1);
        int stalest = base + first;
        int stalestSeveral = -1;
        for (int k = 0; k < WAYS; k++) {
            int i = base + ((first + k) & (WAYS - 1));
            if (meta[i] == 0) {
                return i;
            }
            if (touched[i] < touched[stalest]) {
                stalest = i;
            }
            if (entries(i) > 1 && (stalestSeveral < 0 || touched[i] < touched[stalestSeveral])) {
                stalestSeveral = i;
            }
        }
        return touched[stalest] <= cutoff || stalestSeveral < 0 ? stalest : stalestSeveral;
    }

    /** Whether a slot holds a source still in its window. */
    boolean isLive(int slot, long cutoff) {
        return meta[slot] != 0 && touched[slot] > cutoff;
    }

    /**
     * Pushes out a source with one attempt still in its window: counted, and its ghost
     * remembered.
     */
    void forget(int slot) {
        evictions++;
        long h = hash(srcHi[slot], srcLo[slot], meta[slot] & 0xFF);
        int e = entry(slot, 0);
        ghosts[(int) (h >>> 20) & ghostMask] = (long) fingerprint(h) << 32
                | (targetFingerprint(dstHi[e], dstLo[e], port(e)) & 0xFFFF_FFFFL);
        remove(slot);
    }

    /**
     * Records a source's first attempt in a slot: its own (its old attempts are forgotten), or
     * one from {@link #victim} whose source is gone.
     */
    void put(int slot, long now, long sh, long sl, int proto, long t, long dh, long dl, int dport,
            int origPort, boolean isFailed, String id) {
        clearUids(slot);
        srcHi[slot] = sh;
        srcLo[slot] = sl;
        last[slot] = t;
        meta[slot] = LIVE | proto;
        attempts[slot] = 0;
        origCandidate[slot] = -1;
        origVotes[slot] = 0;
        origSeen[slot] = 0;
        add(slot, now, t, dh, dl, dport, origPort, isFailed, id);
    }

    /**
     * Tells whether a slot can keep one more attempt without its source needing full state.
     *
     * @param maxFailures most failed attempts a slot may keep: the detector's bound below which
     *                    no detector can fire
     */
    boolean hasRoom(int slot, boolean isFailed, int maxFailures) {
        return entries(slot) < ENTRIES && (!isFailed || failures(slot) < maxFailures);
    }

    /** Appends an attempt to a live slot that {@link #hasRoom has room} for it. */
    void add(int slot, long now, long t, long dh, long dl, int dport, int origPort, boolean isFailed, String id) {
        int m = meta[slot];
        int e = entry(slot, m >>> COUNT_SHIFT & 0xF);
        dstHi[e] = dh;
        dstLo[e] = dl;
        start[e] = t;
        seen[e] = now;
        portFailed[e] = dport | (isFailed ? FAILED_PORT : 0);
        uid[e] = id;
        meta[slot] = m + (1 << COUNT_SHIFT) + (isFailed ? 1 << FAILURES_SHIFT : 0);
        attempts[slot]++;
        touched[slot] = now;
        vote(slot, origPort);
    }

    /**
     * Tells whether a successful attempt to host {@code (dh, dl)} changes no count: the slot
     * keeps one attempt, to that host, whose TRW contact is still in the window.
     */
    boolean absorbs(int slot, long dh, long dl, long cutoff) {
        int e = entry(slot, 0);
        return entries(slot) == 1 && dstLo[e] == dl && dstHi[e] == dh && last[slot] > cutoff;
    }

    /** Adds a later successful attempt to the host of a lone first attempt to a slot. */
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

    private void clearUids(int slot) {
        int e = entry(slot, 0);
        for (int end = e + entries(slot); e < end; e++) {
            uid[e] = null;
        }
    }

    void remove(int slot) {
        clearUids(slot);
        meta[slot] = 0;
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
