package io.flowkit.core.internal.decode;

import io.flowkit.IpNetwork;
import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import io.flowkit.TrackerConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;

/**
 * Decodes one captured frame into a {@link PacketView}: link layer, IP (with fragment
 * reassembly), and the transport header, the way Zeek's packet analysis does it, so that the
 * connection engine sees the packets Zeek would see and keys them the way Zeek keys them.
 *
 * <p><b>Caveats first.</b> Not thread-safe (one decoder per tracker thread). A decoder made by
 * {@link #addressesOnly} holds no reassembly state and only runs {@link #decodeAddresses}. The view, and the
 * reassembly buffer it may point to, are valid until the next call. Tunnels are taken apart one
 * layer at a time by {@link #decapsulate} (see "Tunnels" below), which decodes the
 * inner packet into the same view, from the same buffer. 802.11
 * A-MSDU aggregates and protected (encrypted) 802.11 frames are skipped as {@link SkipReason#NOT_IP}.
 *
 * <p><b>Contract.</b> {@link #decode} either fills the view and returns {@code true}, or counts
 * exactly one {@link SkipReason} and returns {@code false}. It reads the buffer with absolute
 * indexes only, never changes its position, limit or byte order, never throws on bad bytes and
 * allocates nothing (fragment slots are allocated once, the first time each is used).
 *
 * <p><b>Link layers.</b> Ethernet II and 802.3 with LLC/SNAP; VLAN tags 0x8100, 0x88A8 and
 * 0x9100 stacked to any depth (the first two ids are recorded); MPLS label stacks (the payload's
 * first nibble tells IPv4 from IPv6, as Zeek's MPLS analyzer hands it to its IP analyzer); PPPoE
 * sessions; VN-Tag (0x8926); Cisco FabricPath (0x8903, a 16-byte outer header, recognised at the
 * start of the frame as Zeek does); 802.1ah PBB (0x88E7); BSD NULL and LOOP (the address family
 * in either byte order: 2 for IPv4, 24, 28 or 30 for IPv6); PPP with or without the FF 03
 * address and control bytes; Linux SLL and SLL2; raw IP; 802.11 data frames (with QoS, four
 * addresses, LLC/SNAP) with or without radiotap.
 *
 * <p><b>IP.</b> Lengths come from the IP header, never from the capture: Ethernet padding is not
 * payload, and a snap length that cuts the packet still lets it count its full IP length. As in
 * Zeek ({@code IP.cc}): a total length beyond the frame's wire length, or below the header
 * length, skips the packet; a zero IPv4 total length (segmentation offload) skips it unless
 * checksums are ignored, when the captured length stands in; a zero IPv6 payload length
 * (jumbogram, offload) leaves the captured bytes as payload; a bad IPv4 header checksum skips
 * it. IPv6 extension headers (hop-by-hop, routing, destination options, AH, fragment) are
 * followed up to {@link #MAX_IPV6_HEADERS}; a type 0 or 2 routing header with segments left
 * makes its last address the destination and a Home Address destination option makes its
 * address the source, as Zeek keys such packets. ESP, Mobility and No Next Header end the packet
 * with {@link SkipReason#NO_TRANSPORT}; any other protocol is the transport.
 *
 * <p><b>Fragments.</b> Fully captured fragments go to a {@link FragmentReassembler}; each held
 * fragment counts as {@link SkipReason#FRAGMENT_HELD} and the one that completes a datagram
 * yields the whole datagram with {@link PacketView#reassembled} set. A first fragment that the
 * capture cut short is decoded on its own (Zeek does so to make use of header-only traces);
 * later fragments cut short cannot be used.
 *
 * <p><b>Transport.</b> Zeek keys a connection only when the fixed transport header (20 bytes of
 * TCP, 8 of UDP or ICMP) is in the IP payload and captured; otherwise
 * {@link SkipReason#TRUNCATED_TRANSPORT_HEADER}. A TCP data offset that is too small, or that
 * points past the IP payload or the capture, still yields the packet with
 * {@link PacketView#transportTruncated} set: Zeek creates the connection and ignores the
 * packet. Checksums (TCP, UDP, ICMP, ICMPv6, with pseudo-headers where they have one; a zero UDP
 * checksum over IPv4 means none) are verified when the whole segment was captured (for UDP the
 * whole frame, as in Zeek) unless turned off, or turned off for the packet's source network;
 * a bad one sets {@link PacketView#badChecksum}. ICMP error messages expose the embedded
 * packet's addresses, protocol and ports in the view's {@code inner*} fields.
 *
 * <p><b>Tunnels</b>, as Zeek's packet analyzers take them apart. A UDP packet or an IP packet of
 * protocol 47, 4 or 41 is delivered with {@link PacketView#tunnel} set; the caller tracks the
 * outer packet first (a UDP tunnel is an ordinary UDP connection in Zeek's conn.log, a GRE or
 * IP-in-IP packet is no connection at all), asks {@link #udpTunnel} which tunnel a UDP payload
 * is, given the connection's responder port, and then {@link #decapsulate}s it. UDP tunnels are
 * found by the responder port (VXLAN 4789, Geneve 6081, GTPv1 2152 and 2123, Teredo 3544, AYIYA
 * 5072, GRE 4754) or, on any other port, by content as Zeek's protocol detection does it: a
 * Teredo packet is an IPv6 header with a Teredo (2001:0::/32) address, or one behind an
 * authentication or origin indication; an AYIYA header has bytes 0x52 0x11 at offset 1.
 * Plain UDP on a tunnel port is not taken for a tunnel unless its header is valid: GTPv1 needs
 * version 1, a G-PDU and an inner IP packet whose length is exactly what is left; Teredo the
 * same (a bubble may carry trailing bytes); VXLAN its I flag. GRE follows RFC 2784/2890 (checksum,
 * key and sequence fields), PPTP's enhanced GRE (version 1, PPP inside), transparent Ethernet
 * bridging (0x6558) and ERSPAN types I and II (0x88BE, with an 8-byte header when GRE carries a
 * sequence number) and III (0x22EB, 12 bytes plus an 8-byte subheader when its O bit is set).
 * Every length is checked against the captured payload of the outer layer, which also bounds
 * the inner packet, so each layer consumes bytes and decapsulation ends. More than
 * {@code maxTunnelDepth} layers, or a tunnel header that does not decode, count
 * {@link SkipReason#BAD_TUNNEL}; an inner packet that does not decode counts its own reason.
 * Inner IP fragments are reassembled like outer ones, except inside a datagram that was itself
 * reassembled (the reassembly buffer is in use): those count {@link SkipReason#BAD_FRAGMENT}.
 * Not decoded: GRE carrying 802.11 (Aruba) or MPLS, and GTPv2 (control plane only).
 *
 * <p><b>Cost.</b> A few bounds checks and byte reads per layer, plus one pass over the segment
 * when its checksum is verified.
 */
