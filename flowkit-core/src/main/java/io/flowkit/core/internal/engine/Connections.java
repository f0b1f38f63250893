package io.flowkit.core.internal.engine;

import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.util.Arrays;

/**
 * Per-connection state in struct-of-arrays form, indexed by connection-table slot.
 *
 * <p><b>Sides, not roles.</b> Everything that belongs to one endpoint is stored by <em>key
 * side</em> ({@code 0} = the table key's endpoint {@code a}, {@code 1} = endpoint {@code b}) at
 * index {@code 2 * slot + side}. Which side is the originator is one flag bit
 * ({@link #F_ORIG_IS_B}), so Zeek's role flips ({@code Connection::FlipRoles}, history {@code ^})
 * cost one bit flip: counters, sequence state and sizes follow their endpoint for free, as Zeek's
 * swapped endpoint objects do.
 *
 * <p><b>History.</b> Zeek's history string is kept as 7-bit characters packed nine to a
 * {@code long} (two words, 18 letters); the rare longer history spills into a map, allocated once
 * per such connection, never per packet.
 *
 * <p><b>Cost.</b> 81 bytes per slot plus 2 x 79 bytes of endpoint state; nothing is allocated per
 * packet (the above-hole maps grow only when holes open, and keep their capacity).
 */
final class Connections {
    // connection flags
    static final int F_ORIG_IS_B = 1;
    static final int F_PARTIAL = 1 << 1;
    static final int F_FIRST_ORIG = 1 << 2;
    static final int F_FIRST_RESP = 1 << 3;
    static final int F_ACTIVE = 1 << 4;
    static final int F_CLOSE_DEFERRED = 1 << 5;
    static final int F_DEFERRED_GEN_EVENT = 1 << 6;
    static final int F_DELETE_PENDING = 1 << 7;
    static final int F_ESTABLISHED_EVENT = 1 << 8;
    /** {@link #attemptAt} holds a second expire-timer chain (started by a half close). */
    static final int F_SECOND_EXPIRE = 1 << 9;

    // endpoint flags
    static final int E_DID_CLOSE = 1;
    static final int E_FIN_SEEN = 1 << 1;
    static final int E_DID_EOF = 1 << 2;
    static final int E_SKIP = 1 << 3;
    /** UDP/ICMP: the side sent a packet (Zeek's {@code UDP_ACTIVE}/{@code ICMP_ACTIVE}). */
    static final int E_SENT = 1 << 5;

    // TCP endpoint states, numbered as Zeek numbers them
    static final byte INACTIVE = 0;
    static final byte SYN_SENT = 1;
    static final byte SYN_ACK_SENT = 2;
    static final byte PARTIAL = 3;
    static final byte ESTABLISHED = 4;
    static final byte CLOSED = 5;
    static final byte RESET = 6;

    // scaled-history counters packed in one long per endpoint: 16 bits each
    static final int CNT_CHECKSUM = 0;
    static final int CNT_RXMIT = 16;
    static final int CNT_WIN0 = 32;
    static final int CNT_GAP = 48;

    int capacity;

    int[] flags;
    long[] start;
    long[] last;
    long[] uidNumber;
    byte[] timeoutIndex;
    /**
     * Attempt timer deadline; or the delete timer's when {@link #F_DELETE_PENDING}; or a second
     * expire check when {@link #F_SECOND_EXPIRE} (the attempt can no longer succeed then); 0 when
     * none.
     */
    long[] attemptAt;
    /** Next TCP expire-timer check; 0 when none. */
    long[] expireAt;
    long[] missedBytes;
    long[] hist0;
    long[] hist1;
    int[] histSeen;

    // per side (index 2 * slot + side)
    int[] packets;
    long[] ipBytes;
    byte[] state;
    byte[] prevState;
    byte[] epFlags;
    int[] startSeq;
    int[] lastSeq;
    int[] ackSeq;
    int[] seqWraps;
    int[] ackWraps;
    /** Low 32 bits of the relative sequence of the endpoint's last SYN, FIN and RST. */
    int[] histLastSyn;
    int[] histLastFin;
    int[] histLastRst;
    /**
     * TCP: the relative sequence number just past the endpoint's FIN. UDP and ICMP (which have
     * no FIN): the payload bytes the side sent, valid once {@link #E_SENT} is set.
     */
    long[] finSeqOrBytes;
    long[] counters;
    long[] lastReassem;
    long[] trimSeq;
    /** Data seen above a hole, for the few endpoints that have one . */
    final AboveHole aboveHole = new AboveHole();

