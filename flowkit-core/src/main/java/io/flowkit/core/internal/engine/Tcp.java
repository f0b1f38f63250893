package io.flowkit.core.internal.engine;

import static io.flowkit.core.internal.engine.Connections.CLOSED;
import static io.flowkit.core.internal.engine.Connections.CNT_CHECKSUM;
import static io.flowkit.core.internal.engine.Connections.CNT_GAP;
import static io.flowkit.core.internal.engine.Connections.CNT_RXMIT;
import static io.flowkit.core.internal.engine.Connections.CNT_WIN0;
import static io.flowkit.core.internal.engine.Connections.ESTABLISHED;
import static io.flowkit.core.internal.engine.Connections.INACTIVE;
import static io.flowkit.core.internal.engine.Connections.PARTIAL;
import static io.flowkit.core.internal.engine.Connections.RESET;
import static io.flowkit.core.internal.engine.Connections.SYN_ACK_SENT;
import static io.flowkit.core.internal.engine.Connections.SYN_SENT;

import io.flowkit.ConnState;

/**
 * The TCP connection state machine, following Zeek's {@code TCPSessionAdapter},
 * {@code TCP_Endpoint} and {@code TCP_Reassembler} so that {@code conn.log} comes out the same:
 * endpoint states, history letters and their repeat rules, payload sizes from sequence numbers
 * with 32-bit wrap counting, retransmissions, content gaps ({@code missed_bytes}), the
 * SYN-ACK-first flip, close and reset handling and the timers that end a connection.
 *
 * <p><b>Model of the reassembler.</b> Zeek keeps every unacknowledged segment to report content
 * gaps when an acknowledgement passes a hole. flowkit keeps, per endpoint, only the sequence
 * numbers that decide gaps: the highest in-order byte ({@code lastReassem}), the trim point
 * ({@code trimSeq}) and the ranges seen above holes ({@link AboveHole}), never the bytes. A gap is
 * reported, as in Zeek, for each hole the peer's acknowledgement passes, and counted in
 * {@code missed_bytes} when both endpoints are established or cleanly closing.
 *
 * <p><b>Timers.</b> Zeek may run several expire-timer chains for one connection (one from
 * creation, one more per half close); flowkit runs the first two exactly and merges any further
 * one into the second (keeping the earlier check), which only matters for a connection closed
 * half-way several times over.
 *
 * <p><b>Cost.</b> A few dozen field reads and writes per packet; no allocation.
 */
final class Tcp {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int ACK = 0x10;

    // history masks of TCP_Endpoint (shifted by 7 for the responder)
    private static final int HIST_SYN = 0x1;
    private static final int HIST_FIN = 0x2;
    private static final int HIST_RST = 0x4;
    private static final int HIST_FIN_RST = 0x8;
    private static final int HIST_DATA = 0x10;
    private static final int HIST_ACK = 0x20;
    private static final int HIST_MULTI_FLAG = 0x40;

    private static final int TOO_LARGE_SEQ_DELTA = 1_048_576;
    private static final long MAX_INITIAL_WINDOW = 16_384;
    private static final long MAX_ABOVE_HOLE_WITHOUT_ACKS = 16_384;
    private static final long EXCESSIVE_DATA_WITHOUT_ACKS = 10L * 1024 * 1024;

    /** Zeek's {@code tcp_connection_linger}. */
    static final long LINGER = 5_000_000_000L;
    /** Zeek's {@code tcp_session_timer}: how often the expire timer re-checks. */
    static final long SESSION_TIMER = 6_000_000_000L;
    /** Zeek's {@code tcp_SYN_timeout}: first expire check after creation. */
    static final long SYN_TIMEOUT = 5_000_000_000L;

    private final Connections c;
    private final long attemptDelay;
    private final long closeDelay;
    private final long resetDelay;
    private final int tcpTimeoutIndex;

    private boolean underflow;

    Tcp(Connections c, long attemptDelay, long closeDelay, long resetDelay, int tcpTimeoutIndex) {
        this.c = c;
        this.attemptDelay = attemptDelay;
        this.closeDelay = closeDelay;
        this.resetDelay = resetDelay;
        this.tcpTimeoutIndex = tcpTimeoutIndex;
    }

    /** Adds a delay to a time, saturating: capture timestamps are untrusted. */
    static long plus(long t, long d) {
        long r = t + d;
        return r < t ? Long.MAX_VALUE : r;
    }

    // ------------------------------------------------------------ seq helpers

