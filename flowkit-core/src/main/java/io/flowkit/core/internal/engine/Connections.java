package io.flowkit.core.internal.engine;

import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import it.unimi.dsi.fastutil.ints.Int2LongOpenHashMap;
import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.util.Arrays;

/**
 * Per-connection state in struct-of-arrays form, indexed by connection-table slot, with the TCP
 * part in a pool of rows that only TCP connections take.
 *
 * <p><b>Sides, not roles.</b> Everything that belongs to one endpoint is stored by <em>key
 * side</em> ({@code 0} = the table key's endpoint {@code a}, {@code 1} = endpoint {@code b}).
 * Which side is the originator is one flag bit ({@link #F_ORIG_IS_B}), so Zeek's role flips
 * ({@code Connection::FlipRoles}, history {@code ^}) cost one bit flip: counters, sequence state
 * and sizes follow their endpoint for free, as Zeek's swapped endpoint objects do.
 *
 * <p><b>Two index spaces.</b> State every protocol needs (times, uid, history, packet and byte
 * counts) is indexed by slot {@code s}, or by <em>slot endpoint</em> {@code 2 * s + side}. TCP
 * state (endpoint states, sequence numbers, reassembly points, TCP timers) lives in rows of a pool
 * that a TCP connection takes at creation ({@link #tcpRow}) and gives back at removal, indexed by
 * row or by <em>TCP endpoint</em> {@code 2 * row + side}; UDP, ICMP and other connections pay four
 * bytes for the row number and nothing else. Free rows are chained through {@link #lastSeq}.
 *
 * <p><b>Narrow columns, sparse overflow.</b> A column holds what almost every connection needs, in
 * the narrowest type that is exact for it; the rare wider value moves to a side map, and a flag bit
 * says so, so the common case never looks at a map:
 * <ul>
 * <li>Byte counts, FIN sequence and reassembly points are {@link UintColumn}s: unsigned
 * {@code int}s until a value leaves {@code [0, 2^32)}.</li>
 * <li>Sequence and acknowledgement wrap counts are zero until a side sends 4 GiB
 * ({@link #E_SEQ_WRAPS}, {@link #E_ACK_WRAPS}); the relative sequence of an endpoint's last SYN is
 * zero unless a SYN arrives after a close or reset ({@link #E_LAST_SYN}); {@code missed_bytes} is
 * zero unless content gaps are seen ({@link #F_MISSED}); UDP bad-checksum counts are zero unless a
 * bad checksum is seen ({@link #F_UDP_CHECKSUMS}); scaled-history counters share an {@code int}
 * until a rare one passes its narrow maximum ({@link #E_WIDE_COUNTERS}).</li>
 * <li>Uid numbers keep their low 32 bits ({@link #uidNumber(int)}); the last FIN position is
 * derived from the FIN sequence ({@link #histLastFin(int)}); TCP keeps the last RST position where
 * UDP keeps payload bytes ({@link #histLastRst(int, int)}).</li>
 * </ul>
 *
 * <p><b>History.</b> Zeek's history string is kept as 5-bit letter codes packed twelve to a
 * {@code long} (Zeek's conn.log uses 26 letters: {@link #LETTERS}); the rare longer history
 * spills into a map, allocated once per such connection, never per packet.
 *
 * <p><b>Cost.</b> Per slot 62 bytes: flags and timeout 4, start 8, last 8, uid 4, history 12
 * (letters 8, first-seen masks 2), TCP row 4, and per side packets, IP bytes and payload bytes (or
 * last RST), 4 each; plus 8 for the progress deadline when progress events are on. Per TCP row 76
 * bytes: timers 16 and per side 30 (flags and states 2, three sequence numbers 12, FIN sequence 4,
 * scaled counters 4, reassembly points 8). Side maps cost about 30 bytes per value they hold.
 * Nothing is allocated per packet: the side maps grow only when a value first leaves its column,
 * the pool and the columns only when the table grows.
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
    /** UDP/ICMP: side 0 sent a packet (Zeek's {@code UDP_ACTIVE}/{@code ICMP_ACTIVE}); side 1 is the next bit. */
    private static final int F_SENT = 1 << 10;
    /** {@code missed_bytes} is in {@link #missed}. */
    private static final int F_MISSED = 1 << 16;
    /** Bad-checksum counts of a UDP or ICMP connection are in {@link #udpChecksums}. */
    private static final int F_UDP_CHECKSUMS = 1 << 17;
    /** The history continues in {@link #longHistories}. */
    private static final int F_LONG_HISTORY = 1 << 18;
    /** The uid number is in {@link #oldUids}. */
    private static final int F_OLD_UID = 1 << 19;
    /** The inactivity timeout's index (0..127) sits in the flags' top bits. */
    private static final int TIMEOUT_SHIFT = 24;
    /** Uid numbers at least this far below {@link #newestUid} move to {@link #oldUids}. */
    private static final long OLD_UID_AGE = 1L << 31;

    // TCP endpoint flags
    static final int E_DID_CLOSE = 1;
    static final int E_FIN_SEEN = 1 << 1;
    static final int E_DID_EOF = 1 << 2;
    static final int E_SKIP = 1 << 3;
    /** The sequence wrap count is in {@link #seqWrapMap}. */
    private static final int E_SEQ_WRAPS = 1 << 4;
    /** The acknowledgement wrap count is in {@link #ackWrapMap}. */
    private static final int E_ACK_WRAPS = 1 << 5;
    /** The last SYN's relative sequence is in {@link #lastSynMap}. */
    private static final int E_LAST_SYN = 1 << 6;
    /** The last FIN's relative sequence is {@link #finSeq} minus one (see {@link #histLastFin(int)}). */
    private static final int E_FIN_OWN = 1 << 7;
    /** The last FIN's relative sequence is in {@link #lastFinMap}. */
    private static final int E_FIN_MAP = 1 << 8;
    /** The scaled-history counters are in {@link #wideCounters}. */
    private static final int E_WIDE_COUNTERS = 1 << 9;

    private static final int E_MASK = (1 << 10) - 1;
    private static final int STATE_SHIFT = 10;
    private static final int PREV_STATE_SHIFT = 13;

    // TCP endpoint states, numbered as Zeek numbers them
    static final byte INACTIVE = 0;
    static final byte SYN_SENT = 1;
    static final byte SYN_ACK_SENT = 2;
    static final byte PARTIAL = 3;
    static final byte ESTABLISHED = 4;
    static final byte CLOSED = 5;
    static final byte RESET = 6;

    // scaled-history counters, by their bit offset in a wide (16 bits each) counter word
    static final int CNT_CHECKSUM = 0;
    static final int CNT_RXMIT = 16;
    static final int CNT_WIN0 = 32;
    static final int CNT_GAP = 48;

    /** Narrow counter fields (checksum, retransmission, zero window, gap): offsets and maxima. */
    private static final int[] NARROW_SHIFT = {0, 5, 19, 27};
    private static final int[] NARROW_MAX = {31, 16_383, 255, 31};

    /** The history letters, coded 1 to 26 in this order (0 ends a packed word). */
    static final String LETTERS = "SHADFRIQCTWGshadfriqctwg^X";
    private static final int LETTER_BITS = 5;
    private static final int LETTERS_PER_WORD = 12;
    private static final byte[] CODE = new byte[128];

    static {
        for (int i = 0; i < LETTERS.length(); i++) {
            CODE[LETTERS.charAt(i)] = (byte) (i + 1);
        }
    }

    int capacity;

    // per slot
    int[] flags;
    long[] start;
    /** Time of the last packet. */
    private long[] last;
    /** Low 32 bits of the uid number (see {@link #uidNumber(int)}). */
    private int[] uidLow;
    /** Whether progress events are on; {@link #progressAt} is empty when not. */
    private final boolean progress;
    /** Next progress event (start plus an age, see {@link ProgressAges}); 0 when none. */
    private long[] progressAt;
    private long[] hist;
    /** Zeek's {@code hist_seen} masks of {@link #checkHistory}, 16 bits. */
    private char[] histSeen;
    /** The slot's TCP row, or -1 for a connection that is not TCP. */
    int[] tcpRow;

    // per slot endpoint (2 * slot + side)
    int[] packets;
    private final UintColumn ipBytes = new UintColumn();
    /**
     * UDP and ICMP: the payload bytes the side sent, valid once {@link #sent} says so. TCP, whose
     * sizes come from sequence numbers, keeps the low 32 bits of the relative sequence of the
     * side's last RST here instead (see {@link #histLastRst(int, int)}).
     */
    private final UintColumn payloadBytes = new UintColumn();

    // per TCP row
    private int rowCapacity;
    private int freeRow = -1;
    private int nextRow;
    /**
     * Attempt timer deadline; or the delete timer's when {@link #F_DELETE_PENDING}; or a second
     * expire check when {@link #F_SECOND_EXPIRE} (the attempt can no longer succeed then); 0 when
     * none.
     */
    private long[] attemptAt = new long[0];
    /** Next TCP expire-timer check; 0 when none. */
    private long[] expireAt = new long[0];

    // per TCP endpoint (2 * row + side)
    /** Flags (E_*) in bits 0..9, the state in bits 10..12, the one before it in bits 13..15. */
    private char[] epFlags = new char[0];
    int[] startSeq = new int[0];
    /** Last sequence number; for a free row's side 0, the next free row. */
    int[] lastSeq = new int[0];
    int[] ackSeq = new int[0];
    /** The relative sequence number just past the endpoint's FIN. */
    final UintColumn finSeq = new UintColumn();
    /** Scaled-history counters, narrow (see {@link #scaledHistory}) until {@link #E_WIDE_COUNTERS}. */
    private int[] counters = new int[0];
    /** Reassembly: the relative sequence number of the next in-order byte. */
    final UintColumn lastReassem = new UintColumn();
    /** Reassembly: the relative sequence number up to which data was acknowledged (trimmed). */
    final UintColumn trimSeq = new UintColumn();
    /** Data seen above a hole, for the few endpoints that have one, by TCP endpoint. */
    final AboveHole aboveHole = new AboveHole();

    // sparse overflow
    private final Int2LongOpenHashMap missed = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap udpChecksums = new Int2LongOpenHashMap();
    private final Int2IntOpenHashMap seqWrapMap = new Int2IntOpenHashMap();
    private final Int2IntOpenHashMap ackWrapMap = new Int2IntOpenHashMap();
    private final Int2IntOpenHashMap lastSynMap = new Int2IntOpenHashMap();
    private final Int2IntOpenHashMap lastFinMap = new Int2IntOpenHashMap();
    private final Int2LongOpenHashMap wideCounters = new Int2LongOpenHashMap();
    private final Int2ObjectOpenHashMap<StringBuilder> longHistories = new Int2ObjectOpenHashMap<>();
    private final Int2LongOpenHashMap oldUids = new Int2LongOpenHashMap();
    /** The largest uid number stored so far. */
    private long newestUid;

    /**
     * Creates the columns.
     *
     * @param capacity slots to start with
     * @param progress whether progress events are on (else no column holds their deadlines)
     */
    Connections(int capacity, boolean progress) {
        this.progress = progress;
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
        uidLow = Arrays.copyOf(orEmpty(uidLow), cap);
        progressAt = progress ? Arrays.copyOf(orEmpty(progressAt), cap) : new long[0];
        hist = Arrays.copyOf(orEmpty(hist), cap);
        histSeen = Arrays.copyOf(histSeen == null ? new char[0] : histSeen, cap);
        int old = capacity;
        tcpRow = Arrays.copyOf(orEmpty(tcpRow), cap);
        Arrays.fill(tcpRow, old, cap, -1);
        int c2 = cap * 2;
        packets = Arrays.copyOf(orEmpty(packets), c2);
        ipBytes.grow(c2);
        payloadBytes.grow(c2);
        capacity = cap;
    }

    private static long[] orEmpty(long[] a) {
        return a == null ? new long[0] : a;
    }

    private static int[] orEmpty(int[] a) {
        return a == null ? new int[0] : a;
    }

    /** Makes room for one more TCP row: doubles the pool, never beyond the slot capacity. */
    private void growRows() {
        int rows = Math.min(capacity, Math.max(64, rowCapacity * 2));
        attemptAt = Arrays.copyOf(attemptAt, rows);
        expireAt = Arrays.copyOf(expireAt, rows);
        int e2 = rows * 2;
        epFlags = Arrays.copyOf(epFlags, e2);
        startSeq = Arrays.copyOf(startSeq, e2);
        lastSeq = Arrays.copyOf(lastSeq, e2);
        ackSeq = Arrays.copyOf(ackSeq, e2);
        finSeq.grow(e2);
        counters = Arrays.copyOf(counters, e2);
        lastReassem.grow(e2);
        trimSeq.grow(e2);
        rowCapacity = rows;
    }

    /**
     * Resets a slot for a new connection.
     *
     * @param s       the slot, released
     * @param t       the first packet's time
     * @param uid     the uid number
     * @param timeout the inactivity timeout's index
     * @param tcp     whether the connection is TCP (takes a TCP row)
     */
    void init(int s, long t, long uid, int timeout, boolean tcp) {
        release(s);
        flags[s] = F_ACTIVE | timeout << TIMEOUT_SHIFT;
        start[s] = t;
        last[s] = t;
        storeUid(s, uid);
        if (progress) {
            progressAt[s] = 0;
        }
        hist[s] = 0;
        histSeen[s] = 0;
        for (int e = 2 * s; e < 2 * s + 2; e++) {
            packets[e] = 0;
            ipBytes.reset(e, 0);
            payloadBytes.reset(e, 0);
        }
        if (tcp) {
            int r = takeRow();
            tcpRow[s] = r;
            attemptAt[r] = 0;
            expireAt[r] = 0;
            for (int e = 2 * r; e < 2 * r + 2; e++) {
                epFlags[e] = 0;
                startSeq[e] = 0;
                lastSeq[e] = 0;
                ackSeq[e] = 0;
                finSeq.reset(e, 0);
                counters[e] = 0;
                lastReassem.reset(e, 1);
                trimSeq.reset(e, 1);
            }
        }
    }

    private int takeRow() {
        if (freeRow >= 0) {
            int r = freeRow;
            freeRow = lastSeq[2 * r];
            return r;
        }
        if (nextRow == rowCapacity) {
            growRows();
        }
        return nextRow++;
    }

    /** Drops what a removed slot holds outside its columns and gives back its TCP row; idempotent. */
    void release(int s) {
        int f = flags[s];
        for (int e = 2 * s; e < 2 * s + 2; e++) {
            ipBytes.reset(e, 0);
            payloadBytes.reset(e, 0);
        }
        if ((f & F_MISSED) != 0) {
            missed.remove(s);
        }
        if ((f & F_UDP_CHECKSUMS) != 0) {
            udpChecksums.remove(2 * s);
            udpChecksums.remove(2 * s + 1);
        }
        if ((f & F_LONG_HISTORY) != 0) {
            longHistories.remove(s);
        }
        if ((f & F_OLD_UID) != 0) {
            oldUids.remove(s);
        }
        flags[s] = 0;
        int r = tcpRow[s];
        if (r >= 0) {
            for (int e = 2 * r; e < 2 * r + 2; e++) {
                int ef = epFlags[e];
                if ((ef & E_SEQ_WRAPS) != 0) {
                    seqWrapMap.remove(e);
                }
                if ((ef & E_ACK_WRAPS) != 0) {
                    ackWrapMap.remove(e);
                }
                if ((ef & E_LAST_SYN) != 0) {
                    lastSynMap.remove(e);
                }
                if ((ef & E_FIN_MAP) != 0) {
                    lastFinMap.remove(e);
                }
                if ((ef & E_WIDE_COUNTERS) != 0) {
                    wideCounters.remove(e);
                }
                epFlags[e] = 0;
                finSeq.reset(e, 0);
                lastReassem.reset(e, 1);
                trimSeq.reset(e, 1);
                aboveHole.clear(e);
            }
            lastSeq[2 * r] = freeRow;
            freeRow = r;
            tcpRow[s] = -1;
        }
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

    // ------------------------------------------------------------------- time

    /**
     * Returns the time of a slot's last packet. (Kept whole: storing it as 32 bits after the
     * start saved 4 bytes but cost about 5% per packet, measured with PipelineBenchmark.)
     *
     * @param s a live slot
     * @return nanoseconds since the epoch
     */
    long last(int s) {
        return last[s];
    }

    /** Sets {@link #last(int)}. */
    void last(int s, long t) {
        last[s] = t;
    }

    // ------------------------------------------------------------------- uids

    /**
     * Returns a slot's uid number. Only its low 32 bits are stored: the number is the largest one
     * at most {@link #newestUid} with those bits, which is right while the connection is less than
     * 2^32 uid numbers old. {@link #ageUids} moves older ones, exactly, to a map first.
     *
     * @param s a live slot
     * @return the uid number it was created with
     */
    long uidNumber(int s) {
        if ((flags[s] & F_OLD_UID) != 0) {
            return oldUids.get(s);
        }
        return newestUid - ((newestUid - uidLow[s]) & 0xFFFF_FFFFL);
    }

    /**
     * Tells whether storing uid number {@code uid} crosses a 2^31 boundary, so that
     * {@link #ageUids} must see every live slot first.
     *
     * @param uid the next uid number to store
     * @return {@code true} if the live slots must be aged
     */
    boolean uidEpochChanges(long uid) {
        return uid > newestUid && (uid >>> 31) != (newestUid >>> 31);
    }

    /**
     * Before uid number {@code uid} is stored: moves live slot {@code s}'s uid number to the map
     * if it is at least 2^31 older. Called for every live slot when {@link #uidEpochChanges} says
     * so (once per 2^31 uid numbers), this keeps every other live slot less than 2^32 old.
     *
     * @param s   a live slot
     * @param uid the next uid number to store
     */
    void ageUids(int s, long uid) {
        if ((flags[s] & F_OLD_UID) == 0) {
            long n = uidNumber(s);
            if (uid - n >= OLD_UID_AGE) {
                oldUids.put(s, n);
                flags[s] |= F_OLD_UID;
            }
        }
    }

    private void storeUid(int s, long uid) {
        if (uid > newestUid) {
            newestUid = uid;
        }
        uidLow[s] = (int) uid;
        if (newestUid - uid >= OLD_UID_AGE) {
            oldUids.put(s, uid);
            flags[s] |= F_OLD_UID;
        }
    }

    /** @return the index of slot {@code s}'s inactivity timeout */
    int timeoutIndex(int s) {
        return flags[s] >>> TIMEOUT_SHIFT;
    }

    /** Sets {@link #timeoutIndex(int)} (0 to 127). */
    void timeoutIndex(int s, int index) {
        flags[s] = (flags[s] & ~(0x7F << TIMEOUT_SHIFT)) | index << TIMEOUT_SHIFT;
    }

    // ----------------------------------------------------------- all protocols

    /** Counts an IP packet's bytes for slot endpoint {@code e}. */
    void addIpBytes(int e, int n) {
        ipBytes.add(e, n);
    }

    /** @return the IP bytes slot endpoint {@code e} sent */
    long ipBytes(int e) {
        return ipBytes.get(e);
    }

    /** UDP and ICMP: counts a packet's payload for slot endpoint {@code e} and marks the side active. */
    void addPayload(int e, int n) {
        flags[e >> 1] |= F_SENT << (e & 1);
        payloadBytes.add(e, n);
    }

    /** @return UDP and ICMP: the payload bytes slot endpoint {@code e} sent */
    long payloadBytes(int e) {
        return payloadBytes.get(e);
    }

    /** @return UDP and ICMP: whether slot endpoint {@code e} sent a packet */
    boolean sent(int e) {
        return (flags[e >> 1] & (F_SENT << (e & 1))) != 0;
    }

    /** @return the next progress event of slot {@code s}; 0 when none */
    long progressAt(int s) {
        return progress ? progressAt[s] : 0;
    }

    /** Sets {@link #progressAt(int)}; only called when progress events are on. */
    void progressAt(int s, long t) {
        progressAt[s] = t;
    }

    /** @return {@code missed_bytes} of slot {@code s} */
    long missedBytes(int s) {
        return (flags[s] & F_MISSED) != 0 ? missed.get(s) : 0;
    }

    void addMissedBytes(int s, long n) {
        flags[s] |= F_MISSED;
        missed.addTo(s, n);
    }

    // ------------------------------------------------------------- TCP rows

    /** @return the attempt, delete or second expire deadline of slot {@code s} (see the field); 0 when none or not TCP */
    long attemptAt(int s) {
        int r = tcpRow[s];
        return r < 0 ? 0 : attemptAt[r];
    }

    /** Sets {@link #attemptAt(int)} of a TCP slot. */
    void attemptAt(int s, long t) {
        attemptAt[tcpRow[s]] = t;
    }

    /** @return the next TCP expire check of slot {@code s}; 0 when none or not TCP */
    long expireAt(int s) {
        int r = tcpRow[s];
        return r < 0 ? 0 : expireAt[r];
    }

    /** Sets {@link #expireAt(int)} of a TCP slot. */
    void expireAt(int s, long t) {
        expireAt[tcpRow[s]] = t;
    }

    /** @return the TCP endpoint of a TCP slot's side */
    int tcpEndpoint(int s, int side) {
        return 2 * tcpRow[s] + side;
    }

    /** @return the state of TCP endpoint {@code e} */
    byte state(int e) {
        return (byte) ((epFlags[e] >>> STATE_SHIFT) & 7);
    }

    /** @return the state TCP endpoint {@code e} had before its current one */
    byte prevState(int e) {
        return (byte) (epFlags[e] >>> PREV_STATE_SHIFT);
    }

    /** Moves TCP endpoint {@code e} to state {@code st}; its current state becomes the previous one. */
    void changeState(int e, byte st) {
        int ef = epFlags[e];
        epFlags[e] = (char) ((ef & E_MASK) | ((ef >>> STATE_SHIFT) & 7) << PREV_STATE_SHIFT | st << STATE_SHIFT);
    }

    /**
     * Returns the low 32 bits of the relative sequence number of the last RST-only packet a TCP
     * connection's side sent (0 before one).
     *
     * @param s    a TCP slot
     * @param side the key side
     * @return the stored position
     */
    int histLastRst(int s, int side) {
        return (int) payloadBytes.get(2 * s + side);
    }

    /** Sets {@link #histLastRst(int, int)}. */
    void histLastRst(int s, int side, int relSeq) {
        payloadBytes.set(2 * s + side, relSeq & 0xFFFF_FFFFL);
    }

    boolean epHas(int e, int flag) {
        return (epFlags[e] & flag) != 0;
    }

    void epSet(int e, int flag) {
        epFlags[e] = (char) (epFlags[e] | flag);
    }

    /** @return the sequence wrap count of TCP endpoint {@code e} */
    int seqWraps(int e) {
        return (epFlags[e] & E_SEQ_WRAPS) != 0 ? seqWrapMap.get(e) : 0;
    }

    void incSeqWraps(int e) {
        epSet(e, E_SEQ_WRAPS);
        seqWrapMap.addTo(e, 1);
    }

    /** @return the acknowledgement wrap count of TCP endpoint {@code e} */
    int ackWraps(int e) {
        return (epFlags[e] & E_ACK_WRAPS) != 0 ? ackWrapMap.get(e) : 0;
    }

    void incAckWraps(int e) {
        epSet(e, E_ACK_WRAPS);
        ackWrapMap.addTo(e, 1);
    }

    /** @return low 32 bits of the relative sequence of TCP endpoint {@code e}'s last SYN */
    int histLastSyn(int e) {
        return (epFlags[e] & E_LAST_SYN) != 0 ? lastSynMap.get(e) : 0;
    }

    void histLastSyn(int e, int relSeq) {
        if (relSeq != 0) {
            epSet(e, E_LAST_SYN);
            lastSynMap.put(e, relSeq);
        } else if ((epFlags[e] & E_LAST_SYN) != 0) {
            epFlags[e] = (char) (epFlags[e] & ~E_LAST_SYN);
            lastSynMap.remove(e);
        }
    }

    /**
     * Returns the low 32 bits of the relative sequence number of TCP endpoint {@code e}'s last
     * FIN-only packet's end (0 before one). It is not stored: a FIN-only packet also sets
     * {@link #finSeq} to exactly one more, so {@link #E_FIN_OWN} says "derive it"; only when a
     * later FIN with SYN or RST moves {@link #finSeq} is the old value kept in a map.
     */
    int histLastFin(int e) {
        int ef = epFlags[e];
        if ((ef & E_FIN_OWN) != 0) {
            return (int) (finSeq.get(e) - 1);
        }
        return (ef & E_FIN_MAP) != 0 ? lastFinMap.get(e) : 0;
    }

    /**
     * A FIN-only packet of TCP endpoint {@code e} ends at {@code end}: from now on
     * {@link #histLastFin(int)} is {@code (int) end}. The caller sets {@link #finSeq(int, long, boolean)}
     * to {@code end + 1} before {@link #histLastFin(int)} is read again.
     */
    void finOnlyAt(int e) {
        int ef = epFlags[e];
        if ((ef & E_FIN_MAP) != 0) {
            lastFinMap.remove(e);
        }
        epFlags[e] = (char) ((ef & ~E_FIN_MAP) | E_FIN_OWN);
    }

    /**
     * Sets TCP endpoint {@code e}'s FIN sequence.
     *
     * @param finOnly whether the FIN came alone (without SYN or RST), see {@link #finOnlyAt}
     */
    void finSeq(int e, long seq, boolean finOnly) {
        int ef = epFlags[e];
        if (!finOnly && (ef & E_FIN_OWN) != 0) {
            lastFinMap.put(e, (int) (finSeq.get(e) - 1));
            epFlags[e] = (char) ((ef & ~E_FIN_OWN) | E_FIN_MAP);
        }
        finSeq.set(e, seq);
    }

    // ---------------------------------------------------------------- history

    /** Appends one history letter (Zeek's {@code Session::AddHistory}). */
    void addHistory(int s, char c) {
        long h = hist[s];
        int n = packedLength(h);
        if (n < LETTERS_PER_WORD) {
            hist[s] = h | ((long) code(c) << (LETTER_BITS * n));
            return;
        }
        StringBuilder more = longHistories.get(s);
        if (more == null) {
            more = new StringBuilder();
            longHistories.put(s, more);
            flags[s] |= F_LONG_HISTORY;
        }
        more.append(c);
    }

    private static int code(char c) {
        int k = c < 128 ? CODE[c] : 0;
        if (k == 0) {
            throw new IllegalArgumentException("not a history letter: " + c);
        }
        return k;
    }

    private static int packedLength(long h) {
        return h == 0 ? 0 : (63 - Long.numberOfLeadingZeros(h)) / LETTER_BITS + 1;
    }

    /**
     * Zeek's {@code Session::CheckHistory}: adds {@code c} the first time {@code mask} (bits 0 to
     * 15) is seen.
     *
     * @return {@code true} if the mask had been seen before (nothing added)
     */
    boolean checkHistory(int s, int mask, char c) {
        if ((histSeen[s] & mask) == 0) {
            histSeen[s] = (char) (histSeen[s] | mask);
            addHistory(s, c);
            return false;
        }
        return true;
    }

    /**
     * Zeek's {@code ScaledHistoryEntry} with base 10 for a TCP endpoint: the letter is added at the
     * 1st, 10th, 100th, ... event. Counters are 16 bits, so letters stop after the 10,000th event.
     * They start packed in an {@code int} ({@link #NARROW_SHIFT}, {@link #NARROW_MAX}); the
     * retransmission counter, bumped on every retransmitted segment, gets 14 bits and simply stops
     * at 16,383 (no letter comes after the 10,000th anyway), so it never leaves the column; the
     * first of the others to pass its narrow maximum moves all four to a map as 16-bit fields.
     */
    void scaledHistory(int s, int e, int counterShift, char c) {
        if ((epFlags[e] & E_WIDE_COUNTERS) == 0) {
            int all = counters[e];
            int k = counterShift >>> 4;
            int shift = NARROW_SHIFT[k];
            int max = NARROW_MAX[k];
            int n = (all >>> shift) & max;
            if (n < max) {
                n++;
                counters[e] = (all & ~(max << shift)) | (n << shift);
                if (isScaledStep(n)) {
                    addHistory(s, c);
                }
                return;
            }
            if (counterShift == CNT_RXMIT) {
                return;
            }
            long wide = 0;
            for (int j = 0; j < 4; j++) {
                wide |= (long) ((all >>> NARROW_SHIFT[j]) & NARROW_MAX[j]) << (16 * j);
            }
            wideCounters.put(e, wide);
            epSet(e, E_WIDE_COUNTERS);
        }
        long all = wideCounters.get(e);
        int n = (int) ((all >>> counterShift) & 0xFFFF);
        if (n == 0xFFFF) {
            return;
        }
        n++;
        wideCounters.put(e, (all & ~(0xFFFFL << counterShift)) | ((long) n << counterShift));
        if (isScaledStep(n)) {
            addHistory(s, c);
        }
    }

    /** {@link #scaledHistory} for the bad checksums of a UDP or ICMP slot endpoint {@code e}. */
    void udpBadChecksum(int e, char c) {
        int s = e >> 1;
        long n = (flags[s] & F_UDP_CHECKSUMS) != 0 ? udpChecksums.get(e) : 0;
        if (n == 0xFFFF) {
            return;
        }
        flags[s] |= F_UDP_CHECKSUMS;
        udpChecksums.put(e, ++n);
        if (isScaledStep((int) n)) {
            addHistory(s, c);
        }
    }

    private static boolean isScaledStep(int n) {
        return n == 1 || n == 10 || n == 100 || n == 1000 || n == 10000;
    }

    /** @return whether the history is exactly {@code only} */
    boolean historyIs(int s, char only) {
        return hist[s] == code(only);
    }

    void replaceHistory(int s, char c1, char c2) {
        hist[s] = code(c1) | ((long) code(c2) << LETTER_BITS);
        if ((flags[s] & F_LONG_HISTORY) != 0) {
            longHistories.remove(s);
            flags[s] &= ~F_LONG_HISTORY;
        }
        // the connection starts over as a flipped one: data held above holes goes, as it always has
        int r = tcpRow[s];
        if (r >= 0) {
            aboveHole.clear(2 * r);
            aboveHole.clear(2 * r + 1);
        }
    }

    String history(int s) {
        StringBuilder sb = new StringBuilder(LETTERS_PER_WORD + 4);
        for (long h = hist[s]; h != 0; h >>>= LETTER_BITS) {
            sb.append(LETTERS.charAt((int) (h & 0x1F) - 1));
        }
        if ((flags[s] & F_LONG_HISTORY) != 0) {
            sb.append(longHistories.get(s));
        }
        return sb.toString();
    }
}
