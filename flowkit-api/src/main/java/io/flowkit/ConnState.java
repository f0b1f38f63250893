package io.flowkit;

/**
 * A connection's final state, with the meaning of Zeek's {@code conn_state} column.
 * "Originator" is the endpoint that sent the first packet (after Zeek's direction flips).
 */
public enum ConnState {
    /** Connection attempt seen, no reply. */
    S0,
    /** Connection established, not terminated. */
    S1,
    /** Normal establishment and termination. */
    SF,
    /** Connection attempt rejected. */
    REJ,
    /** Established, and the originator attempted to close; no reply from the responder. */
    S2,
    /** Established, and the responder attempted to close; no reply from the originator. */
    S3,
    /** Established, the originator aborted (sent a RST). */
    RSTO,
    /** Established, the responder aborted. */
    RSTR,
    /** The originator sent a SYN followed by a RST; no SYN-ACK from the responder. */
    RSTOS0,
    /** The responder sent a SYN-ACK followed by a RST; no SYN from the (purported) originator. */
    RSTRH,
    /** The originator sent a SYN followed by a FIN; no SYN-ACK from the responder ("half open"). */
    SH,
    /** The responder sent a SYN-ACK followed by a FIN; no SYN from the originator. */
    SHR,
    /** No SYN seen, just midstream traffic (also every ICMP and non-TCP/UDP flow). */
    OTH
}