public final class Decoder {
    /** Default byte budget of fragment reassembly: 64 datagrams of the largest size, about 4.2 MB. */
    public static final long DEFAULT_FRAGMENT_MEMORY_BYTES = 64L * FragmentReassembler.SLOT_BYTES;
    /** Default reassembly timeout: Zeek's {@code frag_timeout}. */
    public static final Duration DEFAULT_FRAGMENT_TIMEOUT = Duration.ofMinutes(5);
    /** Most IPv6 extension headers followed before a chain is rejected. */
    public static final int MAX_IPV6_HEADERS = 16;

    private static final int ETH_IPV4 = 0x0800;
    private static final int ETH_IPV6 = 0x86DD;

    private final boolean ignoreChecksums;
    private final NetworkSet ignoreChecksumsNets;
    private final FragmentReassembler fragments;
    private final int maxTunnelDepth;

    private final long[] skipped = new long[SkipReason.values().length];
    private long badChecksums;
    private long fragmentCount;
    private long reassembledCount;

    // per-call state; reset at the start of every decode
    private ByteBuffer b;
    private boolean bigEndian;
    private PacketView out;
    private long ts;
    private int end;
    private long wireEnd;
    private boolean frameComplete;
    private boolean inReassembled;
    private boolean verify;
    /** Set during {@link #decodeAddresses}: stop once the keying addresses are known. */
    private boolean addressesOnly;

    /**
     * Creates a decoder with a tracker's checksum settings and the default fragment limits.
     *
     * @param config the tracker's settings
     */
    public Decoder(TrackerConfig config) {
        this(config.ignoreChecksums(), config.ignoreChecksumsNetworks(), DEFAULT_FRAGMENT_MEMORY_BYTES,
                DEFAULT_FRAGMENT_TIMEOUT, config.maxTunnelDepth());
    }

    /**
     * Creates a decoder for {@link #decodeAddresses} alone, as a sharded tracker's dispatching
     * thread needs: it has no fragment reassembler (whose tables a full decoder allocates up
     * front), so {@link #decode} and {@link #fragmentGauge} refuse it, and
     * {@link #reassembliesDropped} stays 0.
     *
     * @param config the tracker's settings (its tunnel depth; checksums are never verified here)
     * @return the decoder
     */
    public static Decoder addressesOnly(TrackerConfig config) {
        return new Decoder(config.ignoreChecksums(), config.ignoreChecksumsNetworks(), null, config.maxTunnelDepth());
    }

    /**
     * Creates a decoder that takes off at most {@link TrackerConfig#DEFAULT_MAX_TUNNEL_DEPTH} tunnel layers.
     *
     * @param ignoreChecksums     {@code true} to verify no checksum (Zeek's {@code -C})
     * @param ignoreChecksumsFor  source networks whose packets' checksums are not verified
     * @param fragmentMemoryBytes byte budget of datagrams in reassembly; at least one datagram of
     *                            the largest size is always allowed
     * @param fragmentTimeout     how long, in network time, a fragmented datagram may take to complete
     * @throws IllegalArgumentException if the budget or the timeout is not positive
     */
    public Decoder(boolean ignoreChecksums, List<IpNetwork> ignoreChecksumsFor, long fragmentMemoryBytes,
                   Duration fragmentTimeout) {
        this(ignoreChecksums, ignoreChecksumsFor, fragmentMemoryBytes, fragmentTimeout,
                TrackerConfig.DEFAULT_MAX_TUNNEL_DEPTH);
    }

    /**
     * Creates a decoder.
     *
     * @param ignoreChecksums     {@code true} to verify no checksum (Zeek's {@code -C})
     * @param ignoreChecksumsFor  source networks whose packets' checksums are not verified
     * @param fragmentMemoryBytes byte budget of datagrams in reassembly; at least one datagram of
     *                            the largest size is always allowed
     * @param fragmentTimeout     how long, in network time, a fragmented datagram may take to complete
     * @param maxTunnelDepth      the most tunnel layers taken off one frame; 0 takes off none
     * @throws IllegalArgumentException if the budget or the timeout is not positive, or the depth negative
     */
    public Decoder(boolean ignoreChecksums, List<IpNetwork> ignoreChecksumsFor, long fragmentMemoryBytes,
                   Duration fragmentTimeout, int maxTunnelDepth) {
        this(ignoreChecksums, ignoreChecksumsFor, reassembler(fragmentMemoryBytes, fragmentTimeout), maxTunnelDepth);
    }

    private static FragmentReassembler reassembler(long fragmentMemoryBytes, Duration fragmentTimeout) {
        if (fragmentTimeout.isNegative() || fragmentTimeout.isZero()) {
            throw new IllegalArgumentException("fragmentTimeout must be positive, got " + fragmentTimeout);
        }
        return new FragmentReassembler(fragmentMemoryBytes, fragmentTimeout.toNanos());
    }

    /** @param fragments the reassembler, or null for a decoder of addresses only */
    private Decoder(boolean ignoreChecksums, List<IpNetwork> ignoreChecksumsFor, FragmentReassembler fragments,
                    int maxTunnelDepth) {
        if (maxTunnelDepth < 0) {
            throw new IllegalArgumentException("maxTunnelDepth must not be negative, got " + maxTunnelDepth);
        }
        this.maxTunnelDepth = maxTunnelDepth;
        this.ignoreChecksums = ignoreChecksums;
        this.ignoreChecksumsNets = new NetworkSet(ignoreChecksumsFor);
        this.fragments = fragments;
    }

    /**
     * Decodes one frame.
     *
     * @param tsNanos  capture time, nanoseconds since the epoch (network time)
     * @param linkType the frame's {@code LINKTYPE_} value
     * @param buf      the buffer holding the frame; read with absolute indexes only
     * @param off      index of the frame's first byte
     * @param caplen   captured bytes from {@code off}
     * @param wirelen  the frame's length on the wire
     * @param view     the view to fill; cleared first
     * @return {@code true} if {@code view} holds a packet for the connection engine;
     *         {@code false} if the frame was skipped (and counted)
     * @throws IllegalStateException if this decoder was made by {@link #addressesOnly}
     */
    public boolean decode(long tsNanos, int linkType, ByteBuffer buf, int off, int caplen, int wirelen,
                          PacketView view) {
        requireReassembler();
        return frame(tsNanos, linkType, buf, off, caplen, wirelen, view);
    }

