package io.flowkit.bench.gen;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * One generated connection: its addresses, the script it plays (see {@link FlowKind}), its
 * position in that script, and the ground truth accumulated from the packets it has emitted.
 *
 * <p>A flow emits one packet per {@link #emit} call and then schedules its next packet. The
 * script never needs the whole flow in memory: it keeps the next sequence numbers, the packets
 * left, and a step. The truth is tracked with a small model of Zeek's rules, applied to each
 * packet as it is written: the endpoint states that decide {@code conn_state}
 * (INACTIVE, SYN_SENT, ESTABLISHED, CLOSED, RESET as in Zeek's TCP analyzer), history letters
 * recorded once per direction (Zeek's {@code update_history}: S/H for SYN without/with ACK, F,
 * R, D for payload, A for a pure ACK), and Zeek's duration rule (once both sides have sent a
 * FIN, later packets no longer move the connection's last time).
 */
final class Flow extends Scheduled {
    // endpoint states, as Zeek names them
    static final int INACTIVE = 0;
    static final int SYN_SENT = 1;
    static final int ESTABLISHED = 4;
    static final int CLOSED = 5;
    static final int RESET = 6;

    // script steps
    private static final int SYN = 0;
    private static final int SYN_ACK = 1;
    private static final int HANDSHAKE_ACK = 2;
    private static final int REJECT = 3;
    private static final int REQUEST = 4;
    private static final int RESPONSE = 5;
    private static final int DATA_ACK = 6;
    private static final int CLOSE_FIN = 7;
    private static final int CLOSE_ACK = 8;
    private static final int PEER_FIN = 9;
    private static final int LAST_ACK = 10;
    private static final int ORIG_RST = 11;
    private static final int UDP_REQUEST = 12;
    private static final int UDP_RESPONSE = 13;
    private static final int UDP_STREAM = 14;
    private static final int ECHO_REQUEST = 15;
    private static final int ECHO_REPLY = 16;
    private static final int DONE = 17;

    /** What a scan probe's target does: answers with SYN-ACK, rejects with RST, or stays silent. */
    static final int PROBE_OPEN = 0;
    static final int PROBE_CLOSED = 1;
    static final int PROBE_SILENT = 2;

    private static final String LETTERS = "SHFRDA";
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;

    final FlowKind kind;
    final boolean v6;
    final int ipProto;
    final long origHi;
    final long origLo;
    final long respHi;
    final long respLo;
    final int origPort;
    final int respPort;

    private final long rttNanos;
    private final int mss;
    private final int probeOutcome;
    private final boolean synRetransmits;
    private final boolean origClosesFirst;
    private int step;
    private int packetsLeft;
    private int responseLeft;
    private int unacked;
    private int synCount;
    private long origNext;
    private long respNext;
    private int echoId;
    private int echoSeq;
    private int streamPayload;
    /** Share of UDP responses sent as one large datagram in IP fragments. */
    private double fragmentShare;

    // ground truth
    long firstNanos = -1;
    long lastNanos;
    long origPackets;
    long respPackets;
    long origIpBytes;
    long respIpBytes;
    long origPayload;
    long respPayload;
    private int origState = INACTIVE;
    private int respState = INACTIVE;
    private boolean origClosed;
    private boolean respClosed;
    /** Letters seen, one bit per letter and direction; each is recorded once, so at most 12. */
    private int historyMask;
    /** The letters in order, 4 bits each: index into {@link #LETTERS}, plus 6 for the responder. */
    private long historyCodes;
    private int historyLength;

    /**
     * Creates a flow whose first packet is due at {@code startNanos}.
     *
     * @param packets for TCP the data-phase packets; for UDP and ICMP all packets (ICMP: pairs)
     */
    Flow(long order, long startNanos, FlowKind kind, boolean v6, long origHi, long origLo, long respHi, long respLo,
         int origPort, int respPort, long rttNanos, int mss, int packets, int probeOutcome, boolean synRetransmits,
         SplittableRandom rnd) {
        super(order, startNanos);
        this.kind = kind;
        this.v6 = v6;
        this.origHi = origHi;
        this.origLo = origLo;
        this.respHi = respHi;
        this.respLo = respLo;
        this.rttNanos = rttNanos;
        this.mss = mss;
        this.packetsLeft = packets;
        this.probeOutcome = probeOutcome;
        this.synRetransmits = synRetransmits;
        this.origClosesFirst = rnd.nextInt(10) < 7;
        switch (kind) {
            case UDP_REQUEST_RESPONSE -> {
                ipProto = 17;
                step = UDP_REQUEST;
            }
            case UDP_ONE_WAY -> {
                ipProto = 17;
                step = UDP_STREAM;
                streamPayload = 100 + rnd.nextInt(mss - 99);
            }
            case ICMP_ECHO -> {
                ipProto = v6 ? 58 : 1;
                step = ECHO_REQUEST;
                echoId = rnd.nextInt(0x10000);
            }
            default -> {
                ipProto = 6;
                step = SYN;
                origNext = rnd.nextLong() & 0xFFFF_FFFFL;
                respNext = rnd.nextLong() & 0xFFFF_FFFFL;
            }
        }
        // Zeek's ICMP "ports": the type, and the counterpart type
        this.origPort = kind == FlowKind.ICMP_ECHO ? (v6 ? 128 : 8) : origPort;
        this.respPort = kind == FlowKind.ICMP_ECHO ? (v6 ? 129 : 0) : respPort;
    }

    /**
     * Sends the given share of this flow's UDP responses as one datagram of 1,473 to 8,192 payload
     * bytes in IP fragments (the rest stay single frames); only request/response flows answer.
     *
     * @return this
     */
    Flow fragmenting(double share) {
        this.fragmentShare = share;
        return this;
    }

    boolean isTcp() {
        return ipProto == 6;
    }

    /** Whether the flow has emitted at least one packet. */
    boolean started() {
        return firstNanos >= 0;
    }

    /**
     * Writes this flow's next packet and schedules the one after it.
     *
     * @return {@code false} when the flow has nothing more to send
     */
    boolean emit(FrameBuilder fb, PcapWriter sink, SplittableRandom rnd) throws IOException {
        long t = nextNanos;
        switch (step) {
            case SYN -> {
                tcp(fb, sink, true, FrameBuilder.SYN, 0);
                synCount++;
                if (kind == FlowKind.TCP_UNANSWERED || probeOutcome == PROBE_SILENT) {
                    if (kind == FlowKind.TCP_UNANSWERED && synRetransmits && synCount < 3) {
                        nextNanos = t + (synCount == 1 ? SECOND : 2 * SECOND);
                        return true;
                    }
                    return false;
                }
                origNext = (origNext + 1) & 0xFFFF_FFFFL;
                boolean reject = kind == FlowKind.TCP_REJECTED || probeOutcome == PROBE_CLOSED;
                then(reject ? REJECT : SYN_ACK, t + rttNanos);
            }
            case REJECT -> {
                // a closed port answers RST-ACK with sequence 0, acknowledging the SYN
                long saved = respNext;
                respNext = 0;
                tcp(fb, sink, false, FrameBuilder.RST | FrameBuilder.ACK, 0);
                respNext = saved;
                return false;
            }
            case SYN_ACK -> {
                tcp(fb, sink, false, FrameBuilder.SYN | FrameBuilder.ACK, 0);
                respNext = (respNext + 1) & 0xFFFF_FFFFL;
                if (kind.isScanProbe()) {
                    then(ORIG_RST, t + small(rnd));
                } else {
                    then(HANDSHAKE_ACK, t + small(rnd));
                }
            }
            case HANDSHAKE_ACK -> {
                tcp(fb, sink, true, FrameBuilder.ACK, 0);
                afterExchange(t, rnd, true);
            }
            case REQUEST -> {
                int len = 20 + rnd.nextInt(Math.min(mss, 700) - 19);
                tcp(fb, sink, true, FrameBuilder.PSH | FrameBuilder.ACK, len);
                origNext = (origNext + len) & 0xFFFF_FFFFL;
                packetsLeft--;
                unacked = 0;
                responseLeft = 1 + (int) Math.min(packetsLeft, (long) (rnd.nextDouble() * rnd.nextDouble() * 24));
                if (packetsLeft == 0) {
                    toClose(t, rnd);
                } else {
                    then(RESPONSE, t + rttNanos);
                }
            }
            case RESPONSE -> {
                int len = responseLeft == 1 ? 1 + rnd.nextInt(mss) : mss;
                tcp(fb, sink, false, (responseLeft == 1 ? FrameBuilder.PSH : 0) | FrameBuilder.ACK, len);
                respNext = (respNext + len) & 0xFFFF_FFFFL;
                packetsLeft--;
                responseLeft--;
                unacked++;
                if (packetsLeft == 0) {
                    toClose(t, rnd);
                } else if (unacked >= 2 || responseLeft == 0) {
                    then(DATA_ACK, t + small(rnd));
                } else {
                    then(RESPONSE, t + serialization(rnd));
                }
            }
            case DATA_ACK -> {
                tcp(fb, sink, true, FrameBuilder.ACK, 0);
                packetsLeft--;
                unacked = 0;
                if (packetsLeft == 0) {
                    toClose(t, rnd);
                } else if (responseLeft > 0) {
                    then(RESPONSE, t + serialization(rnd));
                } else {
                    afterExchange(t, rnd, false);
                }
            }
            case ORIG_RST -> {
                // a scanner aborts with a bare RST; an application abort is RST-ACK
                tcp(fb, sink, true, kind.isScanProbe() ? FrameBuilder.RST : FrameBuilder.RST | FrameBuilder.ACK, 0);
                return false;
            }
            case CLOSE_FIN -> {
                tcp(fb, sink, origClosesFirst, FrameBuilder.FIN | FrameBuilder.ACK, 0);
                advanceFin(origClosesFirst);
                then(CLOSE_ACK, t + (origClosesFirst ? rttNanos : small(rnd)));
            }
            case CLOSE_ACK -> {
                tcp(fb, sink, !origClosesFirst, FrameBuilder.ACK, 0);
                then(PEER_FIN, t + (origClosesFirst ? serialization(rnd) : small(rnd) + 5 * MS));
            }
            case PEER_FIN -> {
                tcp(fb, sink, !origClosesFirst, FrameBuilder.FIN | FrameBuilder.ACK, 0);
                advanceFin(!origClosesFirst);
                then(LAST_ACK, t + (origClosesFirst ? small(rnd) : rttNanos));
            }
            case LAST_ACK -> {
                tcp(fb, sink, origClosesFirst, FrameBuilder.ACK, 0);
                return false;
            }
            case UDP_REQUEST -> {
                int len = 20 + rnd.nextInt(Math.min(mss, 500) - 19);
                int frame = fb.udp(v6, origHi, origLo, respHi, respLo, origPort, respPort, len);
                count(sink, fb, frame, true, len);
                udpHistory(true, len);
                if (--packetsLeft <= 0) {
                    return false;
                }
                then(UDP_RESPONSE, t + rttNanos);
            }
            case UDP_RESPONSE -> {
                int len;
                if (fragmentShare > 0 && rnd.nextDouble() < fragmentShare) {
                    len = FrameBuilder.MAX_PAYLOAD + 1
                            + rnd.nextInt(FrameBuilder.MAX_DATAGRAM_PAYLOAD - FrameBuilder.MAX_PAYLOAD);
                    countFragments(sink, fb, fb.udpDatagram(v6, respHi, respLo, origHi, origLo, respPort, origPort, len),
                            false, len);
                } else {
                    len = 40 + rnd.nextInt(mss - 39);
                    int frame = fb.udp(v6, respHi, respLo, origHi, origLo, respPort, origPort, len);
                    count(sink, fb, frame, false, len);
                }
                udpHistory(false, len);
                if (--packetsLeft <= 0) {
                    return false;
                }
                then(UDP_REQUEST, t + think(rnd, false));
            }
            case UDP_STREAM -> {
                int frame = fb.udp(v6, origHi, origLo, respHi, respLo, origPort, respPort, streamPayload);
                count(sink, fb, frame, true, streamPayload);
                udpHistory(true, streamPayload);
                if (--packetsLeft <= 0) {
                    return false;
                }
                then(UDP_STREAM, t + 20 * MS + rnd.nextLong(2 * MS));
            }
            case ECHO_REQUEST -> {
                int frame = fb.icmpEcho(v6, origHi, origLo, respHi, respLo, true, echoId, echoSeq, 56);
                count(sink, fb, frame, true, 56);
                then(ECHO_REPLY, t + rttNanos);
            }
            case ECHO_REPLY -> {
                int frame = fb.icmpEcho(v6, respHi, respLo, origHi, origLo, false, echoId, echoSeq, 56);
                count(sink, fb, frame, false, 56);
                echoSeq = (echoSeq + 1) & 0xFFFF;
                if (--packetsLeft <= 0) {
                    return false;
                }
                then(ECHO_REQUEST, t + SECOND - rttNanos + rnd.nextLong(MS));
            }
            default -> throw new IllegalStateException("flow stepped past its end: " + step);
        }
        return true;
    }

    private void then(int next, long at) {
        step = next;
        nextNanos = at;
    }

    /** After the handshake or a full response: the next request, or the close when the data is sent. */
    private void afterExchange(long t, SplittableRandom rnd, boolean afterHandshake) {
        if (packetsLeft <= 0) {
            toClose(t, rnd);
        } else {
            then(REQUEST, t + (afterHandshake ? small(rnd) : think(rnd, kind == FlowKind.TCP_LONG_LIVED)));
        }
    }

    private void toClose(long t, SplittableRandom rnd) {
        long at = t + small(rnd) + rnd.nextLong(20 * MS);
        then(kind == FlowKind.TCP_RESET_BY_ORIGINATOR ? ORIG_RST : CLOSE_FIN, at);
    }

    private void advanceFin(boolean fromOrig) {
        if (fromOrig) {
            origNext = (origNext + 1) & 0xFFFF_FFFFL;
        } else {
            respNext = (respNext + 1) & 0xFFFF_FFFFL;
        }
    }

    /** Host reaction time: 50 to 500 microseconds. */
    private static long small(SplittableRandom rnd) {
        return 50_000 + rnd.nextLong(450_000);
    }

    /** Back-to-back segments on a fast link: 10 to 130 microseconds. */
    private static long serialization(SplittableRandom rnd) {
        return 10_000 + rnd.nextLong(120_000);
    }

    /** Pause between exchanges: mostly short, long-lived flows idle 10 to 200 s (below every inactivity timeout). */
    private static long think(SplittableRandom rnd, boolean idle) {
        if (idle) {
            return 10 * SECOND + rnd.nextLong(190 * SECOND);
        }
        double u = rnd.nextDouble();
        return u < 0.8 ? 1 * MS + rnd.nextLong(50 * MS) : 50 * MS + rnd.nextLong(2 * SECOND);
    }

    private void tcp(FrameBuilder fb, PcapWriter sink, boolean fromOrig, int flags, int payload)
            throws IOException {
        int frame = fromOrig
                ? fb.tcp(v6, origHi, origLo, respHi, respLo, origPort, respPort, origNext, respNext, flags,
                         (flags & FrameBuilder.SYN) != 0 ? 0xFFFF : 2048, mss, payload)
                : fb.tcp(v6, respHi, respLo, origHi, origLo, respPort, origPort, respNext, origNext, flags,
                         (flags & FrameBuilder.SYN) != 0 ? 0xFFFF : 2048, mss, payload);
        count(sink, fb, frame, fromOrig, payload);
        tcpModel(fromOrig, flags, payload);
    }

    /**
     * Writes the {@code fragments} fragments of the datagram {@link FrameBuilder#udpDatagram}
     * prepared, all at this step's time (a burst, so the capture's timestamps stay in order), and
     * counts the datagram once, as reassembly delivers it: one packet of its whole IP length.
     */
    private void countFragments(PcapWriter sink, FrameBuilder fb, int fragments, boolean fromOrig, int payload)
            throws IOException {
        for (int i = 0; i < fragments - 1; i++) {
            sink.write(nextNanos, fb.frame(), 0, fb.fragment(i));
        }
        count(sink, fb, fb.fragment(fragments - 1), fromOrig, payload);
    }

    private void count(PcapWriter sink, FrameBuilder fb, int frameLength, boolean fromOrig, int payload)
            throws IOException {
        long t = nextNanos;
        sink.write(t, fb.frame(), 0, frameLength);
        if (firstNanos < 0) {
            firstNanos = t;
        }
        if (!(origClosed && respClosed)) {
            lastNanos = t;
        }
        if (fromOrig) {
            origPackets++;
            origIpBytes += fb.ipLength;
            origPayload += payload;
        } else {
            respPackets++;
            respIpBytes += fb.ipLength;
            respPayload += payload;
        }
    }

    /** Zeek's endpoint states and history letters for the TCP packets these scripts send. */
    private void tcpModel(boolean fromOrig, int flags, int payload) {
        boolean syn = (flags & FrameBuilder.SYN) != 0;
        boolean fin = (flags & FrameBuilder.FIN) != 0;
        boolean rst = (flags & FrameBuilder.RST) != 0;
        boolean ack = (flags & FrameBuilder.ACK) != 0;
        if (syn) {
            letter(fromOrig, ack ? 'H' : 'S');
        } else if (fin) {
            letter(fromOrig, 'F');
        } else if (rst) {
            letter(fromOrig, 'R');
        } else if (payload > 0) {
            letter(fromOrig, 'D');
        } else if (ack) {
            letter(fromOrig, 'A');
        }
        if (syn && !ack && fromOrig && origState == INACTIVE) {
            origState = SYN_SENT;
        } else if (syn && ack && !fromOrig) {
            if (origState == SYN_SENT) {
                origState = ESTABLISHED;
            }
            respState = ESTABLISHED;
        }
        if (fin) {
            if (fromOrig) {
                origState = CLOSED;
                origClosed = true;
            } else {
                respState = CLOSED;
                respClosed = true;
            }
        }
        if (rst) {
            if (fromOrig) {
                origState = RESET;
            } else {
                respState = RESET;
            }
        }
    }

    private void udpHistory(boolean fromOrig, int payload) {
        if (payload > 0) {
            letter(fromOrig, 'D');
        }
    }

    private void letter(boolean fromOrig, char upper) {
        int code = LETTERS.indexOf(upper) + (fromOrig ? 0 : LETTERS.length());
        int bit = 1 << code;
        if ((historyMask & bit) != 0) {
            return;
        }
        historyMask |= bit;
        historyCodes |= (long) code << (4 * historyLength);
        historyLength++;
    }

    /** Zeek's history string, or {@code -} when empty (as conn.log writes it). */
    String history() {
        if (historyLength == 0) {
            return "-";
        }
        char[] c = new char[historyLength];
        for (int i = 0; i < historyLength; i++) {
            int code = (int) (historyCodes >>> (4 * i)) & 0xF;
            char upper = LETTERS.charAt(code % LETTERS.length());
            c[i] = code < LETTERS.length() ? upper : Character.toLowerCase(upper);
        }
        return new String(c);
    }

    /** Zeek's {@code conn_state} for what this flow has sent so far. */
    String connState() {
        if (ipProto == 17) {
            return respPackets > 0 ? "SF" : "S0";
        }
        if (ipProto != 6) {
            return "OTH";
        }
        boolean oInactive = origState == INACTIVE;
        boolean rInactive = respState == INACTIVE;
        if (respState == RESET) {
            if (origState == SYN_SENT) {
                return "REJ";
            }
            return oInactive ? "RSTRH" : "RSTR";
        }
        if (origState == RESET) {
            return rInactive ? "RSTOS0" : "RSTO";
        }
        if (origState == CLOSED && respState == CLOSED) {
            return "SF";
        }
        if (origState == CLOSED) {
            return rInactive ? "SH" : "S2";
        }
        if (respState == CLOSED) {
            return oInactive ? "SHR" : "S3";
        }
        if (origState == SYN_SENT && rInactive) {
            return "S0";
        }
        if (origState == ESTABLISHED && respState == ESTABLISHED) {
            return "S1";
        }
        return "OTH";
    }
}
