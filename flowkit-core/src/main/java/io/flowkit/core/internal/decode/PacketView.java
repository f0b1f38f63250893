package io.flowkit.core.internal.decode;

import java.nio.ByteBuffer;

/**
 * The decoder's output: one reused, mutable flyweight describing the packet being processed.
 * Nothing here is allocated per packet; the decoder overwrites every field it owns on each
 * call, and the engine reads them before the next call.
 *
 * <p>Addresses are kept as 128-bit values in two longs. IPv4 addresses are stored IPv4-mapped
 * ({@code ::ffff:a.b.c.d}: {@code hi == 0}, {@code lo == 0xFFFF_0000_0000L | addr}), so one key
 * layout serves both families and an IPv4 address never equals a native IPv6 one.
 */
public final class PacketView {
    /** High bits of an IPv4-mapped address's low word. */
    public static final long IPV4_MAPPED_PREFIX = 0xFFFF_0000_0000L;

    /** Frame timestamp, nanoseconds since the Unix epoch. */
    public long timestampNanos;

    /** 4 or 6. */
    public int ipVersion;
    /** Transport protocol number (after IPv6 extension headers): 6, 17, 1, 58, or any other. */
    public int ipProto;
    /** Source address, high 64 bits. */
    public long srcHi;
    /** Source address, low 64 bits. */
    public long srcLo;
    /** Destination address, high 64 bits. */
    public long dstHi;
    /** Destination address, low 64 bits. */
    public long dstLo;
    /**
     * IP-level length of the packet as Zeek counts it for {@code ip_bytes}: the IPv4 total length,
     * or the IPv6 payload length plus 40. Taken from the header, not from the capture length.
     */
    public int ipLength;

    /** TCP/UDP source port; 0 for other protocols. */
    public int srcPort;
    /** TCP/UDP destination port; 0 for other protocols. */
    public int dstPort;
    /** ICMP/ICMPv6 type, or -1 when {@link #ipProto} is not ICMP. */
    public int icmpType;
    /** ICMP/ICMPv6 code, or -1 when {@link #ipProto} is not ICMP. */
    public int icmpCode;

    /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80). */
    public int tcpFlags;
    /** TCP sequence number, unsigned 32 bits. */
    public long seq;
    /** TCP acknowledgement number, unsigned 32 bits. */
    public long ack;
    /** TCP window field (unscaled). */
    public int window;

    /**
     * Transport payload length derived from the IP length (IP length minus IP and transport
     * headers), so link-layer padding is never payload and a truncated capture still counts
     * what was on the wire. For UDP, the UDP length minus 8 as Zeek counts it (0 if the field
     * is below 8); for ICMP, the bytes after the 8-byte ICMP header; for other protocols, the
     * whole IP payload. Zero when {@link #transportTruncated}.
     */
    public int payloadLength;
    /** Index of the transport payload's first byte in {@link #buffer}. */
    public int payloadOffset;
    /** Payload bytes actually captured from {@link #payloadOffset} (at most {@link #payloadLength}). */
    public int payloadCaptured;
    /** Buffer holding the packet: the source's frame buffer, or the decoder's reassembly buffer. */
    public ByteBuffer buffer;

    /** Whether the transport checksum was verified and found wrong (Zeek adds a C/c history letter). */
    public boolean badChecksum;
    /**
     * Whether the IP header is sound but the transport header was cut by the capture after the
     * ports (e.g. inside TCP options), or its data offset is impossible: Zeek still creates the
     * connection but does not process the packet. Ports, flags, sequence numbers and window are
     * set (the fixed 20 bytes were captured); the payload fields are zero.
     */
    public boolean transportTruncated;
    /** Whether this view holds a datagram reassembled from IP fragments. */
    public boolean reassembled;

    /**
     * For ICMP and ICMPv6 error messages (destination unreachable, time exceeded, parameter
     * problem, source quench, redirect, packet too big): the IP version of the embedded packet
     * that caused the error, 4 or 6; 0 when there is none or its IP header was not captured.
     */
    public int innerIpVersion;
    /** Transport protocol of the embedded packet (after IPv6 extension headers), or 0. */
    public int innerProto;
    /** Source address of the embedded packet, high 64 bits (the original sender: us, usually). */
    public long innerSrcHi;
    /** Source address of the embedded packet, low 64 bits. */
    public long innerSrcLo;
    /** Destination address of the embedded packet, high 64 bits (the target that was unreachable). */
    public long innerDstHi;
    /** Destination address of the embedded packet, low 64 bits. */
    public long innerDstLo;
    /** TCP/UDP source port of the embedded packet, or -1 when not TCP/UDP or not captured. */
    public int innerSrcPort;
    /** TCP/UDP destination port of the embedded packet, or -1 when not TCP/UDP or not captured. */
    public int innerDstPort;

    /**
     * What the transport payload may carry: {@link #NO_TUNNEL}; {@link #TUNNEL_UDP}, a UDP payload
     * that {@link Decoder#decapsulateUdp} may find to be a tunnel once the engine knows the
     * connection's responder port; or {@link #TUNNEL_IP}, a GRE or IP-in-IP packet that
     * {@link Decoder#decapsulateIp} takes apart (such packets are no connection of their own).
     */
    public int tunnel;
    /** Index of the first byte after the outer transport header (the tunnel header), when {@link #tunnel} is set. */
    public int tunnelOffset;
    /** Index after the last captured byte of the outer packet's payload, when {@link #tunnel} is set. */
    public int tunnelEnd;
    /** Encapsulations taken off to reach this packet: 0 for the outermost packet. */
    public int tunnelDepth;

    /** Outer VLAN id, or -1 without VLAN tag. */
    public int vlan;
    /** Inner VLAN id (second tag), or -1. */
    public int innerVlan;

    /**
     * Returns whether an address pair word is IPv4-mapped.
     *
     * @param hi high 64 bits
     * @param lo low 64 bits
     * @return {@code true} for {@code ::ffff:a.b.c.d}
     */
    public static boolean isIpv4(long hi, long lo) {
        return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == IPV4_MAPPED_PREFIX;
    }

    /** {@link #tunnel}: the payload is no tunnel. */
    public static final int NO_TUNNEL = 0;
    /** {@link #tunnel}: a UDP payload that may be a tunnel, depending on the connection's ports. */
    public static final int TUNNEL_UDP = 1;
    /** {@link #tunnel}: an IP payload of protocol 47 (GRE), 4 (IPv4) or 41 (IPv6). */
    public static final int TUNNEL_IP = 2;

    /** Resets the per-packet fields to their "absent" values. */
    public void clear() {
        ipVersion = 0;
        ipProto = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        ipLength = 0;
        srcPort = dstPort = 0;
        icmpType = icmpCode = -1;
        tcpFlags = 0;
        seq = ack = 0;
        window = 0;
        payloadLength = payloadOffset = payloadCaptured = 0;
        buffer = null;
        badChecksum = false;
        transportTruncated = false;
        reassembled = false;
        innerIpVersion = innerProto = 0;
        innerSrcHi = innerSrcLo = innerDstHi = innerDstLo = 0;
        innerSrcPort = innerDstPort = -1;
        vlan = innerVlan = -1;
        tunnel = NO_TUNNEL;
        tunnelOffset = tunnelEnd = tunnelDepth = 0;
    }
}