    private void requireReassembler() {
        if (fragments == null) {
            throw new IllegalStateException("this decoder reads addresses only");
        }
    }

    /** Decodes one frame, as far as {@link #addressesOnly} says; see {@link #decode}. */
    private boolean frame(long tsNanos, int linkType, ByteBuffer buf, int off, int caplen, int wirelen,
                          PacketView view) {
        view.clear();
        view.timestampNanos = tsNanos;
        view.buffer = buf;
        out = view;
        b = buf;
        bigEndian = buf.order() == ByteOrder.BIG_ENDIAN;
        ts = tsNanos;
        inReassembled = false;
        verify = false;
        if (off < 0 || caplen < 0 || off > buf.limit()) {
            return skip(SkipReason.TRUNCATED_LINK_HEADER);
        }
        end = (int) Math.min((long) off + caplen, buf.limit());
        long wire = Math.max(wirelen, end - off);
        // capped so that an IP end bounded by it fits an int even at the end of a 2 GB buffer
        wireEnd = Math.min(off + wire, Integer.MAX_VALUE);
        frameComplete = wire <= end - off;
        switch (linkType) {
            case LinkType.ETHERNET:
                return ethernet(off);
            case LinkType.RAW:
                return ip(off, 0);
            case LinkType.IPV4:
                return ip(off, 4);
            case LinkType.IPV6:
                return ip(off, 6);
            case LinkType.NULL:
            case LinkType.LOOP:
                return loopback(off);
            case LinkType.PPP:
            case LinkType.PPP_HDLC:
                return ppp(off);
            case LinkType.LINUX_SLL:
                return end - off < 16 ? skip(SkipReason.TRUNCATED_LINK_HEADER) : etherType(u16(off + 14), off + 16);
            case LinkType.LINUX_SLL2:
                return end - off < 20 ? skip(SkipReason.TRUNCATED_LINK_HEADER) : etherType(u16(off), off + 20);
            case LinkType.IEEE802_11_RADIOTAP:
                return radiotap(off);
            case LinkType.IEEE802_11:
                return wifi(off);
            default:
                return skip(SkipReason.UNKNOWN_LINK_TYPE);
        }
    }

    /**
     * Reads a frame only as far as the addresses the connection engine will key its packet by:
     * the link layer, then the IP header (IPv4) or the IPv6 header and the extension headers
     * before a fragment header (a routing header's final destination, a Home Address option).
     * No checksum is verified, no fragment reassembled, no transport header read. This is the
     * prefix of {@link #decode}: a frame it skips is counted with the reason {@code decode}
     * would give, and a frame it accepts may still be skipped by {@code decode} for a reason
     * found further in. Fragments of one datagram yield the same addresses, and so do both
     * directions of a connection (swapped), whatever the ports; tunnelled packets yield their
     * outermost addresses.
     *
     * @param tsNanos  capture time, nanoseconds since the epoch
     * @param linkType the frame's {@code LINKTYPE_} value
     * @param buf      the buffer holding the frame; read with absolute indexes only
     * @param off      index of the frame's first byte
     * @param caplen   captured bytes from {@code off}
     * @param wirelen  the frame's length on the wire
     * @param view     receives {@code srcHi}, {@code srcLo}, {@code dstHi}, {@code dstLo}; its
     *                 other fields are unspecified
     * @return {@code true} if the frame reached its IP addresses; {@code false} if it was
     *         skipped (and counted)
     */
    public boolean decodeAddresses(long tsNanos, int linkType, ByteBuffer buf, int off, int caplen, int wirelen,
                                   PacketView view) {
        addressesOnly = true;
        boolean ok = frame(tsNanos, linkType, buf, off, caplen, wirelen, view);
        addressesOnly = false;
        return ok;
    }

    /**
     * Returns how many frames were skipped for one reason.
     *
     * @param reason the reason
     * @return the count
     */
    public long skipped(SkipReason reason) {
        return skipped[reason.ordinal()];
    }

    /** @return packets whose TCP, UDP or ICMP checksum was verified and found wrong */
    public long badChecksums() {
        return badChecksums;
    }

    /** @return IP fragments seen (atomic IPv6 fragments, offset 0 without more, excluded) */
    public long fragments() {
        return fragmentCount;
    }

    /** @return datagrams reassembled from fragments and delivered */
    public long reassembledDatagrams() {
        return reassembledCount;
    }

    /** @return datagrams whose reassembly was abandoned: timed out, evicted at the memory bound, or too torn */
    public long reassembliesDropped() {
        return fragments == null ? 0 : fragments.dropped();
    }

    /**
     * Returns the gauge of reassembly's slot bound.
     *
     * @return the gauge of {@link io.flowkit.Bound#FRAGMENTS}; its signal goes nowhere until redirected
     * @throws IllegalStateException if this decoder was made by {@link #addressesOnly}
     */
    public io.flowkit.core.internal.bound.BoundGauge fragmentGauge() {
        requireReassembler();
        return fragments.gauge();
    }

    // ---------------------------------------------------------------- tunnels

    /** {@link #udpTunnel}: the UDP payload is no tunnel. */
    public static final int NOT_A_TUNNEL = 0;
    /** A VXLAN header, then Ethernet. */
    public static final int VXLAN = 1;
    /** A Geneve header with options, then Ethernet, IPv4 or IPv6. */
    public static final int GENEVE = 2;
    /** GTPv1-U: a G-PDU carrying an IP packet. */
    public static final int GTPV1 = 3;
    /** Teredo: IPv6 in UDP, behind optional authentication and origin indication. */
    public static final int TEREDO = 4;
    /** AYIYA: IPv4 or IPv6 behind an identity and signature. */
    public static final int AYIYA = 5;
    /** GRE (IP protocol 47, or UDP port 4754). */
    public static final int GRE = 6;
    /** IP-in-IP, 6in4, 4in6 and 6in6 (IP protocols 4 and 41). */
    public static final int IP_IN_IP = 7;

    /** {@link #decapsulate}: the view now holds the inner packet. */
    public static final int DECAPSULATED = 0;
    /** {@link #decapsulate}: the tunnel header was bad (counted); Zeek stops decapsulating the connection. */
    public static final int VIOLATION = 1;
    /**
     * {@link #decapsulate}: nothing usable inside (counted as {@link SkipReason#BAD_TUNNEL}, except
     * GTP signalling and AYIYA messages other than forwarded packets, which are normal), or the
     * inner packet did not decode (counted with its own reason).
     */
    public static final int FAILED = 2;
    /** {@link #decapsulate}: one more layer than the limit (counted); Zeek marks the outer connection 'X'. */
    public static final int TOO_DEEP = 3;

