package io.flowkit.bench.gen;

/**
 * The kinds of flow {@link TrafficGenerator} writes, each with the Zeek {@code conn_state} it
 * ends in when it runs to completion. The scan kinds are single probes of a scanner; they are
 * switched on with {@link GeneratorOptions.Builder#scanners(boolean)} rather than mixed in.
 */
public enum FlowKind {
    /** TCP: three-way handshake, request/response data, FIN from both sides ({@code SF}). */
    TCP_COMPLETE(false),
    /** Like {@link #TCP_COMPLETE} with idle gaps of 10 to 200 s between exchanges ({@code SF}). */
    TCP_LONG_LIVED(false),
    /** TCP: handshake and data, then the originator aborts with a RST ({@code RSTO}). */
    TCP_RESET_BY_ORIGINATOR(false),
    /** TCP: SYN answered by RST-ACK ({@code REJ}). */
    TCP_REJECTED(false),
    /** TCP: SYN never answered, optionally retransmitted after 1 and 3 s ({@code S0}). */
    TCP_UNANSWERED(false),
    /** UDP: requests each answered by a response ({@code SF}). */
    UDP_REQUEST_RESPONSE(false),
    /** UDP: a one-way stream of datagrams ({@code S0}). */
    UDP_ONE_WAY(false),
    /** ICMP or ICMPv6 echo requests each answered by a reply ({@code OTH}). */
    ICMP_ECHO(false),
    /** A probe of a horizontal scanner: one port on every host of a /24. */
    SCAN_ADDRESS(true),
    /** A probe of a vertical scanner: many ports of one host. */
    SCAN_PORT(true),
    /** A probe of a block scanner: several ports on several hosts. */
    SCAN_BLOCK(true);

    private final boolean scanProbe;

    FlowKind(boolean scanProbe) {
        this.scanProbe = scanProbe;
    }

    /**
     * Returns whether flows of this kind are scanner probes.
     *
     * @return {@code true} for the {@code SCAN_} kinds
     */
    public boolean isScanProbe() {
        return scanProbe;
    }
}