    private static long full(int seq, int wraps) {
        return ((long) wraps << 32) + (seq & 0xFFFF_FFFFL);
    }

    /** Zeek's {@code StartSeqI64}: always a 32-bit unsigned value (Zeek computes it in uint32). */
    private long start(int e) {
        return c.startSeq(e) & 0xFFFF_FFFFL;
    }

    private long relative(int e, int seq, int wraps) {
        return full(seq, wraps) - start(e);
    }

    private boolean isOrig(int s, int e) {
        return c.isOrigSide(s, e & 1);
    }

    /** Zeek's {@code get_relative_seq}; sets {@link #underflow}. */
    private long relativeSeq(int e, int cur, int lastSeen, int wraps) {
        int delta = cur - lastSeen;
        if (delta < 0) {
            if (wraps != 0 && Integer.compareUnsigned(cur, lastSeen) > 0) {
                --wraps;
            }
        } else if (delta > 0) {
            if (Integer.compareUnsigned(cur, lastSeen) < 0) {
                ++wraps;
            }
        }
        if (wraps == 0) {
            int d = cur - c.startSeq(e);
            if (d < 0) {
                underflow = true;
            }
            return d;
        }
        return relative(e, cur, wraps);
    }

    // --------------------------------------------------------------- history

    /** {@code TCP_Endpoint::CheckHistory}, including the flip of a SYN-ACK-first connection. */
    private boolean epCheckHistory(int s, int e, int mask, char code) {
        if ((code == 'A' || code == 'D') && c.historyIs(s, 'H')) {
            // A connection that began with a SYN-ACK now sees productive traffic: the SYN-ACK
            // sender was the responder after all.
            flipRoles(s);
            c.replaceHistory(s, '^', 'h');
            c.set(s, Connections.F_FIRST_ORIG, true);
        }
        if (!isOrig(s, e)) {
            mask <<= 7;
            code = Character.toLowerCase(code);
        }
        return c.checkHistory(s, mask, code);
    }

    private void epAddHistory(int s, int e, char code) {
        c.addHistory(s, isOrig(s, e) ? code : Character.toLowerCase(code));
    }

    private void scaled(int s, int e, int counter, char upper) {
        c.scaledHistory(s, e, counter, isOrig(s, e) ? upper : Character.toLowerCase(upper));
    }

    /** Zeek's {@code Connection::FlipRoles} plus the TCP adapter's part. */
    void flipRoles(int s) {
        c.toggle(s, Connections.F_ORIG_IS_B);
        int f = c.flags(s);
        boolean firstOrig = (f & Connections.F_FIRST_ORIG) != 0;
        boolean firstResp = (f & Connections.F_FIRST_RESP) != 0;
        c.set(s, Connections.F_FIRST_ORIG, firstResp);
        c.set(s, Connections.F_FIRST_RESP, firstOrig);
        c.set(s, Connections.F_PARTIAL, false);
        c.addHistory(s, '^');
    }

    // ---------------------------------------------------------------- reuse

    /**
     * Zeek's {@code TCPSessionAdapter::IsReuse}: does this SYN start a new connection on the
     * 5-tuple?
     */
    boolean isReuse(int s, int flags, long seq) {
        if ((flags & SYN) == 0) {
            return false;
        }
        int origE = c.tcpEndpoint(s, c.origSide(s));
        int respE = origE ^ 1;
        int connOrig = origE;
        if ((flags & ACK) != 0) {
            if (c.state(origE) != INACTIVE) {
                return false;
            }
            connOrig = respE;
        }
        boolean closed = c.epHas(origE, Connections.E_DID_CLOSE) || c.epHas(respE, Connections.E_DID_CLOSE);
        if (!closed) {
            int base = (int) seq;
            if (base == c.startSeq(connOrig)) {
                return false;
            }
            return (flags & ACK) != 0 || c.state(connOrig) != SYN_ACK_SENT || c.state(respE) != INACTIVE
                    || base != c.startSeq(respE);
        }
        return true;
    }

    // ---------------------------------------------------------------- packet