    /**
     * Says which tunnel, if any, the UDP payload of the view's packet is, as Zeek's UDP analyzer
     * dispatches on the responder port and otherwise detects Teredo and AYIYA by content.
     *
     * @param view     a view holding a packet with {@link PacketView#tunnel} {@link PacketView#TUNNEL_UDP}
     * @param respPort the responder port of the packet's connection
     * @return one of {@link #VXLAN}, {@link #GENEVE}, {@link #GTPV1}, {@link #TEREDO}, {@link #AYIYA},
     *         {@link #GRE}, or {@link #NOT_A_TUNNEL}
     */
    public int udpTunnel(PacketView view, int respPort) {
        if (view.tunnel != PacketView.TUNNEL_UDP) {
            return NOT_A_TUNNEL;
        }
        switch (respPort) {
            case 4789:
                return VXLAN;
            case 6081:
                return GENEVE;
            case 2152:
            case 2123:
                return GTPV1;
            case 3544:
                return TEREDO;
            case 5072:
                return AYIYA;
            case 4754:
                return GRE;
            default:
                break;
        }
        int p = view.tunnelOffset;
        int len = view.tunnelEnd - p;
        if (looksLikeTeredo(p, len)) {
            return TEREDO;
        }
        if (len >= 3 && u8(p + 1) == 0x52 && u8(p + 2) == 0x11) {
            return AYIYA;
        }
        return NOT_A_TUNNEL;
    }

    /**
     * Says which tunnel the IP payload of the view's packet is.
     *
     * @param view a view holding a packet with {@link PacketView#tunnel} {@link PacketView#TUNNEL_IP}
     * @return {@link #GRE}, {@link #IP_IN_IP}, or {@link #NOT_A_TUNNEL}
     */
    public static int ipTunnel(PacketView view) {
        if (view.tunnel != PacketView.TUNNEL_IP) {
            return NOT_A_TUNNEL;
        }
        return view.ipProto == 47 ? GRE : IP_IN_IP;
    }

    /** Zeek's Teredo protocol detection. */
    private boolean looksLikeTeredo(int p, int len) {
        if (len < 40) {
            return false;
        }
        int b0 = u8(p);
        int b1 = u8(p + 1);
        if (b0 >>> 4 != 6 && (b0 != 0 || (b1 != 0 && b1 != 1))) {
            return false;
        }
        if (b0 >>> 4 == 6 && (u32(p + 8) == 0x2001_0000L || u32(p + 24) == 0x2001_0000L)) {
            return true;
        }
        int val = b1;
        if (val == 1) {
            int skip = 13 + u8(p + 2) + u8(p + 3);
            if (len < skip + 40) {
                return false;
            }
            p += skip;
            len -= skip;
            val = u16(p);
        }
        return val == 0 && len >= 48 && u8(p + 8) >>> 4 == 6;
    }

    /**
     * Takes one tunnel layer off the packet in the view and decodes the inner packet into it.
     * Call it only right after {@link #decode} (or a previous successful call) filled the view.
     *
     * @param view the view; on {@link #DECAPSULATED} it holds the inner packet, with
     *             {@link PacketView#tunnelDepth} one more
     * @param kind what {@link #udpTunnel} or {@link #ipTunnel} said
     * @return {@link #DECAPSULATED}, {@link #VIOLATION}, {@link #FAILED} or {@link #TOO_DEEP}
     */
    public int decapsulate(PacketView view, int kind) {
        if (view != out || view.tunnel == PacketView.NO_TUNNEL || kind == NOT_A_TUNNEL) {
            return FAILED;
        }
        int depth = view.tunnelDepth;
        if (depth >= maxTunnelDepth) {
            skip(SkipReason.BAD_TUNNEL);
            return TOO_DEEP;
        }
        int p = view.tunnelOffset;
        int stop = view.tunnelEnd;
        int outerProto = view.ipProto;
        long t = view.timestampNanos;
        ByteBuffer buf = view.buffer;
        boolean wasReassembled = view.reassembled;
        view.clear();
        view.timestampNanos = t;
        view.buffer = buf;
        view.reassembled = wasReassembled;
        view.tunnelDepth = depth + 1;
        end = stop;
        int len = stop - p;
        switch (kind) {
            case VXLAN:
                if (len < 8 || (u8(p) & 0x08) == 0) {
                    return violation();
                }
                return inner(len == 8 ? false : ethernet(p + 8));
            case GENEVE: {
                if (len < 8) {
                    return violation();
                }
                if (u8(p) >>> 6 != 0) {
                    return failed();
                }
                int hl = 8 + (u8(p) & 0x3F) * 4;
                if (hl > len) {
                    return violation();
                }
                if (hl == len) {
                    return failed();
                }
                int type = u16(p + 2);
                if (type == 0x6558) {
                    return inner(ethernet(p + hl));
                }
                if (type == ETH_IPV4 || type == ETH_IPV6) {
                    return inner(ip(p + hl, type == ETH_IPV4 ? 4 : 6));
                }
                return failed();
            }
            case GTPV1:
                return gtp(p, len);
            case TEREDO:
                return teredo(p, len);
            case AYIYA:
                return ayiya(p, len);
            case GRE:
                return gre(p, len);
            case IP_IN_IP:
                return inner(ip(p, outerProto == 4 ? 4 : 6));
            default:
                return failed();
        }
    }

    private int gtp(int p, int len) {
        if (len < 8) {
            return violation();
        }
        int flags = u8(p);
        if (flags >>> 5 != 1 || (flags & 0x10) == 0) {
            return violation();
        }
        if (u8(p + 1) != 0xFF) {
            // signalling (echo, PDP context) carries no user packet: nothing to count
            return FAILED;
        }
        int hl = 8;
        if ((flags & 0x07) != 0) {
            if (len < 12) {
                return violation();
            }
            hl = 12;
            int next = u8(p + 11);
            if ((flags & 0x04) != 0) {
                while (next != 0) {
                    if (len - hl < 1) {
                        return violation();
                    }
                    int ext = u8(p + hl) * 4;
                    if (ext == 0 || ext > len - hl) {
                        return violation();
                    }
                    next = u8(p + hl + ext - 1);
                    hl += ext;
                }
            }
        }
        int q = p + hl;
        int rest = len - hl;
        if (rest < 20) {
            return violation();
        }
        int v = u8(q) >>> 4;
        if (v != 4 && v != 6) {
            return violation();
        }
        if (exactIpLength(q, rest, v) != 0) {
            return violation();
        }
        return inner(ip(q, v));
    }