    private final Int2ObjectOpenHashMap<StringBuilder> longHistories = new Int2ObjectOpenHashMap<>();

    Connections(int capacity) {
        this.capacity = 0;
        grow(capacity);
    }

    void grow(int cap) {
        if (cap <= capacity) {
            return;
        }
        flags = Arrays.copyOf(flags == null ? new int[0] : flags, cap);
        start = Arrays.copyOf(orEmpty(start), cap);
        last = Arrays.copyOf(orEmpty(last), cap);
        uidNumber = Arrays.copyOf(orEmpty(uidNumber), cap);
        timeoutIndex = Arrays.copyOf(timeoutIndex == null ? new byte[0] : timeoutIndex, cap);
        attemptAt = Arrays.copyOf(orEmpty(attemptAt), cap);
        expireAt = Arrays.copyOf(orEmpty(expireAt), cap);
        missedBytes = Arrays.copyOf(orEmpty(missedBytes), cap);
        hist0 = Arrays.copyOf(orEmpty(hist0), cap);
        hist1 = Arrays.copyOf(orEmpty(hist1), cap);
        histSeen = Arrays.copyOf(histSeen == null ? new int[0] : histSeen, cap);
        int c2 = cap * 2;
        packets = Arrays.copyOf(packets == null ? new int[0] : packets, c2);
        ipBytes = Arrays.copyOf(orEmpty(ipBytes), c2);
        state = Arrays.copyOf(state == null ? new byte[0] : state, c2);
        prevState = Arrays.copyOf(prevState == null ? new byte[0] : prevState, c2);
        epFlags = Arrays.copyOf(epFlags == null ? new byte[0] : epFlags, c2);
        startSeq = Arrays.copyOf(startSeq == null ? new int[0] : startSeq, c2);
        lastSeq = Arrays.copyOf(lastSeq == null ? new int[0] : lastSeq, c2);
        ackSeq = Arrays.copyOf(ackSeq == null ? new int[0] : ackSeq, c2);
        seqWraps = Arrays.copyOf(seqWraps == null ? new int[0] : seqWraps, c2);
        ackWraps = Arrays.copyOf(ackWraps == null ? new int[0] : ackWraps, c2);
        histLastSyn = Arrays.copyOf(histLastSyn == null ? new int[0] : histLastSyn, c2);
        histLastFin = Arrays.copyOf(histLastFin == null ? new int[0] : histLastFin, c2);
        histLastRst = Arrays.copyOf(histLastRst == null ? new int[0] : histLastRst, c2);
        finSeqOrBytes = Arrays.copyOf(orEmpty(finSeqOrBytes), c2);
        counters = Arrays.copyOf(orEmpty(counters), c2);
        lastReassem = Arrays.copyOf(orEmpty(lastReassem), c2);
        trimSeq = Arrays.copyOf(orEmpty(trimSeq), c2);
        capacity = cap;
    }

    private static long[] orEmpty(long[] a) {
        return a == null ? new long[0] : a;
    }

    /** Resets a slot for a new connection. */
    void init(int s, long t, long uid, int timeout) {
        flags[s] = F_ACTIVE;
        start[s] = t;
        last[s] = t;
        uidNumber[s] = uid;
        timeoutIndex[s] = (byte) timeout;
        attemptAt[s] = 0;
        expireAt[s] = 0;
        missedBytes[s] = 0;
        hist0[s] = 0;
        hist1[s] = 0;
        histSeen[s] = 0;
        release(s);
        for (int e = 2 * s; e < 2 * s + 2; e++) {
            packets[e] = 0;
            ipBytes[e] = 0;
            state[e] = INACTIVE;
            prevState[e] = INACTIVE;
            epFlags[e] = 0;
            startSeq[e] = 0;
            lastSeq[e] = 0;
            ackSeq[e] = 0;
            seqWraps[e] = 0;
            ackWraps[e] = 0;
            histLastSyn[e] = 0;
            histLastFin[e] = 0;
            histLastRst[e] = 0;
            finSeqOrBytes[e] = 0;
            counters[e] = 0;
            lastReassem[e] = 1;
            trimSeq[e] = 1;
        }
    }

