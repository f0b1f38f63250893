package io.flowkit.core.internal.scan;

import io.flowkit.Connection;

/**
 * Reads a connection record as an originator's attempt: successful, failed, or no attempt.
 *
 * <p>Only the originator's side is judged, so replies never count. The rules, from Zeek's
 * {@code conn_state} and {@code history}:
 * <ul>
 *   <li>an originator that sent nothing attempted nothing;</li>
 *   <li>TCP fails on {@code S0} (no answer), {@code REJ} (reset), {@code RSTOS0} and {@code SH}
 *       (gave up with no SYN-ACK), {@code RSTRH} (responder reset before establishment), and, in
 *       any other state without a SYN-ACK, when the originator sent no payload and the responder
 *       sent nothing but resets: FIN, NULL, Xmas and ACK probes, which Zeek reports as {@code OTH},
 *       {@code SH} or {@code RSTR} ({@code Fr}). It succeeds when the responder sent a SYN-ACK
 *       ({@code h} in the history). Other connections picked up mid-stream and {@code SHR} are
 *       not attempts: their start was not seen;</li>
 *   <li>UDP succeeds when the responder sent anything, fails otherwise;</li>
 *   <li>ICMP counts only requests (echo, timestamp, information, address mask; ICMPv6 echo):
 *       answered or not. Errors and replies are never attempts;</li>
 *   <li>other IP protocols are not judged.</li>
 * </ul>
 */
final class Outcome {
    static final int NONE = 0;
    static final int SUCCESS = 1;
    static final int FAILED = 2;

    private Outcome() {
    }

    static int of(Connection c) {
        if (c.origPackets() == 0) {
            return NONE;
        }
        switch (c.protocol()) {
            case TCP:
                return tcp(c);
            case UDP:
                return c.respPackets() > 0 ? SUCCESS : FAILED;
            case ICMP:
                if (!isRequest(c.ipProto(), c.origPort())) {
                    return NONE;
                }
                return c.respPackets() > 0 ? SUCCESS : FAILED;
            default:
                return NONE;
        }
    }

    /** The port an attempt targets: the responder's port, or the ICMP request type. */
    static int targetPort(Connection c) {
        return c.protocol() == io.flowkit.Protocol.ICMP ? c.origPort() : c.respPort();
    }

    static boolean isRequest(int ipProto, int type) {
        if (ipProto == 58) {
            return type == 128;
        }
        return type == 8 || type == 13 || type == 15 || type == 17;
    }

    private static int tcp(Connection c) {
        switch (c.state()) {
            case S0:
            case REJ:
            case RSTOS0:
            case SH:
            case RSTRH:
                return FAILED;
            case SHR:
                return NONE;
            default:
                break;
        }
        String h = c.history();
        if (h.indexOf('h') >= 0) {
            return SUCCESS;
        }
        if (c.origBytes() > 0) {
            return NONE;
        }
        for (int i = 0; i < h.length(); i++) {
            char ch = h.charAt(i);
            if (ch == 'D' || (ch >= 'a' && ch <= 'z' && ch != 'r')) {
                return NONE;
            }
        }
        return FAILED;
    }
}