    private int teredo(int p, int len) {
        boolean origin = false;
        boolean auth = false;
        while (true) {
            if (len < 2) {
                return violation();
            }
            int tag = u16(p);
            if (tag == 0 && !origin) {
                if (len < 8) {
                    return violation();
                }
                origin = true;
                p += 8;
                len -= 8;
            } else if (tag == 1 && !origin && !auth) {
                if (len < 4) {
                    return violation();
                }
                int total = 4 + u8(p + 2) + u8(p + 3) + 8 + 1;
                if (len < total) {
                    return violation();
                }
                auth = true;
                p += total;
                len -= total;
            } else if (tag >>> 12 == 6) {
                break;
            } else {
                return violation();
            }
        }
        if (len < 40) {
            return violation();
        }
        int diff = exactIpLength(p, len, 6);
        if (diff < 0 || (diff > 0 && !(u8(p + 6) == 59 && u16(p + 4) == 0))) {
            // only a bubble (no next header, no payload) may carry trailing bytes
            return violation();
        }
        return inner(ip(p, 6));
    }

    private int ayiya(int p, int len) {
        if (len < 8) {
            return violation();
        }
        int hl = 8 + (1 << (u8(p) >>> 4)) + (u8(p + 1) >>> 4) * 4;
        if (hl > len) {
            return violation();
        }
        if ((u8(p + 2) & 0x0F) != 1) {
            // not a forwarded packet (a heartbeat, an echo): nothing inside, nothing to count
            return FAILED;
        }
        int next = u8(p + 3);
        if (hl == len || (next != 4 && next != 41)) {
            return failed();
        }
        return inner(ip(p + hl, next == 4 ? 4 : 6));
    }

    private int gre(int p, int len) {
        if (len < 4) {
            return violation();
        }
        int flags = u16(p);
        int type = u16(p + 2);
        int version = flags & 0x07;
        if (version > 1 || (flags & 0x4000) != 0 || (flags & 0x0078) != 0) {
            return violation();
        }
        int hl = 4 + ((flags & 0x8000) != 0 ? 4 : 0) + ((flags & 0x2000) != 0 ? 4 : 0)
                + ((flags & 0x1000) != 0 ? 4 : 0) + ((flags & 0x0080) != 0 ? 4 : 0);
        if (version == 1) {
            // PPTP: enhanced GRE carrying PPP (address, control, protocol), then IP
            if (type != 0x880B || len < hl + 4) {
                return violation();
            }
            int ppp = u16(p + hl + 2);
            if (ppp != 0x0021 && ppp != 0x0057) {
                return failed();
            }
            int q = p + hl + 4;
            int v = ppp == 0x0021 ? 4 : 6;
            if (len - hl - 4 < (v == 4 ? 20 : 40) || u8(q) >>> 4 != v || exactIpLength(q, len - hl - 4, v) != 0) {
                return failed();
            }
            return inner(ip(q, v));
        }
        switch (type) {
            case 0x6558:
                return len > hl + 14 ? inner(ethernet(p + hl)) : violation();
            case 0x88BE: {
                // ERSPAN type II has an 8-byte header and GRE's sequence number; type I has neither
                int erspan = (flags & 0x1000) != 0 ? 8 : 0;
                return len > hl + 14 && len >= hl + erspan + 14 ? inner(ethernet(p + hl + erspan)) : violation();
            }
            case 0x22EB: {
                if (len <= hl + 14 + 12) {
                    return violation();
                }
                int erspan = 12;
                if ((u8(p + hl + 11) & 0x01) != 0) {
                    if (len <= hl + 12 + 8 + 14) {
                        return violation();
                    }
                    erspan += 8;
                }
                return inner(ethernet(p + hl + erspan));
            }
            default:
                if (len < hl) {
                    return violation();
                }
                // anything else is taken as raw IP, as Zeek's IP tunnel analyzer does
                return inner(ip(p + hl, 0));
        }
    }

    /**
     * Compares an inner IP packet's own length with the bytes that carry it, as Zeek's
     * {@code IP::ParsePacket} does for GTP, Teredo and PPTP.
     *
     * @return 0 if equal, negative if the packet claims more, positive if bytes are left over
     */
    private int exactIpLength(int q, int avail, int v) {
        long total = v == 4 ? u16(q + 2) : 40L + u16(q + 4);
        return Long.compare(avail, total);
    }

    private int inner(boolean decoded) {
        return decoded ? DECAPSULATED : FAILED;
    }

    private int violation() {
        skip(SkipReason.BAD_TUNNEL);
        return VIOLATION;
    }

    private int failed() {
        skip(SkipReason.BAD_TUNNEL);
        return FAILED;
    }

    // ---------------------------------------------------------------- link layers

    private boolean ethernet(int p) {
        if (end - p < 14) {
            return skip(SkipReason.TRUNCATED_LINK_HEADER);
        }
        if (u16(p + 12) == 0x8903) {
            // Cisco FabricPath: a 16-byte outer header, then the classic Ethernet frame
            p += 16;
            if (end - p < 14) {
                return skip(SkipReason.TRUNCATED_LINK_HEADER);
            }
        }
        return etherType(u16(p + 12), p + 14);
    }

    /** Follows EtherTypes and tags until IP; every step consumes at least 4 bytes, so it ends. */
    private boolean etherType(int type, int p) {
        while (true) {
            switch (type) {
                case ETH_IPV4:
                    return ip(p, 4);
                case ETH_IPV6:
                    return ip(p, 6);
                case 0x8100:
                case 0x88A8:
                case 0x9100: {
                    if (end - p < 4) {
                        return skip(SkipReason.TRUNCATED_LINK_HEADER);
                    }
                    int id = u16(p) & 0xFFF;
                    if (out.vlan < 0) {
                        out.vlan = id;
                    } else if (out.innerVlan < 0) {
                        out.innerVlan = id;
                    }
                    type = u16(p + 2);
                    p += 4;
                    break;
                }
                case 0x8847:
                case 0x8848:
                    return mpls(p);
                case 0x8864:
                    // PPPoE session: version/type, code, session id, length, then the PPP protocol
                    if (end - p < 8) {
                        return skip(SkipReason.TRUNCATED_LINK_HEADER);
                    }
                    return pppProtocol(u16(p + 6), p + 8);
                case 0x8926:
                    // VN-Tag: 4 bytes of tag, then the EtherType
                    if (end - p < 6) {
                        return skip(SkipReason.TRUNCATED_LINK_HEADER);
                    }
                    type = u16(p + 4);
                    p += 6;
                    break;
                case 0x88E7:
                    // 802.1ah I-TAG (4 bytes), then the customer's Ethernet header
                    if (end - p < 18) {
                        return skip(SkipReason.TRUNCATED_LINK_HEADER);
                    }
                    type = u16(p + 16);
                    p += 18;
                    break;
                default:
                    if (type <= 1500) {
                        // 802.3 length field: only LLC/SNAP with an Ethernet OUI carries an EtherType
                        if (end - p < 8) {
                            return skip(SkipReason.TRUNCATED_LINK_HEADER);
                        }
                        if (u16(p) != 0xAAAA || u8(p + 2) != 0x03 || u16(p + 3) != 0 || u8(p + 5) != 0) {
                            return skip(SkipReason.NOT_IP);
                        }
                        type = u16(p + 6);
                        p += 8;
                        break;
                    }
                    return skip(SkipReason.NOT_IP);
            }
        }
    }