    /** Drops what a removed slot holds outside the arrays. */
    void release(int s) {
        if (!longHistories.isEmpty()) {
            longHistories.remove(s);
        }
        aboveHole.clear(2 * s);
        aboveHole.clear(2 * s + 1);
    }

    // ------------------------------------------------------------------ roles

    /** @return the key side (0 or 1) of the originator */
    int origSide(int s) {
        return flags[s] & F_ORIG_IS_B;
    }

    boolean isOrigSide(int s, int side) {
        return side == (flags[s] & F_ORIG_IS_B);
    }

    boolean has(int s, int flag) {
        return (flags[s] & flag) != 0;
    }

    void set(int s, int flag, boolean on) {
        flags[s] = on ? flags[s] | flag : flags[s] & ~flag;
    }

    boolean epHas(int e, int flag) {
        return (epFlags[e] & flag) != 0;
    }

    void epSet(int e, int flag) {
        epFlags[e] = (byte) (epFlags[e] | flag);
    }

    // ---------------------------------------------------------------- history

    /** Appends one history letter (Zeek's {@code Session::AddHistory}). */
    void addHistory(int s, char c) {
        long h0 = hist0[s];
        int n0 = packedLength(h0);
        if (n0 < 9) {
            hist0[s] = h0 | ((long) c << (7 * n0));
            return;
        }
        long h1 = hist1[s];
        int n1 = packedLength(h1);
        if (n1 < 9) {
            hist1[s] = h1 | ((long) c << (7 * n1));
            return;
        }
        StringBuilder more = longHistories.get(s);
        if (more == null) {
            more = new StringBuilder();
            longHistories.put(s, more);
        }
        more.append(c);
    }

    private static int packedLength(long h) {
        return h == 0 ? 0 : (63 - Long.numberOfLeadingZeros(h)) / 7 + 1;
    }

    /**
     * Zeek's {@code Session::CheckHistory}: adds {@code c} the first time {@code mask} is seen.
     *
     * @return {@code true} if the mask had been seen before (nothing added)
     */
    boolean checkHistory(int s, int mask, char c) {
        if ((histSeen[s] & mask) == 0) {
            histSeen[s] |= mask;
            addHistory(s, c);
            return false;
        }
        return true;
    }

    /**
     * Zeek's {@code ScaledHistoryEntry} with base 10: the letter is added at the 1st, 10th, 100th,
     * ... event. Counters are 16 bits, so letters stop after the 10,000th event.
     */
    void scaledHistory(int s, int e, int counterShift, char c) {
        long all = counters[e];
        int n = (int) ((all >>> counterShift) & 0xFFFF);
        if (n == 0xFFFF) {
            return;
        }
        n++;
        counters[e] = (all & ~(0xFFFFL << counterShift)) | ((long) n << counterShift);
        if (n == 1 || n == 10 || n == 100 || n == 1000 || n == 10000) {
            addHistory(s, c);
        }
    }

    /** @return whether the history is exactly {@code only} */
    boolean historyIs(int s, char only) {
        return hist0[s] == only && hist1[s] == 0;
    }

    void replaceHistory(int s, char c1, char c2) {
        hist0[s] = c1 | ((long) c2 << 7);
        hist1[s] = 0;
        release(s);
    }

    String history(int s) {
        StringBuilder sb = new StringBuilder(20);
        unpack(sb, hist0[s]);
        unpack(sb, hist1[s]);
        StringBuilder more = longHistories.get(s);
        if (more != null) {
            sb.append(more);
        }
        return sb.toString();
    }

    private static void unpack(StringBuilder sb, long h) {
        while (h != 0) {
            sb.append((char) (h & 0x7F));
            h >>>= 7;
        }
    }
}