    /**
     * Processes a TCP packet with a good checksum ({@code TCPSessionAdapter::Process}).
     *
     * @param s        slot
     * @param side     key side that sent it
     * @param t        packet time
     * @param flags    TCP flags
     * @param seq32    sequence number
     * @param ack32    acknowledgement number
     * @param window   window field
     * @param len      payload length from the IP header
     * @param captured whether the whole payload was captured
     */
    void packet(int s, int side, long t, int flags, int seq32, int ack32, int window, int len, boolean captured) {
        int e = c.tcpEndpoint(s, side);
        int p = e ^ 1;
        c.openTcpRow(e >> 1);
        boolean syn = (flags & SYN) != 0;
        boolean fin = (flags & FIN) != 0;
        boolean rst = (flags & RST) != 0;
        boolean ack = (flags & ACK) != 0;
        // Zeek's is_orig: the role at arrival, even if the history check flips the connection
        boolean origAtEntry = isOrig(s, e);

        setPartialStatus(s, e, syn, ack);

        int segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
        if (rst) {
            segLen -= len;
        }
        int seqOnePast = seq32 + segLen;
        initEndpoint(e, syn, seq32, seqOnePast);

        underflow = false;
        long relSeq = relativeSeq(e, seq32, c.lastSeq(e), c.seqWraps(e));
        boolean seqUnderflow = underflow;

        updateHistory(s, e, syn, fin, rst, ack, relSeq, len);
        if (window == 0 && !rst && c.state(p) != CLOSED && c.state(e) != RESET) {
            scaled(s, e, CNT_WIN0, 'W');
        }

        if (!c.epHas(e, Connections.E_DID_CLOSE) || !c.epHas(p, Connections.E_DID_CLOSE)) {
            c.last(s, t);
        }
        long relAck = 0;
        if (ack) {
            if (c.state(p) == INACTIVE) {
                relAck = 1;
                c.startSeq(p, ack32 - 1);
                c.ackSeq(p, ack32 - 1);
                c.lastSeq(p, ack32 - 1);
            } else {
                underflow = false;
                relAck = relativeSeq(p, ack32, c.ackSeq(p), c.ackWraps(p));
                if (underflow) {
                    relAck = 0;
                } else if (!rst) {
                    updateAckSeq(p, ack32);
                }
            }
        }

        updateLastSeq(s, e, seqOnePast, syn, fin, rst, len);
        // set once the last sequence number has moved, so that they are usually derived from it
        if (fin) {
            c.epSet(e, Connections.E_FIN_SEEN);
            c.finSeq(e, relSeq + segLen, !syn && !rst);
        } else if (rst && !syn) {
            c.histLastRst(e, (int) relSeq);
        }

        int outcome = updateStateMachine(s, e, p, t, seq32, len, origAtEntry, syn, fin, rst, ack);
        boolean doClose = (outcome & 1) != 0;
        boolean genEvent = (outcome & 2) != 0;

        if (ack) {
            ackReceived(s, p, relAck);
        }
        // CheckPIA_FirstPacket
        c.set(s, origAtEntry ? Connections.F_FIRST_ORIG : Connections.F_FIRST_RESP, true);

        long relDataSeq = syn ? relSeq + 1 : relSeq;
        if (len > 0 && captured && !rst && !seqUnderflow) {
            dataSent(s, e, relDataSeq, len);
        }
        checkEof(s, e);
        if (doClose) {
            connectionClosed(s, e, p, genEvent);
        }
        c.closeTcpRow();
    }

    /** A packet whose checksum failed: only the scaled {@code C}/{@code c} letter. */
    void badChecksum(int s, int side) {
        scaled(s, c.tcpEndpoint(s, side), CNT_CHECKSUM, 'C');
    }

    private void setPartialStatus(int s, int e, boolean syn, boolean ack) {
        if (isOrig(s, e)) {
            if (!c.has(s, Connections.F_FIRST_ORIG)) {
                c.set(s, Connections.F_PARTIAL, !syn || ack);
            }
        } else if (!c.has(s, Connections.F_FIRST_RESP) && !c.has(s, Connections.F_PARTIAL)) {
            c.set(s, Connections.F_PARTIAL, !syn);
        }
    }

    private void initEndpoint(int e, boolean syn, int firstSeq, int lastSeq) {
        switch (c.state(e)) {
            case INACTIVE:
                if (syn) {
                    c.ackSeq(e, firstSeq);
                    c.startSeq(e, firstSeq);
                } else {
                    c.ackSeq(e, firstSeq - 1);
                    c.startSeq(e, firstSeq - 1);
                    lastSeq = firstSeq;
                }
                c.lastSeq(e, lastSeq);
                break;
            case SYN_SENT:
            case SYN_ACK_SENT:
                if (syn && firstSeq != c.startSeq(e)) {
                    reinit(e, firstSeq, lastSeq);
                }
                break;
            case ESTABLISHED:
            case PARTIAL:
                if (syn) {
                    reinit(e, firstSeq, lastSeq);
                }
                break;
            case RESET:
                if (syn && c.prevState(e) == INACTIVE) {
                    reinit(e, firstSeq, lastSeq);
                }
                break;
            default:
                break;
        }
    }