    private boolean mpls(int p) {
        while (true) {
            if (end - p < 4) {
                return skip(SkipReason.TRUNCATED_LINK_HEADER);
            }
            boolean bottom = (u8(p + 2) & 0x01) != 0;
            p += 4;
            if (bottom) {
                return ip(p, 0);
            }
        }
    }

    private boolean loopback(int p) {
        if (end - p < 4) {
            return skip(SkipReason.TRUNCATED_LINK_HEADER);
        }
        int little = u8(p) | (u8(p + 1) << 8) | (u8(p + 2) << 16) | (u8(p + 3) << 24);
        int family = isFamily(little) ? little : isFamily(Integer.reverseBytes(little)) ? Integer.reverseBytes(little) : -1;
        if (family < 0) {
            return skip(SkipReason.NOT_IP);
        }
        return ip(p + 4, family == 2 ? 4 : 6);
    }

    /** AF_INET, and AF_INET6 as NetBSD/OpenBSD (24), FreeBSD (28) and Darwin (30) number it. */
    private static boolean isFamily(int v) {
        return v == 2 || v == 24 || v == 28 || v == 30;
    }

    private boolean ppp(int p) {
        if (end - p >= 2 && u8(p) == 0xFF && u8(p + 1) == 0x03) {
            p += 2;
        }
        if (end - p < 2) {
            return skip(SkipReason.TRUNCATED_LINK_HEADER);
        }
        return pppProtocol(u16(p), p + 2);
    }

    private boolean pppProtocol(int protocol, int p) {
        switch (protocol) {
            case 0x0021:
                return ip(p, 4);
            case 0x0057:
                return ip(p, 6);
            case 0x0281:
            case 0x0283:
                return mpls(p);
            default:
                return skip(SkipReason.NOT_IP);
        }
    }

    private boolean radiotap(int p) {
        if (end - p < 4) {
            return skip(SkipReason.TRUNCATED_LINK_HEADER);
        }
        int len = u8(p + 2) | (u8(p + 3) << 8);
        if (len < 4 || len >= end - p) {
            return skip(SkipReason.TRUNCATED_LINK_HEADER);
        }
        return wifi(p + len);
    }

    private boolean wifi(int p) {
        if (end - p < 24) {
            return skip(SkipReason.TRUNCATED_LINK_HEADER);
        }
        int fc0 = u8(p);
        int fc1 = u8(p + 1);
        if ((fc0 & 0x08) == 0 || (fc0 & 0x40) != 0 || (fc1 & 0x40) != 0) {
            // management or control frame, a data subtype without data, or a protected frame
            return skip(SkipReason.NOT_IP);
        }
        int len = (fc1 & 0x03) == 0x03 ? 30 : 24;
        if ((fc0 & 0x80) != 0) {
            // QoS data: 2 more bytes; an A-MSDU would hold several packets
            if (end - p <= len) {
                return skip(SkipReason.TRUNCATED_LINK_HEADER);
            }
            if ((u8(p + len) & 0x80) != 0) {
                return skip(SkipReason.NOT_IP);
            }
            len += 2;
        }
        int q = p + len;
        if (end - q < 8) {
            return skip(SkipReason.TRUNCATED_LINK_HEADER);
        }
        if (u16(q) != 0xAAAA || u8(q + 2) != 0x03 || u16(q + 3) != 0 || u8(q + 5) != 0) {
            return skip(SkipReason.NOT_IP);
        }
        return etherType(u16(q + 6), q + 8);
    }

    // ---------------------------------------------------------------- IP

    private boolean ip(int p, int wantVersion) {
        if (p >= end) {
            return skip(SkipReason.TRUNCATED_IP_HEADER);
        }
        int v = u8(p) >>> 4;
        if (v == 4 && wantVersion != 6) {
            return ipv4(p);
        }
        if (v == 6 && wantVersion != 4) {
            return ipv6(p);
        }
        return skip(SkipReason.BAD_IP_VERSION);
    }

    private boolean ipv4(int p) {
        if (end - p < 20) {
            return skip(SkipReason.TRUNCATED_IP_HEADER);
        }
        int hl = (u8(p) & 0x0F) * 4;
        if (hl < 20) {
            return skip(SkipReason.BAD_IP_HEADER_LENGTH);
        }
        int tl = u16(p + 2);
        if (tl == 0) {
            // segmentation offload zeroes the length; Zeek then trusts the capture only under -C
            if (!ignoreChecksums) {
                return skip(SkipReason.BAD_IP_LENGTH);
            }
            tl = Math.min(end - p, 0xFFFF);
        }
        if (tl > wireEnd - p) {
            return skip(SkipReason.BAD_IP_LENGTH);
        }
        if (hl > tl) {
            return skip(SkipReason.BAD_IP_HEADER_LENGTH);
        }
        if (hl > end - p) {
            return skip(SkipReason.TRUNCATED_IP_HEADER);
        }
        long src = PacketView.IPV4_MAPPED_PREFIX | u32(p + 12);
        long dst = PacketView.IPV4_MAPPED_PREFIX | u32(p + 16);
        out.ipVersion = 4;
        out.srcHi = 0;
        out.srcLo = src;
        out.dstHi = 0;
        out.dstLo = dst;
        if (addressesOnly) {
            return true;
        }
        verify = !ignoreChecksums && (ignoreChecksumsNets.isEmpty() || !ignoreChecksumsNets.contains(0, src));
        if (verify && !inReassembled && Checksum.sum(b, p, p + hl) != 0xFFFF) {
            return skip(SkipReason.BAD_IP_CHECKSUM);
        }
        int frag = u16(p + 6);
        int fragOffset = (frag & 0x1FFF) * 8;
        boolean more = (frag & 0x2000) != 0;
        if (fragOffset != 0 || more) {
            fragmentCount++;
            if (inReassembled) {
                return skip(SkipReason.BAD_FRAGMENT);
            }
            if (end - p >= tl) {
                return reassembled(fragments.add(ts, 4, 0, src, 0, dst, u16(p + 4), b, p, hl, 0, 0, fragOffset,
                        p + hl, tl - hl, more));
            }
            if (fragOffset != 0) {
                return skip(SkipReason.BAD_FRAGMENT);
            }
            // a first fragment cut by the snap length is decoded on its own, as Zeek does
        }
        out.ipLength = tl;
        return transport(u8(p + 9), p + hl, p + tl);
    }

