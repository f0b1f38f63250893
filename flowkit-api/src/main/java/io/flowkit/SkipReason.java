package io.flowkit;

/**
 * Why a tracker skipped a frame, or part of one, without changing any connection. Counted per
 * reason in {@link TrackerStats#skipped(SkipReason)}. Every byte of a capture is untrusted: a
 * frame that does not decode is counted here, never thrown.
 */
public enum SkipReason {
    /** The frame's link type is not one flowkit decodes. */
    UNKNOWN_LINK_TYPE,
    /** The frame ended inside its link-layer header (including VLAN, MPLS, PPPoE headers). */
    TRUNCATED_LINK_HEADER,
    /** The frame carries something other than IP (ARP, LLDP, unknown EtherTypes). */
    NOT_IP,
    /** The frame ended inside the IP header. */
    TRUNCATED_IP_HEADER,
    /** The IP version field is neither 4 nor 6, or does not match the link's declared version. */
    BAD_IP_VERSION,
    /** IPv4 header length below 20 bytes or past the end of the packet. */
    BAD_IP_HEADER_LENGTH,
    /** IP total (or payload) length smaller than the header, or larger than the frame on the wire. */
    BAD_IP_LENGTH,
    /** The IPv4 header checksum is wrong (with checksum verification on). */
    BAD_IP_CHECKSUM,
    /** An IPv6 extension header chain that is malformed, too long, or runs past the packet. */
    BAD_IPV6_EXTENSION,
    /** A fragment that was held for reassembly (counted per fragment; the datagram may still complete). */
    FRAGMENT_HELD,
    /** A fragment that could not be used: bad offset or length, overlap Zeek would reject, over the memory bound. */
    BAD_FRAGMENT,
    /**
     * The IP payload is shorter than the fixed transport header (20 bytes of TCP, 8 of UDP or
     * ICMP), or the capture ended inside it. Zeek needs that much to key a connection. (A TCP
     * header cut later, inside its options, or with an impossible data offset still creates the
     * connection, as in Zeek; only the packet is ignored.)
     */
    TRUNCATED_TRANSPORT_HEADER,
    /** Tunnels nested deeper than the tracker's limit, or a tunnel header that does not decode. */
    BAD_TUNNEL,
    /**
     * The IP packet carries nothing a connection can be keyed on, and Zeek makes no connection
     * of it: an encrypted ESP payload, an IPv6 Mobility header, or "no next header" (59).
     */
    NO_TRANSPORT
}