    private void reinit(int e, int firstSeq, int lastSeq) {
        c.startSeq(e, firstSeq);
        c.ackSeq(e, firstSeq);
        c.lastSeq(e, lastSeq);
    }

    private void updateHistory(int s, int e, boolean syn, boolean fin, boolean rst, boolean ack, long relSeq,
                               int len) {
        int bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
        if (bits > 1) {
            if (fin && rst) {
                epCheckHistory(s, e, HIST_FIN_RST, 'I');
            } else {
                epCheckHistory(s, e, HIST_MULTI_FLAG, 'Q');
            }
        } else if (bits == 1) {
            if (syn) {
                char code = ack ? 'H' : 'S';
                if (epCheckHistory(s, e, HIST_SYN, code) && (int) relSeq != c.histLastSyn(e)) {
                    epAddHistory(s, e, code);
                }
                c.histLastSyn(e, (int) relSeq);
            }
            if (fin) {
                if (epCheckHistory(s, e, HIST_FIN, 'F') && (int) (relSeq + len) != c.histLastFin(e)) {
                    epAddHistory(s, e, 'F');
                }
                c.finOnlyAt(e); // packet() sets finSeq to relSeq + len + 1 next

            }
            if (rst) {
                if (epCheckHistory(s, e, HIST_RST, 'R') && (int) relSeq != c.histLastRst(e)) {
                    epAddHistory(s, e, 'R');
                }
                // packet() records the position once the last sequence number is updated
            }
        } else if (len > 0) {
            epCheckHistory(s, e, HIST_DATA, 'D');
        } else if (ack) {
            epCheckHistory(s, e, HIST_ACK, 'A');
        }
    }

    private void updateAckSeq(int e, int ack32) {
        int delta = ack32 - c.ackSeq(e);
        if (ack32 == 0 && delta > TOO_LARGE_SEQ_DELTA) {
            return; // more likely a broken ack than a wrap landing on 0
        }
        if (delta > 0) {
            if (Integer.compareUnsigned(ack32, c.ackSeq(e)) < 0) {
                c.incAckWraps(e);
            }
            c.ackSeq(e, ack32);
        }
    }

    private void updateLastSeqValue(int e, int seq) {
        if (Integer.compareUnsigned(seq, c.lastSeq(e)) < 0) {
            c.incSeqWraps(e);
        }
        c.lastSeq(e, seq);
    }