    private boolean ipv6(int p) {
        if (end - p < 40) {
            return skip(SkipReason.TRUNCATED_IP_HEADER);
        }
        int pl = u16(p + 4);
        if (40L + pl > wireEnd - p) {
            return skip(SkipReason.BAD_IP_LENGTH);
        }
        out.ipVersion = 6;
        long srcHi = u64(p + 8);
        long srcLo = u64(p + 16);
        out.srcHi = srcHi;
        out.srcLo = srcLo;
        out.dstHi = u64(p + 24);
        out.dstLo = u64(p + 32);
        verify = !ignoreChecksums && (ignoreChecksumsNets.isEmpty() || !ignoreChecksumsNets.contains(srcHi, srcLo));
        // A zero payload length (jumbogram, or segmentation offload) leaves Zeek with what was
        // captured: the transport is read from the captured bytes, the IP length stays 40.
        int ipEnd = pl == 0 ? end : p + 40 + pl;
        int capEnd = Math.min(end, ipEnd);
        int nh = u8(p + 6);
        int nextPos = 6;
        int q = p + 40;
        boolean routed = false;
        boolean homed = false;
        for (int n = 0; ; n++) {
            if (n == MAX_IPV6_HEADERS) {
                return skip(SkipReason.BAD_IPV6_EXTENSION);
            }
            if (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
                if (capEnd - q < 2) {
                    return skip(SkipReason.BAD_IPV6_EXTENSION);
                }
                int len = nh == 51 ? 8 + 4 * u8(q + 1) : 8 + 8 * u8(q + 1);
                if (len > capEnd - q) {
                    return skip(SkipReason.BAD_IPV6_EXTENSION);
                }
                if (nh == 43 && !routed) {
                    routed = true;
                    routingHeader(q, len);
                } else if (nh == 60 && !homed) {
                    homed = homeAddress(q, len);
                }
                nextPos = q - p;
                nh = u8(q);
                q += len;
                continue;
            }
            if (nh != 44) {
                break;
            }
            if (capEnd - q < 8) {
                return skip(SkipReason.BAD_IPV6_EXTENSION);
            }
            int field = u16(q + 2);
            int fragOffset = field & 0xFFF8;
            boolean more = (field & 1) != 0;
            int next = u8(q + 0);
            if (fragOffset == 0 && !more) {
                // an atomic fragment is a whole datagram
                nextPos = q - p;
                nh = next;
                q += 8;
                continue;
            }
            if (addressesOnly) {
                return true;
            }
            fragmentCount++;
            if (inReassembled) {
                return skip(SkipReason.BAD_FRAGMENT);
            }
            if (end >= ipEnd) {
                return reassembled(fragments.add(ts, 6, out.srcHi, out.srcLo, out.dstHi, out.dstLo, u32(q + 4), b, p,
                        q - p, nextPos, next, fragOffset, q + 8, ipEnd - q - 8, more));
            }
            if (fragOffset != 0) {
                return skip(SkipReason.BAD_FRAGMENT);
            }
            nh = next;
            q += 8;
            break;
        }
        if (addressesOnly) {
            return true;
        }
        if (nh == 50 || nh == 59 || nh == 135) {
            return skip(SkipReason.NO_TRANSPORT);
        }
        out.ipLength = 40 + pl;
        return transport(nh, q, ipEnd);
    }

    /** Type 0 and 2 routing headers with segments left name the final destination last. */
    private void routingHeader(int q, int len) {
        int lenField = u8(q + 1);
        int type = u8(q + 2);
        int segmentsLeft = u8(q + 3);
        if (segmentsLeft == 0) {
            return;
        }
        if ((type == 0 && lenField >= 2 && lenField % 2 == 0) || (type == 2 && lenField == 2)) {
            out.dstHi = u64(q + len - 16);
            out.dstLo = u64(q + len - 8);
        }
    }

    /** A Mobile IPv6 Home Address option (type 201, 16 bytes) replaces the source address. */
    private boolean homeAddress(int q, int len) {
        int o = q + 2;
        int optEnd = q + len;
        while (o < optEnd) {
            int type = u8(o);
            if (type == 0) {
                o++;
                continue;
            }
            if (optEnd - o < 2 || optEnd - o < 2 + u8(o + 1)) {
                return false;
            }
            int optLen = u8(o + 1);
            if (type == 201 && optLen == 16) {
                out.srcHi = u64(o + 2);
                out.srcLo = u64(o + 10);
                return true;
            }
            o += 2 + optLen;
        }
        return false;
    }

    /** Continues with a datagram the reassembler completed, or counts the fragment. */
    private boolean reassembled(int result) {
        if (result == FragmentReassembler.HELD) {
            return skip(SkipReason.FRAGMENT_HELD);
        }
        if (result == FragmentReassembler.REFUSED) {
            return skip(SkipReason.BAD_FRAGMENT);
        }
        reassembledCount++;
        b = fragments.datagramBuffer();
        bigEndian = true;
        int q = fragments.datagramOffset();
        end = q + fragments.datagramLength();
        wireEnd = end;
        frameComplete = true;
        inReassembled = true;
        out.buffer = b;
        out.reassembled = true;
        return ip(q, 0);
    }

    // ---------------------------------------------------------------- transport

