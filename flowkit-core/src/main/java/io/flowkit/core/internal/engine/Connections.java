package io.flowkit.core.internal.engine;

import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import it.unimi.dsi.fastutil.ints.Int2LongOpenHashMap;
import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import io.flowkit.core.internal.table.ConnectionTable;
import java.util.Arrays;

/**
 * Per-connection state in rows: what every packet reads and writes sits in the connection
 * table's slab right after the slot's key ({@link ConnectionTable#slab()}), and, for TCP
 * connections, the TCP endpoint state in one row from a pool.
 *
 * <p><b>Why rows.</b> With a million connections open, consecutive packets belong to different
 * connections and every array a packet touches costs a cache miss. Kept as one array per field
 * (struct of arrays) a packet touched about twenty lines; kept as rows, a packet reads the
 * index, then one 80-byte slab row (key and the {@value #WORDS} words here, on two adjacent
 * lines) and, for TCP, one 32-byte TCP row. Only fields that a packet never
 * touches (the progress deadline, rare overflow values) stay outside the rows.
 *
 * <p><b>Sides, not roles.</b> Everything that belongs to one endpoint is stored by <em>key
 * side</em> ({@code 0} = the table key's endpoint {@code a}, {@code 1} = endpoint {@code b}).
 * Which side is the originator is one flag bit ({@link #F_ORIG_IS_B}), so Zeek's role flips
 * ({@code Connection::FlipRoles}, history {@code ^}) cost one bit flip: counters, sequence state
 * and sizes follow their endpoint for free, as Zeek's swapped endpoint objects do.
 *
 * <p><b>Two index spaces.</b> Slot state is indexed by slot {@code s}, or by <em>slot
 * endpoint</em> {@code 2 * s + side}. TCP state (endpoint states, sequence numbers, reassembly
 * points, TCP timers) lives in rows of a pool that a TCP connection takes at creation and gives
 * back at removal, indexed by row or by <em>TCP endpoint</em> {@code 2 * row + side}; UDP, ICMP
 * and other connections pay four bytes of their slot row for the (absent) row number. Free rows
 * are chained through side 0's last sequence number.
 *
 * <p><b>Slot row</b> ({@value #WORDS} value words): last packet time; flags and the low 32 bits of the
 * uid number; the packed history letters; the history-seen masks and the TCP row number; packets,
 * IP bytes and payload bytes of side 0 in the low and side 1 in the high half of one word each
 * (a TCP connection keeps its attempt and expire deadlines in the payload word instead,
 * {@link #attemptAt(int)}); the start time. <b>TCP row</b> ({@value #TCP_STRIDE} ints): per side the
 * endpoint flags (with the reassembly and trim points as small differences and the
 * retransmission counter in their top bits) and the start, last and acknowledged sequence
 * numbers.
 *
 * <p><b>Narrow halves, sparse overflow.</b> A half word holds what almost every connection needs,
 * in the narrowest type that is exact for it; the rare wider value moves to a side map, and a flag
 * bit says so, so the common case never looks at a map:
 * <ul>
 * <li>Byte counts are unsigned {@code int}s until a value leaves {@code [0, 2^32)}
 * ({@link #F_WIDE_IP}, {@link #F_WIDE_PAYLOAD}); the bit is cleared only when the connection
 * leaves, so a value once wide stays exact.</li>
 * <li>The reassembly and trim points are three-bit differences from the last and acknowledged
 * sequence numbers, which they follow while data arrives in order; a point further away (a hole,
 * data not captured) is in a map while it is ({@link #lastReassem(int)}).</li>
 * <li>Sequence and acknowledgement wrap counts are zero until a side sends 4 GiB
 * ({@link #E_SEQ_WRAPS}, {@link #E_ACK_WRAPS}); the relative sequence of an endpoint's last SYN is
 * zero unless a SYN arrives after a close or reset ({@link #E_LAST_SYN}); {@code missed_bytes} is
 * zero unless content gaps are seen ({@link #F_MISSED}); UDP bad-checksum counts are zero unless a
 * bad checksum is seen ({@link #F_UDP_CHECKSUMS}); the scaled-history counters are zero but for
 * retransmissions, which count in six bits of the endpoint flags ({@link #E_WIDE_COUNTERS}).</li>
 * <li>Uid numbers keep their low 32 bits ({@link #uidNumber(int)}); the last FIN position is
 * derived from the FIN sequence ({@link #histLastFin(int)}); the FIN sequence and the last RST
 * position are derived from the last and start sequence numbers, where a FIN or RST almost always
 * leaves them ({@link #finSeq(int)}, {@link #histLastRst(int)}); the attempt and expire deadlines
 * share a word unless both are pending and differ ({@link #attemptAt(int)}).</li>
 * </ul>
 *
 * <p><b>History.</b> Zeek's history string is kept as 5-bit letter codes packed twelve to a
 * {@code long} (Zeek's conn.log uses 26 letters: {@link #LETTERS}); the rare longer history
 * spills into a map, allocated once per such connection, never per packet.
 *
 * <p><b>Timer changes.</b> Every write that can move a connection's earliest deadline earlier
 * (attempt, expire or progress deadline, inactivity timeout) sets {@link #F_REARM}, so the engine
 * re-arms the connection's timer only after such packets ({@link #takeRearm}); a packet that only
 * moves the last packet time later leaves the timer alone, and the timer re-checks the deadlines
 * when it fires.
 *
 * <p><b>Cost.</b> Per slot 64 bytes (the value words), plus 8 for the progress deadline when
 * progress events are on. Per TCP row 32 bytes (it was 48 while the reassembly and trim points
 * had an int each, and 80 while the two deadlines had a word each in it, the FIN sequences and the
 * scaled-history counters an int each and the RST positions the payload word). Side maps cost
 * about 30 bytes per value they hold. Nothing is allocated per packet in the steady state: the
 * side maps grow only when more values than ever before are outside their narrow form at once, the
 * pool and the rows only when the table grows.
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
    /** Side 0's IP byte count is in {@link #wideIpBytes}; side 1 is the next bit. */
    private static final int F_WIDE_IP = 1 << 12;
    /** Side 0's payload byte count is in {@link #widePayload}; side 1 is the next bit. */
    private static final int F_WIDE_PAYLOAD = 1 << 14;
    /** A deadline may have moved earlier since the timer was last armed (see {@link #takeRearm}). */
    private static final int F_REARM = 1 << 20;
    /** TCP: the deadline word ({@link #S_DEADLINE}) holds {@link #attemptAt(int)}. */
    private static final int F_ATTEMPT_IN_WORD = 1 << 21;
    /** TCP: the deadline word holds {@link #expireAt(int)} (with the bit above, both: they are equal). */
    private static final int F_EXPIRE_IN_WORD = 1 << 22;
    /** TCP: the attempt deadline differs from the expire deadline in the word and is in {@link #attemptMap}. */
    private static final int F_ATTEMPT_MAP = 1 << 23;
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
    /** The FIN sequence is in {@link #finMap}. */
    private static final int E_FIN_STORED = 1 << 16;
    /** The last RST's relative sequence is {@link #lastSeq} minus {@link #startSeq} (see {@link #histLastRst(int)}). */
    private static final int E_RST_AT_LAST = 1 << 17;
    /** The last RST's relative sequence is in {@link #lastRstMap}. */
    private static final int E_RST_MAP = 1 << 18;
    /** The FIN sequence is {@link #relLast(int)} (see {@link #finSeq(int)}). */
    private static final int E_FIN_AT_LAST = 1 << 19;
    /** The values derived from the last and start sequence numbers, kept before either changes. */
    private static final int E_DERIVED = E_RST_AT_LAST | E_FIN_AT_LAST;

    private static final int STATE_SHIFT = 10;
    private static final int PREV_STATE_SHIFT = 13;
    private static final int STATES = 0x3F << STATE_SHIFT;

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

    /**
     * The reassembly point's difference from {@link #relLast(int)}, three bits of the endpoint
     * flags from here (see {@link #lastReassem(int)}).
     */
    private static final int REASSEM_SHIFT = 20;
    /** The trim point's difference from {@link #relAck(int)}, three bits from here. */
    private static final int TRIM_SHIFT = 23;
    /** The three-bit difference that says "the value is in its map" (-4 as a signed three-bit number). */
    private static final int WIDE = 4;
    /** The narrow retransmission counter sits in the endpoint flags' bits from here up (see {@link #scaledHistory}). */
    private static final int RXMIT_SHIFT = 26;
    /** The most retransmissions the narrow counter holds. */
    private static final int RXMIT_NARROW_MAX = (1 << (32 - RXMIT_SHIFT)) - 1;

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

    /** Value words per slot in the table's slab (see {@link ConnectionTable#slab()}). */
    static final int WORDS = 8;
    /** Words per slab row; a constant, so that a row's index is a multiply-add by a constant. */
    private static final int STRIDE = ConnectionTable.KEY_WORDS + WORDS;
    // slot row words, after the table's key words
    private static final int S_LAST = 0;
    /** Flags in the low half, the uid number's low 32 bits in the high half. */
    private static final int S_FLAGS = 1;
    private static final int S_HIST = 2;
    /** History-seen masks in bits 0..15, the TCP row (or -1) in the high half. */
    private static final int S_MISC = 3;
    private static final int S_PACKETS = 4;
    private static final int S_IP_BYTES = 5;
    /** UDP and ICMP: payload bytes (side 0 low, side 1 high). */
    private static final int S_PAYLOAD = 6;
    /** TCP: the same word holds the attempt and expire deadlines (see {@link #attemptAt(int)}). */
    private static final int S_DEADLINE = S_PAYLOAD;
    private static final int S_START = 7;

    // TCP row ints: four per side
    private static final int EP_INTS = 4;
    private static final int TCP_STRIDE = 2 * EP_INTS;
    /** Endpoint flags in bits 0..21, the narrow retransmission counter above. */
    private static final int T_FLAGS = 0;
    private static final int T_START = 1;
    private static final int T_LAST = 2;
    private static final int T_ACK = 3;

    private static final long LOW = 0xFFFF_FFFFL;
    private static final long HIGH = 0xFFFF_FFFF_0000_0000L;

    int capacity;

    private final ConnectionTable table;
    /** The table's slab: slot rows, each the key words and then {@value #WORDS} words of ours. */
    private long[] row;
    /** Whether progress events are on; {@link #progressAt} is empty when not. */
    private final boolean progress;
    /** Next progress event (start plus an age, see {@link ProgressAges}); 0 when none. */
    private long[] progressAt;

    // TCP rows
    private int rowCapacity;
    private int freeRow = -1;
    private int nextRow;
    /** TCP rows, {@value #TCP_STRIDE} ints each. */
    private int[] tcp = new int[0];
    /** Data seen above a hole, for the few endpoints that have one, by TCP endpoint. */
    final AboveHole aboveHole = new AboveHole();
    /** The TCP row a packet is being worked on ({@link #openTcpRow}), or -1. */
    private int workRow = -1;
    /** The reassembly points of {@link #workRow}'s sides 0 and 1, then their trim points. */
    private final long[] work = new long[4];
    /**
     * The sequence wrap counts of {@link #workRow}'s sides 0 and 1, then their acknowledgement
     * wrap counts; each valid only while its flag ({@link #E_SEQ_WRAPS}, {@link #E_ACK_WRAPS}) is set.
     */
    private final int[] workWraps = new int[4];

    // sparse overflow
    private final Int2LongOpenHashMap wideIpBytes = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap widePayload = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap finMap = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap wideReassem = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap wideTrim = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap missed = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap udpChecksums = new Int2LongOpenHashMap();
    private final Int2IntOpenHashMap seqWrapMap = new Int2IntOpenHashMap();
    private final Int2IntOpenHashMap ackWrapMap = new Int2IntOpenHashMap();
    private final Int2IntOpenHashMap lastSynMap = new Int2IntOpenHashMap();
    private final Int2IntOpenHashMap lastFinMap = new Int2IntOpenHashMap();
    private final Int2IntOpenHashMap lastRstMap = new Int2IntOpenHashMap();
    private final Int2LongOpenHashMap attemptMap = new Int2LongOpenHashMap();
    private final Int2LongOpenHashMap wideCounters = new Int2LongOpenHashMap();
    private final Int2ObjectOpenHashMap<StringBuilder> longHistories = new Int2ObjectOpenHashMap<>();
    private final Int2LongOpenHashMap oldUids = new Int2LongOpenHashMap();
    /** The largest uid number stored so far. */
    private long newestUid;

    /**
     * Creates the rows, in the value words of a table's slab.
     *
     * @param table    the connection table, made with {@value #WORDS} value words
     * @param progress whether progress events are on (else no column holds their deadlines)
     */
    Connections(ConnectionTable table, boolean progress) {
        if (table.stride() != STRIDE) {
            throw new IllegalArgumentException("table rows have " + table.stride() + " words, not " + STRIDE);
        }
        this.table = table;
        this.progress = progress;
        this.capacity = 0;
        this.progressAt = new long[0];
        grow(table.capacity());
    }

    /** Follows the table after it grew to {@code cap} slots. */
    void grow(int cap) {
        row = table.slab();
        if (cap <= capacity) {
            return;
        }
        if (progress) {
            progressAt = Arrays.copyOf(progressAt, cap);
        }
        for (int s = capacity; s < cap; s++) {
            row[base(s) + S_MISC] = HIGH; // no TCP row
        }
        capacity = cap;
    }

    /** @return the index of slot {@code s}'s first value word in the slab */
    private int base(int s) {
        return s * STRIDE + ConnectionTable.KEY_WORDS;
    }

    /** Makes room for one more TCP row: doubles the pool, never beyond the slot capacity. */
    private void growRows() {
        int rows = Math.min(capacity, Math.max(64, rowCapacity * 2));
        tcp = Arrays.copyOf(tcp, rows * TCP_STRIDE);
        rowCapacity = rows;
    }

    // ------------------------------------------------------------ look-ahead

    /**
     * Look-ahead, read-only: reads a word on each cache line of slot {@code s}'s row.
     *
     * @param s a live slot
     * @return a sum of the words read (for the caller to keep, so that the reads are not dropped)
     */
    long peekRow(int s) {
        int b = s * STRIDE;
        return row[b] + row[b + STRIDE / 2] + row[b + STRIDE - 1];
    }

    /**
     * Look-ahead, read-only: reads a word on each cache line of the TCP row of slot {@code s},
     * if it has one.
     *
     * @param s a live slot
     * @return a sum of the words read, 0 without a TCP row
     */
    long peekTcp(int s) {
        int r = tcpRow(s);
        if (r < 0 || r >= rowCapacity) {
            return 0;
        }
        int x = r * TCP_STRIDE;
        return tcp[x] + tcp[x + TCP_STRIDE / 2] + tcp[x + TCP_STRIDE - 1];
    }

    // ------------------------------------------------------------ half words

    /** @return the half of {@code w} that belongs to {@code side}: 0 the low half, 1 the high */
    private static int half(long w, int side) {
        return (int) (w >>> (side << 5));
    }

    /** @return {@code w} with {@code side}'s half replaced by {@code v} */
    private static long withHalf(long w, int side, int v) {
        int sh = side << 5;
        return (w & ~(LOW << sh)) | ((v & LOW) << sh);
    }

    /** @return the index of TCP endpoint {@code e}'s first int (a row is side 0's ints, then side 1's) */
    private static int ep(int e) {
        return e * EP_INTS;
    }

    // ----------------------------------------------------------------- slots

    /** @return slot {@code s}'s flags */
    int flags(int s) {
        return (int) row[base(s) + S_FLAGS];
    }

    private void flags(int s, int f) {
        int i = base(s) + S_FLAGS;
        row[i] = (row[i] & HIGH) | (f & LOW);
    }

    /** Flips a flag of slot {@code s}. */
    void toggle(int s, int flag) {
        row[base(s) + S_FLAGS] ^= flag & LOW;
    }

    /** @return the time of slot {@code s}'s first packet */
    long start(int s) {
        return row[base(s) + S_START];
    }

    /** @return the TCP row of slot {@code s}, or -1 for a connection that is not TCP */
    int tcpRow(int s) {
        return (int) (row[base(s) + S_MISC] >> 32);
    }

    private void tcpRow(int s, int r) {
        int i = base(s) + S_MISC;
        row[i] = withHalf(row[i], 1, r);
    }

    /** @return the packets slot endpoint {@code e} sent, as an unsigned number */
    long packets(int e) {
        return half(row[base(e >> 1) + S_PACKETS], e & 1) & LOW;
    }

    /** Counts one IP packet of {@code ipBytes} bytes for slot endpoint {@code e}. */
    void countPacket(int e, int ipBytes) {
        int base = base(e >> 1);
        int side = e & 1;
        long w = row[base + S_PACKETS];
        row[base + S_PACKETS] = withHalf(w, side, half(w, side) + 1);
        addIpBytes(e, ipBytes);
    }

    /**
     * Tells, and forgets, whether a deadline of slot {@code s} may have moved earlier since the
     * last call (see the class comment).
     *
     * @param s a live slot
     * @return {@code true} if the timer must be re-armed
     */
    boolean takeRearm(int s) {
        int i = base(s) + S_FLAGS;
        long w = row[i];
        if ((w & F_REARM) == 0) {
            return false;
        }
        row[i] = w & ~(long) F_REARM;
        return true;
    }

    private void rearmNeeded(int s) {
        row[base(s) + S_FLAGS] |= F_REARM;
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
        int b = base(s);
        row[b + S_LAST] = t;
        row[b + S_FLAGS] = F_ACTIVE | timeout << TIMEOUT_SHIFT;
        row[b + S_HIST] = 0;
        row[b + S_MISC] = HIGH;
        row[b + S_PACKETS] = 0;
        row[b + S_IP_BYTES] = 0;
        row[b + S_PAYLOAD] = 0;
        row[b + S_START] = t;
        storeUid(s, uid);
        if (progress) {
            progressAt[s] = 0;
        }
        if (tcp) {
            int r = takeRow();
            tcpRow(s, r);
            for (int e = 2 * r; e < 2 * r + 2; e++) {
                int w = ep(e);
                // reassembly and trim points 1: one more than the relative last and acknowledged sequence 0
                this.tcp[w + T_FLAGS] = 7 << REASSEM_SHIFT | 7 << TRIM_SHIFT;
                this.tcp[w + T_START] = 0;
                this.tcp[w + T_LAST] = 0;
                this.tcp[w + T_ACK] = 0;
            }
        }
    }

    private int takeRow() {
        if (freeRow >= 0) {
            int r = freeRow;
            freeRow = lastSeq(2 * r);
            return r;
        }
        if (nextRow == rowCapacity) {
            growRows();
        }
        return nextRow++;
    }

    /** Drops what a removed slot holds outside its row and gives back its TCP row; idempotent. */
    void release(int s) {
        int f = flags(s);
        if ((f & (F_WIDE_IP | F_WIDE_IP << 1)) != 0) {
            wideIpBytes.remove(2 * s);
            wideIpBytes.remove(2 * s + 1);
        }
        if ((f & (F_WIDE_PAYLOAD | F_WIDE_PAYLOAD << 1)) != 0) {
            widePayload.remove(2 * s);
            widePayload.remove(2 * s + 1);
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
        if ((f & F_ATTEMPT_MAP) != 0) {
            attemptMap.remove(s);
        }
        flags(s, 0);
        int r = tcpRow(s);
        if (r >= 0) {
            for (int e = 2 * r; e < 2 * r + 2; e++) {
                int ef = epFlags(e);
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
                if ((ef & E_FIN_STORED) != 0) {
                    finMap.remove(e);
                }
                if (((ef >>> REASSEM_SHIFT) & 7) == WIDE) {
                    wideReassem.remove(e);
                }
                if (((ef >>> TRIM_SHIFT) & 7) == WIDE) {
                    wideTrim.remove(e);
                }
                if ((ef & E_RST_MAP) != 0) {
                    lastRstMap.remove(e);
                }
                epFlags(e, 0);
                aboveHole.clear(e);
            }
            tcp[ep(2 * r) + T_LAST] = freeRow;
            freeRow = r;
            if (r == workRow) {
                workRow = -1;
            }
            tcpRow(s, -1);
        }
    }

    // ------------------------------------------------------------------ roles

    /** @return the key side (0 or 1) of the originator */
    int origSide(int s) {
        return flags(s) & F_ORIG_IS_B;
    }

    boolean isOrigSide(int s, int side) {
        return side == (flags(s) & F_ORIG_IS_B);
    }

    boolean has(int s, int flag) {
        return (flags(s) & flag) != 0;
    }

    void set(int s, int flag, boolean on) {
        int f = flags(s);
        flags(s, on ? f | flag : f & ~flag);
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
        return row[base(s) + S_LAST];
    }

    /**
     * Sets {@link #last(int)}; a time earlier than the stored one may move the inactivity deadline
     * earlier, so it marks the timer for re-arming.
     */
    void last(int s, long t) {
        int i = base(s) + S_LAST;
        if (t < row[i]) {
            rearmNeeded(s);
        }
        row[i] = t;
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
        long w = row[base(s) + S_FLAGS];
        if ((w & F_OLD_UID) != 0) {
            return oldUids.get(s);
        }
        return newestUid - ((newestUid - (w >>> 32)) & LOW);
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
        if ((flags(s) & F_OLD_UID) == 0) {
            long n = uidNumber(s);
            if (uid - n >= OLD_UID_AGE) {
                oldUids.put(s, n);
                set(s, F_OLD_UID, true);
            }
        }
    }

    private void storeUid(int s, long uid) {
        if (uid > newestUid) {
            newestUid = uid;
        }
        int i = base(s) + S_FLAGS;
        row[i] = withHalf(row[i], 1, (int) uid);
        if (newestUid - uid >= OLD_UID_AGE) {
            oldUids.put(s, uid);
            set(s, F_OLD_UID, true);
        }
    }

    /** @return the index of slot {@code s}'s inactivity timeout */
    int timeoutIndex(int s) {
        return flags(s) >>> TIMEOUT_SHIFT;
    }

    /** Sets {@link #timeoutIndex(int)} (0 to 127). */
    void timeoutIndex(int s, int index) {
        flags(s, (flags(s) & ~(0x7F << TIMEOUT_SHIFT)) | index << TIMEOUT_SHIFT | F_REARM);
    }

    // ----------------------------------------------------------- all protocols

    /**
     * Reads an unsigned half word of slot endpoint {@code e} at row word {@code word}, or its wide
     * value when flag {@code wideFlag} (shifted by the side) says it moved to {@code map}.
     */
    private long slotValue(int e, int word, int wideFlag, Int2LongOpenHashMap map) {
        int b = base(e >> 1);
        if ((row[b + S_FLAGS] & (wideFlag << (e & 1))) != 0) {
            return map.get(e);
        }
        return half(row[b + word], e & 1) & LOW;
    }

    /** Adds {@code n} to the value {@link #slotValue} reads, moving it to the map when it leaves 32 bits. */
    private void addSlotValue(int e, int word, int wideFlag, Int2LongOpenHashMap map, long n) {
        int b = base(e >> 1);
        int side = e & 1;
        int flag = wideFlag << side;
        if ((row[b + S_FLAGS] & flag) != 0) {
            map.addTo(e, n);
            return;
        }
        long w = row[b + word];
        long v = (half(w, side) & LOW) + n;
        if ((v >>> 32) == 0) {
            row[b + word] = withHalf(w, side, (int) v);
        } else {
            row[b + S_FLAGS] |= flag;
            map.put(e, v);
        }
    }

    /** Counts an IP packet's bytes for slot endpoint {@code e}. */
    void addIpBytes(int e, int n) {
        addSlotValue(e, S_IP_BYTES, F_WIDE_IP, wideIpBytes, n);
    }

    /** @return the IP bytes slot endpoint {@code e} sent */
    long ipBytes(int e) {
        return slotValue(e, S_IP_BYTES, F_WIDE_IP, wideIpBytes);
    }

    /** UDP and ICMP: counts a packet's payload for slot endpoint {@code e} and marks the side active. */
    void addPayload(int e, int n) {
        row[base(e >> 1) + S_FLAGS] |= F_SENT << (e & 1);
        addSlotValue(e, S_PAYLOAD, F_WIDE_PAYLOAD, widePayload, n);
    }

    /** @return UDP and ICMP: the payload bytes slot endpoint {@code e} sent */
    long payloadBytes(int e) {
        return slotValue(e, S_PAYLOAD, F_WIDE_PAYLOAD, widePayload);
    }

    /** @return UDP and ICMP: whether slot endpoint {@code e} sent a packet */
    boolean sent(int e) {
        return (flags(e >> 1) & (F_SENT << (e & 1))) != 0;
    }

    /** @return the next progress event of slot {@code s}; 0 when none */
    long progressAt(int s) {
        return progress ? progressAt[s] : 0;
    }

    /** Sets {@link #progressAt(int)}; only called when progress events are on. */
    void progressAt(int s, long t) {
        progressAt[s] = t;
        rearmNeeded(s);
    }

    /** @return {@code missed_bytes} of slot {@code s} */
    long missedBytes(int s) {
        return (flags(s) & F_MISSED) != 0 ? missed.get(s) : 0;
    }

    void addMissedBytes(int s, long n) {
        set(s, F_MISSED, true);
        missed.addTo(s, n);
    }

    // ------------------------------------------------------------- TCP rows

    /**
     * Returns the attempt, delete or second expire deadline of slot {@code s} (see
     * {@link #F_SECOND_EXPIRE}, {@link #F_DELETE_PENDING}).
     *
     * <p>The two TCP deadlines share one word ({@link #S_DEADLINE}): a connection rarely has two
     * different ones pending. A SYN sets the attempt deadline to the same time as the first expire
     * check (both 5 s after it by default); once the attempt timer has fired only the expire chain
     * runs; a complete close cancels the chain and sets the delete deadline. Two flags say which
     * of them the word holds; only while both are pending and differ (a half-closed connection's
     * second expire chain, or an attempt timeout other than 5 s before it fires) does the attempt
     * deadline move to {@link #attemptMap}.
     *
     * @param s a slot
     * @return the deadline; 0 when none or not TCP
     */
    long attemptAt(int s) {
        int b = base(s);
        int f = (int) row[b + S_FLAGS];
        if ((f & F_ATTEMPT_IN_WORD) != 0) {
            return row[b + S_DEADLINE];
        }
        return (f & F_ATTEMPT_MAP) != 0 ? attemptMap.get(s) : 0;
    }

    /** Sets {@link #attemptAt(int)} of a TCP slot. */
    void attemptAt(int s, long t) {
        deadlines(s, t, expireAt(s));
    }

    /** @return the next TCP expire check of slot {@code s}; 0 when none or not TCP */
    long expireAt(int s) {
        int b = base(s);
        return (row[b + S_FLAGS] & F_EXPIRE_IN_WORD) != 0 ? row[b + S_DEADLINE] : 0;
    }

    /** Sets {@link #expireAt(int)} of a TCP slot. */
    void expireAt(int s, long t) {
        deadlines(s, attemptAt(s), t);
    }

    /** Stores both TCP deadlines of slot {@code s} (0: none) as {@link #attemptAt(int)} describes. */
    private void deadlines(int s, long attempt, long expire) {
        int b = base(s);
        long w = row[b + S_FLAGS];
        int f = (int) w & ~(F_ATTEMPT_IN_WORD | F_EXPIRE_IN_WORD | F_ATTEMPT_MAP);
        long word = expire;
        if (expire != 0) {
            f |= F_EXPIRE_IN_WORD;
            if (attempt == expire) {
                f |= F_ATTEMPT_IN_WORD;
            } else if (attempt != 0) {
                f |= F_ATTEMPT_MAP;
                attemptMap.put(s, attempt);
            }
        } else if (attempt != 0) {
            f |= F_ATTEMPT_IN_WORD;
            word = attempt;
        }
        if ((w & F_ATTEMPT_MAP) != 0 && (f & F_ATTEMPT_MAP) == 0) {
            attemptMap.remove(s);
        }
        row[b + S_DEADLINE] = word;
        row[b + S_FLAGS] = (w & HIGH) | ((f | F_REARM) & LOW);
    }

    /** @return the TCP endpoint of a TCP slot's side */
    int tcpEndpoint(int s, int side) {
        return 2 * tcpRow(s) + side;
    }

    private int epFlags(int e) {
        return tcp[ep(e) + T_FLAGS];
    }

    private void epFlags(int e, int f) {
        tcp[ep(e) + T_FLAGS] = f;
    }

    /** @return the state of TCP endpoint {@code e} */
    byte state(int e) {
        return (byte) ((epFlags(e) >>> STATE_SHIFT) & 7);
    }

    /** @return the state TCP endpoint {@code e} had before its current one */
    byte prevState(int e) {
        return (byte) ((epFlags(e) >>> PREV_STATE_SHIFT) & 7);
    }

    /** Moves TCP endpoint {@code e} to state {@code st}; its current state becomes the previous one. */
    void changeState(int e, byte st) {
        int ef = epFlags(e);
        epFlags(e, (ef & ~STATES) | ((ef >>> STATE_SHIFT) & 7) << PREV_STATE_SHIFT | st << STATE_SHIFT);
    }

    /** @return the first sequence number of TCP endpoint {@code e} (Zeek's start, 32 bits) */
    int startSeq(int e) {
        return tcp[ep(e) + T_START];
    }

    /** Sets {@link #startSeq(int)}; only while the row is open (see {@link #lastReassem(int)}). */
    void startSeq(int e, int seq) {
        derivedFrom(e, T_START, seq);
    }

    /** @return the last sequence number of TCP endpoint {@code e} */
    int lastSeq(int e) {
        return tcp[ep(e) + T_LAST];
    }

    /** Sets {@link #lastSeq(int)}; only while the row is open (see {@link #lastReassem(int)}). */
    void lastSeq(int e, int seq) {
        derivedFrom(e, T_LAST, seq);
    }

    /**
     * Sets sequence {@code field} of TCP endpoint {@code e}, one of the numbers the values of
     * {@link #E_DERIVED} are derived from; if it changes while one is derived, that value is kept
     * first ({@link #keepDerived}).
     */
    private void derivedFrom(int e, int field, int seq) {
        int i = ep(e);
        if ((tcp[i + T_FLAGS] & E_DERIVED) != 0 && seq != tcp[i + field]) {
            keepDerived(e);
        }
        tcp[i + field] = seq;
    }

    /** @return the highest acknowledged sequence number of TCP endpoint {@code e} */
    int ackSeq(int e) {
        return tcp[ep(e) + T_ACK];
    }

    /** Sets {@link #ackSeq(int)}; only while the row is open (see {@link #lastReassem(int)}). */
    void ackSeq(int e, int seq) {
        tcp[ep(e) + T_ACK] = seq;
    }

    /**
     * Returns the relative sequence number just past TCP endpoint {@code e}'s FIN (0 before one).
     * It is rarely stored: a FIN almost always becomes its sender's last sequence number, so
     * {@link #E_FIN_AT_LAST} says "derive it" ({@link #relLast(int)}); a FIN below the last
     * sequence number, or a later change of the last or start sequence number or the wrap count
     * while the bit is set, keeps the value in {@link #finMap}.
     *
     * @param e a TCP endpoint
     * @return the FIN sequence
     */
    long finSeq(int e) {
        int ef = epFlags(e);
        if ((ef & E_FIN_AT_LAST) != 0) {
            return relLast(e);
        }
        return (ef & E_FIN_STORED) != 0 ? finMap.get(e) : 0;
    }

    /**
     * Returns TCP endpoint {@code e}'s last sequence number relative to its start, computed as
     * {@code Tcp} computes a packet's relative sequence number: the 32-bit signed difference while
     * the wrap count is 0, else the 64-bit one.
     */
    private long relLast(int e) {
        return relative(e, T_LAST, seqWraps(e));
    }

    /** As {@link #relLast(int)}, for TCP endpoint {@code e}'s acknowledged sequence number. */
    private long relAck(int e) {
        return relative(e, T_ACK, ackWraps(e));
    }

    /** @return sequence {@code field} of TCP endpoint {@code e} relative to its start, as {@link #relLast(int)} computes it */
    private long relative(int e, int field, int wraps) {
        int i = ep(e);
        if (wraps == 0) {
            return tcp[i + field] - tcp[i + T_START];
        }
        return ((long) wraps << 32) + (tcp[i + field] & LOW) - (tcp[i + T_START] & LOW);
    }

    /**
     * Returns reassembly's relative sequence number of TCP endpoint {@code e}'s next in-order byte.
     *
     * <p>It is stored as its difference from {@link #relLast(int)}, in three bits of the endpoint
     * flags: while data arrives in order the two move together (the difference is 0, or 1 once a
     * FIN took a sequence number). A difference outside {@code [-3, 3]} (a hole, data not
     * captured, reassembly given up) keeps the value in {@link #wideReassem} until the difference
     * is small again. The trim point is stored the same way against {@link #relAck(int)}, which it
     * follows as acknowledgements arrive.
     *
     * <p>A packet works on both points in plain fields between {@link #openTcpRow} and
     * {@link #closeTcpRow}, since it moves the last and acknowledged sequence numbers before it
     * moves the points. The points are read and written only while their row is open, and the
     * start, last and acknowledged sequence numbers and their wrap counts change only then (a
     * change outside would move the points with them).
     *
     * @param e a TCP endpoint of the open row
     * @return the reassembly point
     */
    long lastReassem(int e) {
        assert (e >> 1) == workRow : "TCP row " + (e >> 1) + " is not open";
        return work[e & 1];
    }

    void lastReassem(int e, long seq) {
        assert (e >> 1) == workRow : "TCP row " + (e >> 1) + " is not open";
        work[e & 1] = seq;
    }

    /** @return reassembly: the relative sequence number up to which TCP endpoint {@code e}'s data was acknowledged (trimmed); stored as {@link #lastReassem(int)} says */
    long trimSeq(int e) {
        assert (e >> 1) == workRow : "TCP row " + (e >> 1) + " is not open";
        return work[2 + (e & 1)];
    }

    void trimSeq(int e, long seq) {
        assert (e >> 1) == workRow : "TCP row " + (e >> 1) + " is not open";
        work[2 + (e & 1)] = seq;
    }

    /**
     * Starts work on TCP row {@code r} for one packet: its reassembly and trim points are read
     * into plain fields until {@link #closeTcpRow()}.
     */
    void openTcpRow(int r) {
        workRow = r;
        openEndpoint(2 * r);
        openEndpoint(2 * r + 1);
    }

    /** Reads TCP endpoint {@code e}'s points into {@link #work}; without wrap counts and wide values in one go. */
    private void openEndpoint(int e) {
        int i = ep(e);
        int f = tcp[i + T_FLAGS];
        int side = e & 1;
        if ((f & (E_SEQ_WRAPS | E_ACK_WRAPS)) == 0 && ((f >>> REASSEM_SHIFT) & 7) != WIDE
                && ((f >>> TRIM_SHIFT) & 7) != WIDE) {
            int start = tcp[i + T_START];
            work[side] = (long) (tcp[i + T_LAST] - start) - difference(f, REASSEM_SHIFT);
            work[2 + side] = (long) (tcp[i + T_ACK] - start) - difference(f, TRIM_SHIFT);
        } else {
            openWide(e);
        }
    }

    /** {@link #openEndpoint} with wrap counts or wide points: the wrap counts are read once, into {@link #workWraps}. */
    private void openWide(int e) {
        int f = epFlags(e);
        int side = e & 1;
        workWraps[side] = (f & E_SEQ_WRAPS) != 0 ? seqWrapMap.get(e) : 0;
        workWraps[2 + side] = (f & E_ACK_WRAPS) != 0 ? ackWrapMap.get(e) : 0;
        work[side] = storedReassem(e);
        work[2 + side] = storedTrim(e);
    }

    /** Ends the work {@link #openTcpRow} started: stores the points against the row's sequence numbers now. */
    void closeTcpRow() {
        int r = workRow;
        if (r < 0) {
            return;
        }
        closeEndpoint(2 * r, work[0], work[2]);
        closeEndpoint(2 * r + 1, work[1], work[3]);
        workRow = -1;
    }

    /** Stores TCP endpoint {@code e}'s points; both differences in one write when both fit and neither was wide. */
    private void closeEndpoint(int e, long reassem, long trim) {
        int i = ep(e);
        int f = tcp[i + T_FLAGS];
        int start = tcp[i + T_START];
        long dr = (long) (tcp[i + T_LAST] - start) - reassem;
        long dt = (long) (tcp[i + T_ACK] - start) - trim;
        if ((f & (E_SEQ_WRAPS | E_ACK_WRAPS)) == 0 && dr > -WIDE && dr < WIDE && dt > -WIDE && dt < WIDE
                && ((f >>> REASSEM_SHIFT) & 7) != WIDE && ((f >>> TRIM_SHIFT) & 7) != WIDE) {
            tcp[i + T_FLAGS] = (f & ~(7 << REASSEM_SHIFT | 7 << TRIM_SHIFT)) | ((int) dr & 7) << REASSEM_SHIFT
                    | ((int) dt & 7) << TRIM_SHIFT;
        } else {
            closeWide(e, reassem, trim);
        }
    }

    /** {@link #closeEndpoint} with wrap counts or wide points (apart, so that the usual case stays small). */
    private void closeWide(int e, long reassem, long trim) {
        storeReassem(e, reassem);
        storeTrim(e, trim);
    }

    /** @return how many reassembly and trim points are kept in their maps (the rest are stored as differences) */
    int widePoints() {
        return wideReassem.size() + wideTrim.size();
    }

    /** @return the signed three-bit difference at {@code shift} of endpoint flags {@code f} */
    private static int difference(int f, int shift) {
        return (f << (29 - shift)) >> 29;
    }

    private long storedReassem(int e) {
        int d = difference(epFlags(e), REASSEM_SHIFT);
        return d == -WIDE ? wideReassem.get(e) : relLast(e) - d;
    }

    private void storeReassem(int e, long v) {
        storeDifference(e, REASSEM_SHIFT, relLast(e) - v, wideReassem, v);
    }

    private long storedTrim(int e) {
        int d = difference(epFlags(e), TRIM_SHIFT);
        return d == -WIDE ? wideTrim.get(e) : relAck(e) - d;
    }

    private void storeTrim(int e, long v) {
        storeDifference(e, TRIM_SHIFT, relAck(e) - v, wideTrim, v);
    }

    /** Stores difference {@code d} in the three bits at {@code shift}, or value {@code v} in {@code map} when it does not fit. */
    private void storeDifference(int e, int shift, long d, Int2LongOpenHashMap map, long v) {
        int i = ep(e) + T_FLAGS;
        int f = tcp[i];
        int bits;
        if (d > -WIDE && d < WIDE) {
            bits = (int) d & 7;
            if (((f >>> shift) & 7) == WIDE) {
                map.remove(e);
            }
        } else {
            bits = WIDE;
            map.put(e, v);
        }
        tcp[i] = (f & ~(7 << shift)) | bits << shift;
    }

    private int retransmissions(int e) {
        return tcp[ep(e) + T_FLAGS] >>> RXMIT_SHIFT;
    }

    private void retransmissions(int e, int n) {
        int i = ep(e) + T_FLAGS;
        tcp[i] = (tcp[i] & ((1 << RXMIT_SHIFT) - 1)) | n << RXMIT_SHIFT;
    }

    /**
     * Returns the low 32 bits of the relative sequence number of the last RST-only packet TCP
     * endpoint {@code e} sent (0 before one). It is rarely stored: a RST-only packet almost
     * always sits at its sender's last sequence number, so {@link #E_RST_AT_LAST} says "derive
     * it" from {@link #lastSeq} and {@link #startSeq} (the low 32 bits of a relative sequence
     * number are the 32-bit difference, whatever the wrap count). A RST elsewhere, or a later
     * change of either number while the bit is set, keeps the value in {@link #lastRstMap}.
     *
     * @param e a TCP endpoint
     * @return the stored position
     */
    int histLastRst(int e) {
        int i = ep(e);
        int f = tcp[i + T_FLAGS];
        if ((f & E_RST_AT_LAST) != 0) {
            return tcp[i + T_LAST] - tcp[i + T_START];
        }
        return (f & E_RST_MAP) != 0 ? lastRstMap.get(e) : 0;
    }

    /**
     * Sets {@link #histLastRst(int)}; called after the packet has updated the endpoint's last
     * sequence number, so that the usual RST is derived.
     */
    void histLastRst(int e, int relSeq) {
        int ef = epFlags(e);
        int f = ef & ~(E_RST_AT_LAST | E_RST_MAP);
        if (relSeq == lastSeq(e) - startSeq(e)) {
            f |= E_RST_AT_LAST;
        } else if (relSeq != 0) {
            f |= E_RST_MAP;
            lastRstMap.put(e, relSeq);
        }
        if ((ef & E_RST_MAP) != 0 && (f & E_RST_MAP) == 0) {
            lastRstMap.remove(e);
        }
        epFlags(e, f);
    }

    /**
     * Before the last or start sequence number or the wrap count of TCP endpoint {@code e}
     * changes: stores the values derived from them ({@link #E_DERIVED}) in their maps.
     */
    private void keepDerived(int e) {
        int ef = epFlags(e);
        int f = ef & ~E_DERIVED;
        if ((ef & E_RST_AT_LAST) != 0) {
            int v = histLastRst(e);
            if (v != 0) {
                f |= E_RST_MAP;
                lastRstMap.put(e, v);
            }
        }
        if ((ef & E_FIN_AT_LAST) != 0) {
            long v = relLast(e);
            if (v != 0) {
                f |= E_FIN_STORED;
                finMap.put(e, v);
            }
        }
        epFlags(e, f);
    }

    boolean epHas(int e, int flag) {
        return (epFlags(e) & flag) != 0;
    }

    void epSet(int e, int flag) {
        tcp[ep(e) + T_FLAGS] |= flag;
    }

    private void epClear(int e, int flag) {
        tcp[ep(e) + T_FLAGS] &= ~flag;
    }

    /** @return the sequence wrap count of TCP endpoint {@code e} (while its row is open, without a map lookup) */
    int seqWraps(int e) {
        if ((epFlags(e) & E_SEQ_WRAPS) == 0) {
            return 0;
        }
        return (e >> 1) == workRow ? workWraps[e & 1] : seqWrapMap.get(e);
    }

    /** Counts a wrap of {@link #lastSeq(int)}; only while the row is open (see {@link #lastReassem(int)}). */
    void incSeqWraps(int e) {
        if ((epFlags(e) & E_FIN_AT_LAST) != 0) {
            keepDerived(e);
        }
        int n = seqWraps(e) + 1;
        epSet(e, E_SEQ_WRAPS);
        seqWrapMap.put(e, n);
        if ((e >> 1) == workRow) {
            workWraps[e & 1] = n;
        }
    }

    /** @return the acknowledgement wrap count of TCP endpoint {@code e} (while its row is open, without a map lookup) */
    int ackWraps(int e) {
        if ((epFlags(e) & E_ACK_WRAPS) == 0) {
            return 0;
        }
        return (e >> 1) == workRow ? workWraps[2 + (e & 1)] : ackWrapMap.get(e);
    }

    /** Counts a wrap of {@link #ackSeq(int)}; only while the row is open (see {@link #lastReassem(int)}). */
    void incAckWraps(int e) {
        int n = ackWraps(e) + 1;
        epSet(e, E_ACK_WRAPS);
        ackWrapMap.put(e, n);
        if ((e >> 1) == workRow) {
            workWraps[2 + (e & 1)] = n;
        }
    }

    /** @return low 32 bits of the relative sequence of TCP endpoint {@code e}'s last SYN */
    int histLastSyn(int e) {
        return (epFlags(e) & E_LAST_SYN) != 0 ? lastSynMap.get(e) : 0;
    }

    void histLastSyn(int e, int relSeq) {
        if (relSeq != 0) {
            epSet(e, E_LAST_SYN);
            lastSynMap.put(e, relSeq);
        } else if ((epFlags(e) & E_LAST_SYN) != 0) {
            epClear(e, E_LAST_SYN);
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
        int ef = epFlags(e);
        if ((ef & E_FIN_OWN) != 0) {
            return (int) (finSeq(e) - 1);
        }
        return (ef & E_FIN_MAP) != 0 ? lastFinMap.get(e) : 0;
    }

    /**
     * A FIN-only packet of TCP endpoint {@code e} ends at {@code end}: from now on
     * {@link #histLastFin(int)} is {@code (int) end}. The caller sets {@link #finSeq(int, long, boolean)}
     * to {@code end + 1} before {@link #histLastFin(int)} is read again.
     */
    void finOnlyAt(int e) {
        int ef = epFlags(e);
        if ((ef & E_FIN_MAP) != 0) {
            lastFinMap.remove(e);
        }
        epFlags(e, (ef & ~E_FIN_MAP) | E_FIN_OWN);
    }

    /**
     * Sets TCP endpoint {@code e}'s FIN sequence.
     *
     * @param finOnly whether the FIN came alone (without SYN or RST), see {@link #finOnlyAt}
     */
    void finSeq(int e, long seq, boolean finOnly) {
        int ef = epFlags(e);
        if (!finOnly && (ef & E_FIN_OWN) != 0) {
            lastFinMap.put(e, (int) (finSeq(e) - 1));
            ef = (ef & ~E_FIN_OWN) | E_FIN_MAP;
        }
        int f = ef & ~(E_FIN_AT_LAST | E_FIN_STORED);
        if (seq == relLast(e)) {
            f |= E_FIN_AT_LAST;
        } else if (seq != 0) {
            f |= E_FIN_STORED;
            finMap.put(e, seq);
        }
        if ((ef & E_FIN_STORED) != 0 && (f & E_FIN_STORED) == 0) {
            finMap.remove(e);
        }
        epFlags(e, f);
    }

    // ---------------------------------------------------------------- history

    private long hist(int s) {
        return row[base(s) + S_HIST];
    }

    private void hist(int s, long h) {
        row[base(s) + S_HIST] = h;
    }

    /** Appends one history letter (Zeek's {@code Session::AddHistory}). */
    void addHistory(int s, char c) {
        long h = hist(s);
        int n = packedLength(h);
        if (n < LETTERS_PER_WORD) {
            hist(s, h | ((long) code(c) << (LETTER_BITS * n)));
            return;
        }
        StringBuilder more = longHistories.get(s);
        if (more == null) {
            more = new StringBuilder();
            longHistories.put(s, more);
            set(s, F_LONG_HISTORY, true);
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
        int i = base(s) + S_MISC;
        if ((row[i] & mask) == 0) {
            row[i] |= mask & 0xFFFF;
            addHistory(s, c);
            return false;
        }
        return true;
    }

    /**
     * Zeek's {@code ScaledHistoryEntry} with base 10 for a TCP endpoint: the letter is added at the
     * 1st, 10th, 100th, ... event. Counters are 16 bits, so letters stop after the 10,000th event.
     * The retransmission counter, the only one that many connections use, starts in the top six
     * bits of the endpoint flags; the first bad checksum, zero window or content gap, or the
     * 64th retransmission, moves all four to a map as 16-bit fields, where later events of that
     * endpoint count.
     */
    void scaledHistory(int s, int e, int counterShift, char c) {
        if ((epFlags(e) & E_WIDE_COUNTERS) == 0) {
            int n = retransmissions(e);
            if (counterShift == CNT_RXMIT && n < RXMIT_NARROW_MAX) {
                n++;
                retransmissions(e, n);
                if (isScaledStep(n)) {
                    addHistory(s, c);
                }
                return;
            }
            wideCounters.put(e, (long) n << CNT_RXMIT);
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
        long n = (flags(s) & F_UDP_CHECKSUMS) != 0 ? udpChecksums.get(e) : 0;
        if (n == 0xFFFF) {
            return;
        }
        set(s, F_UDP_CHECKSUMS, true);
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
        return hist(s) == code(only);
    }

    void replaceHistory(int s, char c1, char c2) {
        hist(s, code(c1) | ((long) code(c2) << LETTER_BITS));
        if ((flags(s) & F_LONG_HISTORY) != 0) {
            longHistories.remove(s);
            set(s, F_LONG_HISTORY, false);
        }
        // the connection starts over as a flipped one: data held above holes goes, as it always has
        int r = tcpRow(s);
        if (r >= 0) {
            aboveHole.clear(2 * r);
            aboveHole.clear(2 * r + 1);
        }
    }

    String history(int s) {
        StringBuilder sb = new StringBuilder(LETTERS_PER_WORD + 4);
        for (long h = hist(s); h != 0; h >>>= LETTER_BITS) {
            sb.append(LETTERS.charAt((int) (h & 0x1F) - 1));
        }
        if ((flags(s) & F_LONG_HISTORY) != 0) {
            sb.append(longHistories.get(s));
        }
        return sb.toString();
    }
}