    private void updateLastSeq(int s, int e, int lastSeq, boolean syn, boolean fin, boolean rst, int len) {
        int delta = lastSeq - c.lastSeq(e);
        if ((syn || rst) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA)) {
            return; // don't trust outlandish SYN/RST sequence numbers
        }
        if (fin && full(c.lastSeq(e), 0) == ((start(e) + 1) & 0xFFFF_FFFFL)) {
            updateLastSeqValue(e, lastSeq);
        } else if (c.state(e) == RESET) {
            return; // don't trust sequence numbers after a reset
        } else if (delta > 0) {
            updateLastSeqValue(e, lastSeq);
        } else if (len > 0) {
            scaled(s, e, CNT_RXMIT, 'T');
        }
    }

    private static boolean handshake(byte st) {
        return st == INACTIVE || st == SYN_SENT || st == SYN_ACK_SENT;
    }

    private void setState(int s, int e, byte st) {
        if (st != c.state(e)) {
            if (!handshake(st) && handshake(c.state(e)) && handshake(c.state(e ^ 1))) {
                c.timeoutIndex(s, tcpTimeoutIndex);
            }
            c.changeState(e, st);
        }
    }

    /** @return bit 0: do_close, bit 1: gen_event */
    private int updateStateMachine(int s, int e, int p, long t, int seq32, int len, boolean orig, boolean syn,
                                   boolean fin, boolean rst, boolean ack) {
        switch (c.state(e)) {
            case INACTIVE:
                return inactiveState(s, e, p, t, seq32, len, orig, syn, fin, rst, ack);
            case SYN_SENT:
            case SYN_ACK_SENT:
                return synSentState(s, e, fin, rst);
            case ESTABLISHED:
            case PARTIAL:
                return establishedState(s, e, p, syn, fin, rst, ack);
            case CLOSED:
                return closedState(s, e, p, rst);
            default:
                return 0;
        }
    }

    private int inactiveState(int s, int e, int p, long t, int seq32, int len, boolean orig, boolean syn,
                              boolean fin, boolean rst, boolean ack) {
        int out = 0;
        if (syn) {
            if (orig) {
                setState(s, e, ack ? SYN_ACK_SENT : SYN_SENT);
                if (attemptDelay > 0 && !c.has(s, Connections.F_DELETE_PENDING | Connections.F_SECOND_EXPIRE)) {
                    c.attemptAt(s, plus(t, attemptDelay));
                }
            } else {
                if (!ack && c.state(p) == SYN_ACK_SENT && seq32 == c.startSeq(e)) {
                    // SYN and SYN-ACK seen in reverse order: flip and establish
                    c.set(s, Connections.F_PARTIAL, false);
                    flipRoles(s);
                    setState(s, p, ESTABLISHED);
                    c.set(s, Connections.F_FIRST_ORIG, true);
                }
                if (c.state(p) == SYN_SENT) {
                    setState(s, p, ESTABLISHED);
                }
                setState(s, e, ESTABLISHED);
                if (c.state(p) != PARTIAL) {
                    c.set(s, Connections.F_ESTABLISHED_EVENT, true);
                }
            }
        }
        if (fin) {
            setState(s, e, CLOSED);
            out = 3;
        }
        if (rst) {
            setState(s, e, RESET);
            boolean reject;
            if (orig) {
                reject = c.state(p) == ESTABLISHED;
            } else {
                reject = c.state(p) == SYN_SENT || c.state(p) == SYN_ACK_SENT;
            }
            out = reject ? 1 : 3;
        }
        if (c.state(e) == INACTIVE) {
            int origE = c.tcpEndpoint(s, c.origSide(s));
            if (!orig && len == 0 && c.state(origE) == SYN_SENT) {
                // an eccentric TCP acking the SYN before replying: not a partial connection
                return out;
            } else if (ack && c.state(p) == ESTABLISHED) {
                setState(s, e, ESTABLISHED);
                c.set(s, Connections.F_PARTIAL, false);
                c.set(s, orig ? Connections.F_FIRST_ORIG : Connections.F_FIRST_RESP, true);
            } else {
                setState(s, e, PARTIAL);
            }
        }
        return out;
    }

    private int synSentState(int s, int e, boolean fin, boolean rst) {
        int out = 0;
        if (fin) {
            setState(s, e, CLOSED);
            out = 3;
        }
        if (rst) {
            setState(s, e, RESET);
            connectionReset(s);
            out |= 1;
        }
        return out;
    }

    private int establishedState(int s, int e, int p, boolean syn, boolean fin, boolean rst, boolean ack) {
        int out = 0;
        if (syn && c.state(e) == PARTIAL && c.state(p) == INACTIVE && !ack) {
            setState(s, e, SYN_SENT);
        }
        if (fin && !rst) {
            setState(s, e, CLOSED);
            if (c.state(p) == RESET && c.prevState(p) == CLOSED) {
                setState(s, p, CLOSED);
            }
            out = 3;
        }
        if (rst) {
            setState(s, e, RESET);
            out |= 1;
            if (c.state(p) != RESET || c.prevState(p) != ESTABLISHED) {
                connectionReset(s);
            }
        }
        return out;
    }

    private int closedState(int s, int e, int p, boolean rst) {
        if (rst && c.state(p) != CLOSED) {
            setState(s, e, RESET);
            // Zeek's reset timer only runs with a connection_reset handler, which base scripts lack
            return c.epHas(e, Connections.E_DID_CLOSE) ? 0 : 1;
        }
        return 0;
    }

    private void connectionReset(int s) {
        c.set(s, Connections.F_ACTIVE, false);
    }

    // ------------------------------------------------------------ reassembly

    private boolean noDataAcked(int e) {
        long ackFull = full(c.ackSeq(e), c.ackWraps(e));
        long start = start(e);
        return ackFull == start || ackFull == start + 1;
    }

    /**
     * Returns the sequence number {@link #size} counts from: the byte after the SYN, or the first
     * byte seen of an endpoint that began mid-stream (Zeek fakes its start one below it).
     */
    int firstDataSeq(int e) {
        return c.startSeq(e) + 1;
    }

    /** {@code TCP_Endpoint::Size}: payload bytes from sequence numbers. */
    long size(int e) {
        int p = e ^ 1;
        if (c.prevState(e) == SYN_SENT && c.state(e) == RESET && c.state(p) == INACTIVE && !noDataAcked(e)) {
            return 0;
        }
        long lastFull = full(c.lastSeq(e), c.seqWraps(e));
        long ackFull = full(c.ackSeq(e), c.ackWraps(e));
        long size = (Long.compareUnsigned(lastFull, ackFull) > 0 ? lastFull : ackFull) - start(e);
        if (size != 0) {
            --size;
        }
        if (c.epHas(e, Connections.E_FIN_SEEN) && size != 0) {
            --size;
        }
        return Math.max(0, size);
    }

    private void dataSent(int s, int e, long seq, int len) {
        if (c.epHas(e, Connections.E_SKIP)) {
            return;
        }
        long ack = relative(e, c.ackSeq(e), c.ackWraps(e));
        long upper = seq + len;
        if (Long.compareUnsigned(seq, ack) < 0) {
            if (Long.compareUnsigned(upper, ack) <= 0) {
                return;
            }
            seq = ack;
        }
        newBlock(s, e, seq, upper);
        AboveHole.Ranges r = c.aboveHole.get(e);
        if (r != null && noDataAcked(e) && r.hi[r.n - 1] - c.lastReassem(e) > MAX_ABOVE_HOLE_WITHOUT_ACKS) {
            clearBlocks(e);
        } else if (heldBytes(e, r) > EXCESSIVE_DATA_WITHOUT_ACKS) {
            clearBlocks(e);
        }
    }

    private long heldBytes(int e, AboveHole.Ranges r) {
        long held = Math.max(0, c.lastReassem(e) - c.trimSeq(e));
        if (r != null) {
            for (int i = 0; i < r.n; i++) {
                held += r.hi[i] - r.lo[i];
            }
        }
        return held;
    }

    /** Zeek's ClearBlocks plus skip_deliveries: the endpoint reports no more gaps. */
    private void clearBlocks(int e) {
        c.aboveHole.clear(e);
        c.epSet(e, Connections.E_SKIP);
    }

    private void newBlock(int s, int e, long seq, long upper) {
        if (Long.compareUnsigned(upper, c.trimSeq(e)) <= 0) {
            return;
        }
        if (Long.compareUnsigned(seq, c.trimSeq(e)) < 0) {
            seq = c.trimSeq(e);
        }
        if (Long.compareUnsigned(seq, c.lastReassem(e)) <= 0) {
            if (Long.compareUnsigned(upper, c.lastReassem(e)) > 0) {
                c.lastReassem(e, upper);
                deliverContiguous(e);
                if (noDataAcked(e) && size(e) > MAX_INITIAL_WINDOW) {
                    trimToSeq(s, e, c.lastReassem(e));
                }
            }
        } else {
            c.aboveHole.add(e, seq, upper);
        }
    }

    /** Delivers the held intervals that in-order data has now reached (BlockInserted). */
    private void deliverContiguous(int e) {
        AboveHole.Ranges r = c.aboveHole.get(e);
        while (r != null && r.n > 0 && r.lo[0] <= c.lastReassem(e)) {
            c.lastReassem(e, Math.max(c.lastReassem(e), r.hi[0]));
            c.aboveHole.removeFirst(e, r);
            r = c.aboveHole.get(e);
        }
    }

    private void ackReceived(int s, int e, long seq) {
        if (c.epHas(e, Connections.E_FIN_SEEN) && Long.compareUnsigned(seq, c.finSeq(e)) >= 0) {
            seq = c.finSeq(e) - 1;
        }
        if (Long.compareUnsigned(seq, c.trimSeq(e)) <= 0) {
            return;
        }
        trimToSeq(s, e, seq);
        checkEof(s, e);
    }

    private void trimToSeq(int s, int e, long seq) {
        if (Long.compareUnsigned(seq, c.lastReassem(e)) > 0) {
            undelivered(s, e, seq);
        }
        c.trimSeq(e, seq);
        AboveHole.Ranges r = c.aboveHole.get(e);
        while (r != null && r.n > 0 && Long.compareUnsigned(r.hi[0], seq) <= 0) {
            c.aboveHole.removeFirst(e, r);
            r = c.aboveHole.get(e);
        }
    }

    private void undelivered(int s, int e, long upTo) {
        if (Long.compareUnsigned(upTo, 2) <= 0 && c.has(s, Connections.F_PARTIAL)) {
            return; // the faked initial sequence number of a partial connection
        }
        if (!c.epHas(e, Connections.E_SKIP)) {
            // one gap per hole below upTo, each followed by delivery of the data above it
            AboveHole.Ranges r = c.aboveHole.get(e);
            while (r != null && r.n > 0 && Long.compareUnsigned(r.lo[0], upTo) < 0) {
                if (r.lo[0] > c.lastReassem(e)) {
                    gap(s, e, r.lo[0] - c.lastReassem(e));
                }
                c.lastReassem(e, Math.max(c.lastReassem(e), r.hi[0]));
                c.aboveHole.removeFirst(e, r);
                r = c.aboveHole.get(e);
            }
            if (Long.compareUnsigned(upTo, c.lastReassem(e)) > 0) {
                gap(s, e, upTo - c.lastReassem(e));
            }
        }
        if (Long.compareUnsigned(upTo, c.lastReassem(e)) > 0) {
            c.lastReassem(e, upTo);
        }
    }

    private boolean clean(int e) {
        return c.state(e) == ESTABLISHED || (c.state(e) == CLOSED && c.prevState(e) == ESTABLISHED);
    }

    private void gap(int s, int e, long len) {
        if (clean(e) && clean(e ^ 1)) {
            scaled(s, e, CNT_GAP, 'G');
            c.addMissedBytes(s, len);
        }
    }

    private boolean dataPending(int e) {
        if (c.epHas(e, Connections.E_SKIP)) {
            return false;
        }
        long delivered = start(e) + c.lastReassem(e);
        long lastFull = full(c.lastSeq(e), c.seqWraps(e));
        if (lastFull < delivered) {
            return false;
        }
        if (delivered != lastFull - 1 && delivered != lastFull) {
            return true;
        }
        int p = e ^ 1;
        AboveHole.Ranges r = c.aboveHole.get(p);
        return c.state(e) != RESET && r != null && r.hi[r.n - 1] > c.lastReassem(p);
    }

    private void checkEof(int s, int e) {
        if (!c.epHas(e, Connections.E_DID_EOF)
                && (c.epHas(e, Connections.E_FIN_SEEN) || c.state(e) == CLOSED || c.state(e) == RESET)
                && !dataPending(e)) {
            c.epSet(e, Connections.E_DID_EOF);
            if (c.has(s, Connections.F_CLOSE_DEFERRED)) {
                connectionClosed(s, e, e ^ 1, c.has(s, Connections.F_DEFERRED_GEN_EVENT));
                c.set(s, Connections.F_CLOSE_DEFERRED, false);
            }
        }
    }

    // --------------------------------------------------------------- closing

    private void connectionClosed(int s, int e, int p, boolean genEvent) {
        if (dataPending(e)) {
            c.set(s, Connections.F_CLOSE_DEFERRED, true);
            if (!c.has(s, Connections.F_DEFERRED_GEN_EVENT)) {
                c.set(s, Connections.F_DEFERRED_GEN_EVENT, genEvent);
            }
            return;
        }
        c.set(s, Connections.F_CLOSE_DEFERRED, false);
        if (c.epHas(e, Connections.E_DID_CLOSE)) {
            return;
        }
        c.epSet(e, Connections.E_DID_CLOSE);
        boolean complete = c.state(e) == RESET || c.epHas(p, Connections.E_DID_CLOSE) || c.state(p) == INACTIVE;
        if (complete) {
            if (c.prevState(e) != INACTIVE || c.state(p) != INACTIVE) {
                if (c.has(s, Connections.F_DEFERRED_GEN_EVENT)) {
                    genEvent = true;
                    c.set(s, Connections.F_DEFERRED_GEN_EVENT, false);
                }
                if (genEvent) {
                    c.set(s, Connections.F_ACTIVE, false); // ConnectionFinished
                }
            }
            // CancelTimers(), then the delete timer
            c.expireAt(s, 0);
            c.set(s, Connections.F_SECOND_EXPIRE, false);
            // Zeek lingers tcp_close_delay after any complete close; a close completed by a reset
            // lingers the reset delay instead (both 5 s by default, so Zeek's defaults hold)
            long del = plus(c.last(s), c.state(e) == RESET || c.state(p) == RESET ? resetDelay : closeDelay);
            if (c.has(s, Connections.F_DELETE_PENDING)) {
                c.attemptAt(s, Math.min(c.attemptAt(s), del));
            } else {
                c.attemptAt(s, del);
                c.set(s, Connections.F_DELETE_PENDING, true);
            }
        } else if (c.prevState(e) != INACTIVE) {
            // Zeek starts another expire-timer chain; the first one keeps running
            long check = plus(c.last(s), SESSION_TIMER);
            if (c.expireAt(s) == 0) {
                c.expireAt(s, check);
            } else if (c.has(s, Connections.F_SECOND_EXPIRE)) {
                c.attemptAt(s, c.attemptAt(s) == 0 ? check : Math.min(c.attemptAt(s), check));
            } else if (!c.has(s, Connections.F_DELETE_PENDING)) {
                // a side closed while its peer is active: the attempt timer can no longer fire
                c.attemptAt(s, check);
                c.set(s, Connections.F_SECOND_EXPIRE, true);
            } else {
                c.expireAt(s, Math.min(c.expireAt(s), check));
            }
        }
    }

    // ---------------------------------------------------------------- timers

    /**
     * The attempt timer fired: removes an unanswered attempt.
     *
     * @return {@code true} if the connection is to be removed
     */
    boolean attemptTimer(int s) {
        if (!c.has(s, Connections.F_ACTIVE)) {
            return false;
        }
        int o = c.tcpEndpoint(s, c.origSide(s));
        return (c.state(o) == SYN_SENT || c.state(o) == SYN_ACK_SENT) && c.state(o ^ 1) == INACTIVE;
    }

    /** {@link #expireTimer} result: remove the connection. */
    static final long REMOVE = -1;

    /**
     * An expire timer fired at {@code t} ({@code TCPSessionAdapter::ExpireTimer}).
     *
     * @return {@link #REMOVE}; or the time of the chain's next check; or 0 when the chain ends
     *         (the connection is no longer active)
     */
    long expireTimer(int s, long t) {
        if (!c.has(s, Connections.F_ACTIVE)) {
            return 0;
        }
        int o = c.tcpEndpoint(s, c.origSide(s));
        int r = o ^ 1;
        if (c.last(s) + LINGER < t) {
            boolean oc = c.epHas(o, Connections.E_DID_CLOSE);
            boolean rc = c.epHas(r, Connections.E_DID_CLOSE);
            if (oc || rc) {
                if ((oc && rc) || c.state(o) == RESET || c.state(r) == RESET || c.state(o) == INACTIVE
                        || c.state(r) == INACTIVE) {
                    return REMOVE;
                }
            }
            if (c.state(r) == INACTIVE && c.state(o) == INACTIVE) {
                return REMOVE;
            }
        }
        return plus(t, SESSION_TIMER);
    }

    /** @return Zeek's {@code conn_state} for a TCP connection */
    ConnState connState(int s, String history) {
        int o = c.tcpEndpoint(s, c.origSide(s));
        int r = o ^ 1;
        byte os = c.state(o);
        byte rs = c.state(r);
        boolean oInactive = os == INACTIVE || os == PARTIAL;
        boolean rInactive = rs == INACTIVE || rs == PARTIAL;
        if (rs == RESET) {
            if (os == SYN_SENT || os == SYN_ACK_SENT || (os == RESET && size(o) == 0 && size(r) == 0)) {
                return ConnState.REJ;
            }
            return oInactive ? ConnState.RSTRH : ConnState.RSTR;
        }
        if (os == RESET) {
            if (rInactive) {
                return rstos0History(history) ? ConnState.RSTOS0 : ConnState.OTH;
            }
            return ConnState.RSTO;
        }
        if (rs == CLOSED && os == CLOSED) {
            return ConnState.SF;
        }
        if (os == CLOSED) {
            return rInactive ? ConnState.SH : ConnState.S2;
        }
        if (rs == CLOSED) {
            return oInactive ? ConnState.SHR : ConnState.S3;
        }
        if (os == SYN_SENT && rs == INACTIVE) {
            return ConnState.S0;
        }
        if (os == ESTABLISHED && rs == ESTABLISHED) {
            return ConnState.S1;
        }
        return ConnState.OTH;
    }

    /** Matches Zeek's {@code /\^?S[^HAFGIQ]*R.*}/} against the whole history. */
    static boolean rstos0History(String h) {
        int i = h.startsWith("^") ? 1 : 0;
        if (i >= h.length() || h.charAt(i) != 'S') {
            return false;
        }
        for (i++; i < h.length(); i++) {
            char ch = h.charAt(i);
            if (ch == 'R') {
                return true;
            }
            if ("HAFGIQ".indexOf(ch) >= 0) {
                return false;
            }
        }
        return false;
    }
}