    private boolean transport(int proto, int tp, int ipEnd) {
        int len = ipEnd - tp;
        int cap = Math.min(end, ipEnd) - tp;
        out.ipProto = proto;
        switch (proto) {
            case 6:
                return tcp(tp, len, cap);
            case 17:
                return udp(tp, len, cap);
            case 1:
            case 58:
                return icmp(proto, tp, len, cap);
            case 50:
            case 59:
            case 135:
                return skip(SkipReason.NO_TRANSPORT);
            case 4:
            case 41:
            case 47:
                out.payloadLength = len;
                out.payloadOffset = tp;
                out.payloadCaptured = Math.max(0, cap);
                out.tunnel = PacketView.TUNNEL_IP;
                out.tunnelOffset = tp;
                out.tunnelEnd = tp + Math.max(0, cap);
                return true;
            default:
                out.payloadLength = len;
                out.payloadOffset = tp;
                out.payloadCaptured = Math.max(0, cap);
                return true;
        }
    }

    private boolean tcp(int tp, int len, int cap) {
        if (len < 20 || cap < 20) {
            return skip(SkipReason.TRUNCATED_TRANSPORT_HEADER);
        }
        out.srcPort = u16(tp);
        out.dstPort = u16(tp + 2);
        out.seq = u32(tp + 4);
        out.ack = u32(tp + 8);
        int hl = (u8(tp + 12) >>> 4) * 4;
        out.tcpFlags = u8(tp + 13);
        out.window = u16(tp + 14);
        if (hl < 20 || hl > len || hl > cap) {
            out.transportTruncated = true;
            return true;
        }
        out.payloadLength = len - hl;
        out.payloadOffset = tp + hl;
        out.payloadCaptured = Math.min(cap, len) - hl;
        if (verify && cap >= len && !transportSumOk(6, tp, len)) {
            badChecksum();
        }
        return true;
    }

    private boolean udp(int tp, int len, int cap) {
        if (len < 8 || cap < 8) {
            return skip(SkipReason.TRUNCATED_TRANSPORT_HEADER);
        }
        out.srcPort = u16(tp);
        out.dstPort = u16(tp + 2);
        int payload = Math.max(0, u16(tp + 4) - 8);
        out.payloadLength = payload;
        out.payloadOffset = tp + 8;
        out.payloadCaptured = Math.max(0, Math.min(Math.min(cap, len) - 8, payload));
        out.tunnel = PacketView.TUNNEL_UDP;
        out.tunnelOffset = tp + 8;
        out.tunnelEnd = tp + 8 + Math.max(0, Math.min(cap, len) - 8);
        if (verify && cap >= len && frameComplete && (out.ipVersion == 6 || u16(tp + 6) != 0)
                && !transportSumOk(17, tp, len)) {
            badChecksum();
        }
        return true;
    }

    private boolean icmp(int proto, int tp, int len, int cap) {
        if (len < 8 || cap < 8) {
            return skip(SkipReason.TRUNCATED_TRANSPORT_HEADER);
        }
        int type = u8(tp);
        out.icmpType = type;
        out.icmpCode = u8(tp + 1);
        out.payloadLength = len - 8;
        out.payloadOffset = tp + 8;
        out.payloadCaptured = Math.min(cap, len) - 8;
        if (verify && cap >= len) {
            boolean ok = proto == 1 ? Checksum.sum(b, tp, tp + len) == 0xFFFF
                    : transportSumOk(58, tp, len);
            if (!ok) {
                badChecksum();
            }
        }
        boolean error = proto == 1 ? type == 3 || type == 4 || type == 5 || type == 11 || type == 12
                : type >= 1 && type <= 4;
        if (error) {
            embedded(tp + 8, tp + Math.min(cap, len));
        }
        return true;
    }

    /** Reads what an ICMP error message quotes of the offending packet, as far as it was captured. */
    private void embedded(int q, int capEnd) {
        if (capEnd - q < 1) {
            return;
        }
        int v = u8(q) >>> 4;
        int proto;
        int tp;
        if (v == 4) {
            int hl = (u8(q) & 0x0F) * 4;
            if (capEnd - q < 20 || hl < 20) {
                return;
            }
            proto = u8(q + 9);
            out.innerSrcLo = PacketView.IPV4_MAPPED_PREFIX | u32(q + 12);
            out.innerDstLo = PacketView.IPV4_MAPPED_PREFIX | u32(q + 16);
            tp = (u16(q + 6) & 0x1FFF) == 0 ? q + hl : capEnd;
        } else if (v == 6) {
            if (capEnd - q < 40) {
                return;
            }
            out.innerSrcHi = u64(q + 8);
            out.innerSrcLo = u64(q + 16);
            out.innerDstHi = u64(q + 24);
            out.innerDstLo = u64(q + 32);
            proto = u8(q + 6);
            tp = q + 40;
            for (int n = 0; n < MAX_IPV6_HEADERS && capEnd - tp >= 8; n++) {
                if (proto == 0 || proto == 43 || proto == 60) {
                    int len = 8 + 8 * u8(tp + 1);
                    proto = u8(tp);
                    tp += len;
                } else if (proto == 44) {
                    boolean first = (u16(tp + 2) & 0xFFF8) == 0;
                    proto = u8(tp);
                    tp = first ? tp + 8 : capEnd;
                } else {
                    break;
                }
            }
        } else {
            return;
        }
        out.innerIpVersion = v;
        out.innerProto = proto;
        if ((proto == 6 || proto == 17) && capEnd - tp >= 4) {
            out.innerSrcPort = u16(tp);
            out.innerDstPort = u16(tp + 2);
        }
    }

    private boolean transportSumOk(int proto, int tp, int len) {
        long sum = Checksum.sum(b, tp, tp + len);
        if (out.ipVersion == 4) {
            sum += (out.srcLo & 0xFFFF_FFFFL) + (out.dstLo & 0xFFFF_FFFFL);
        } else {
            sum = Checksum.addAddress(out.srcHi, out.srcLo, sum);
            sum = Checksum.addAddress(out.dstHi, out.dstLo, sum);
        }
        sum += proto + len;
        return Checksum.fold(sum) == 0xFFFF;
    }

    private void badChecksum() {
        out.badChecksum = true;
        badChecksums++;
    }

    private boolean skip(SkipReason reason) {
        skipped[reason.ordinal()]++;
        return false;
    }

    // ---------------------------------------------------------------- reads

    private int u8(int i) {
        return b.get(i) & 0xFF;
    }

    private int u16(int i) {
        short v = b.getShort(i);
        return (bigEndian ? v : Short.reverseBytes(v)) & 0xFFFF;
    }

    private long u32(int i) {
        int v = b.getInt(i);
        return (bigEndian ? v : Integer.reverseBytes(v)) & 0xFFFF_FFFFL;
    }

    private long u64(int i) {
        long v = b.getLong(i);
        return bigEndian ? v : Long.reverseBytes(v);
    }
}
