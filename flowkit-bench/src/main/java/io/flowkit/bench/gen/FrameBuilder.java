package io.flowkit.bench.gen;

import java.util.SplittableRandom;

/**
 * Builds Ethernet frames carrying IPv4 or IPv6 with TCP, UDP or ICMP echo into one reused
 * buffer, with every checksum correct.
 *
 * <p>Payload bytes come from one fixed pseudo-random pattern: a payload of length {@code n} is
 * the pattern's first {@code n} bytes. That makes the payload's share of the transport checksum
 * a table lookup ({@link #patternSum}: the one's-complement sum of the pattern's 16-bit words up
 * to each even length), so building a frame costs time in its headers only, not its length. The
 * transport headers used here (8, 20 or 32 bytes) all have even lengths, so the payload always
 * starts on a 16-bit word boundary of the checksum. Frames shorter than Ethernet's 60-byte
 * minimum are padded with zeros after the IP packet, as a NIC does; the padding is not part of
 * the IP length.
 *
 * <p>A UDP datagram larger than a frame ({@link #udpDatagram}) is sent as IP fragments cut for a
 * {@value #MTU}-byte MTU ({@link #fragment}): IPv4 fragments share one identification and carry
 * more-fragments on all but the last, IPv6 fragments carry a fragment header; the UDP checksum
 * covers the whole datagram, as a sender computes it before fragmenting.
 *
 * <p>Addresses are passed as two longs: IPv6 as high and low 64 bits, IPv4 as the low 32 bits of
 * {@code lo} (with {@code hi} ignored). MAC addresses are derived from the IP addresses
 * ({@code 02:00} followed by the address's low 32 bits) so each host keeps one MAC.
 */
final class FrameBuilder {
    static final int ETH_HEADER = 14;
    static final int IPV4_HEADER = 20;
    static final int IPV6_HEADER = 40;
    static final int TCP_HEADER = 20;
    static final int TCP_SYN_OPTIONS = 12;
    static final int UDP_HEADER = 8;
    static final int ICMP_ECHO_HEADER = 8;
    /** Longest payload any frame carries (fits a 1500-byte MTU with IPv4 and UDP). */
    static final int MAX_PAYLOAD = 1472;
    /** Longest UDP payload of a fragmented datagram (an EDNS DNS answer, an NFS read). */
    static final int MAX_DATAGRAM_PAYLOAD = 8192;
    /** The link MTU fragments are cut for. */
    static final int MTU = 1500;
    static final int IPV6_FRAGMENT_HEADER = 8;
    static final int MIN_FRAME = 60;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    private static final byte[] PATTERN = new byte[MAX_DATAGRAM_PAYLOAD];
    /** patternSum[k] = one's-complement-style sum (unfolded) of the pattern's first k 16-bit words. */
    private static final long[] PATTERN_SUM = new long[MAX_DATAGRAM_PAYLOAD / 2 + 1];

    static {
        SplittableRandom r = new SplittableRandom(0x5EED_F10E_C17EL);
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) r.nextInt(256);
        }
        for (int k = 1; k < PATTERN_SUM.length; k++) {
            PATTERN_SUM[k] = PATTERN_SUM[k - 1] + (((PATTERN[2 * k - 2] & 0xFF) << 8) | (PATTERN[2 * k - 1] & 0xFF));
        }
    }

    private final byte[] frame = new byte[ETH_HEADER + IPV6_HEADER + TCP_HEADER + TCP_SYN_OPTIONS + MAX_PAYLOAD];
    private int ipId;
    /** The datagram {@link #fragment} cuts: UDP header and payload. */
    private final byte[] datagram = new byte[UDP_HEADER + MAX_DATAGRAM_PAYLOAD];
    private int datagramLength;
    private boolean datagramV6;
    private long datagramSrcHi;
    private long datagramSrcLo;
    private long datagramDstHi;
    private long datagramDstLo;
    private int datagramId;
    private int fragmentData;
    private int ipv6FragmentId;
    /** IP-level length of the last frame built (IPv4 total length, IPv6 payload length + 40). */
    int ipLength;

    byte[] frame() {
        return frame;
    }

    /**
     * Builds a TCP segment. SYN segments (with or without ACK) carry MSS, window-scale and
     * SACK-permitted options.
     *
     * @return the frame length
     */
    int tcp(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort,
            long seq, long ack, int flags, int window, int mss, int payloadLength) {
        int options = (flags & SYN) != 0 ? TCP_SYN_OPTIONS : 0;
        int l4 = ip(v6, srcHi, srcLo, dstHi, dstLo, 6, TCP_HEADER + options + payloadLength);
        byte[] f = frame;
        putShort(l4, srcPort);
        putShort(l4 + 2, dstPort);
        putInt(l4 + 4, (int) seq);
        putInt(l4 + 8, (flags & ACK) != 0 ? (int) ack : 0);
        f[l4 + 12] = (byte) (((TCP_HEADER + options) / 4) << 4);
        f[l4 + 13] = (byte) flags;
        putShort(l4 + 14, window);
        putShort(l4 + 16, 0);
        putShort(l4 + 18, 0);
        if (options != 0) {
            int o = l4 + TCP_HEADER;
            f[o] = 2;               // MSS
            f[o + 1] = 4;
            putShort(o + 2, mss);
            f[o + 4] = 1;           // NOP
            f[o + 5] = 3;           // window scale 7
            f[o + 6] = 3;
            f[o + 7] = 7;
            f[o + 8] = 4;           // SACK permitted
            f[o + 9] = 2;
            f[o + 10] = 1;          // NOP, NOP
            f[o + 11] = 1;
        }
        int header = TCP_HEADER + options;
        System.arraycopy(PATTERN, 0, f, l4 + header, payloadLength);
        long sum = pseudoHeaderSum(v6, l4, 6, header + payloadLength) + sumBytes(l4, header) + patternSum(payloadLength);
        putShort(l4 + 16, fold(sum));
        return finish(l4 + header + payloadLength);
    }

    /** Builds a UDP datagram; returns the frame length. */
    int udp(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int payloadLength) {
        int length = UDP_HEADER + payloadLength;
        int l4 = ip(v6, srcHi, srcLo, dstHi, dstLo, 17, length);
        putShort(l4, srcPort);
        putShort(l4 + 2, dstPort);
        putShort(l4 + 4, length);
        putShort(l4 + 6, 0);
        System.arraycopy(PATTERN, 0, frame, l4 + UDP_HEADER, payloadLength);
        long sum = pseudoHeaderSum(v6, l4, 17, length) + sumBytes(l4, UDP_HEADER) + patternSum(payloadLength);
        int c = fold(sum);
        putShort(l4 + 6, c == 0 ? 0xFFFF : c);
        return finish(l4 + length);
    }

    /**
     * Prepares a UDP datagram for {@link #fragment}: its header, payload and checksum. Sets
     * {@link #ipLength} to the reassembled datagram's IP length (for IPv6 without the fragment
     * header, which reassembly removes).
     *
     * @param payloadLength the UDP payload, up to {@value #MAX_DATAGRAM_PAYLOAD} bytes
     * @return how many fragments the datagram takes
     */
    int udpDatagram(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort,
                    int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_DATAGRAM_PAYLOAD) {
            throw new IllegalArgumentException("datagram payload must be 0.." + MAX_DATAGRAM_PAYLOAD + ": " + payloadLength);
        }
        int length = UDP_HEADER + payloadLength;
        byte[] d = datagram;
        d[0] = (byte) (srcPort >>> 8);
        d[1] = (byte) srcPort;
        d[2] = (byte) (dstPort >>> 8);
        d[3] = (byte) dstPort;
        d[4] = (byte) (length >>> 8);
        d[5] = (byte) length;
        d[6] = 0;
        d[7] = 0;
        System.arraycopy(PATTERN, 0, d, UDP_HEADER, payloadLength);
        long addresses = v6 ? words(srcHi) + words(srcLo) + words(dstHi) + words(dstLo)
                            : words(srcLo & 0xFFFF_FFFFL) + words(dstLo & 0xFFFF_FFFFL);
        // pseudo-header (addresses, protocol, length), then the UDP header's words and the payload
        long sum = addresses + 17 + length + srcPort + dstPort + length + patternSum(payloadLength);
        int c = fold(sum);
        d[6] = (byte) ((c == 0 ? 0xFFFF : c) >>> 8);
        d[7] = (byte) (c == 0 ? 0xFFFF : c);
        datagramLength = length;
        datagramV6 = v6;
        datagramSrcHi = srcHi;
        datagramSrcLo = srcLo;
        datagramDstHi = dstHi;
        datagramDstLo = dstLo;
        if (v6) {
            datagramId = ipv6FragmentId++;
            fragmentData = (MTU - IPV6_HEADER - IPV6_FRAGMENT_HEADER) & ~7;
        } else {
            datagramId = ipId;
            ipId = (ipId + 1) & 0xFFFF;
            fragmentData = (MTU - IPV4_HEADER) & ~7;
        }
        ipLength = (v6 ? IPV6_HEADER : IPV4_HEADER) + length;
        return (length + fragmentData - 1) / fragmentData;
    }

    /**
     * Builds fragment {@code i} of the datagram {@link #udpDatagram} prepared.
     *
     * @return the frame length
     */
    int fragment(int i) {
        int offset = i * fragmentData;
        if (i < 0 || offset >= datagramLength) {
            throw new IllegalArgumentException("no fragment " + i + " of a " + datagramLength + "-byte datagram");
        }
        int len = Math.min(fragmentData, datagramLength - offset);
        boolean more = offset + len < datagramLength;
        int data;
        if (!datagramV6) {
            data = ipv4(datagramSrcLo, datagramDstLo, 17, IPV4_HEADER + len, datagramId,
                    (more ? 0x2000 : 0) | offset / 8);
        } else {
            int h = ipv6(datagramSrcHi, datagramSrcLo, datagramDstHi, datagramDstLo, 44, IPV6_FRAGMENT_HEADER + len);
            byte[] f = frame;
            f[h] = 17;
            f[h + 1] = 0;
            putShort(h + 2, offset | (more ? 1 : 0));
            putInt(h + 4, datagramId);
            data = h + IPV6_FRAGMENT_HEADER;
        }
        System.arraycopy(datagram, offset, frame, data, len);
        return finish(data + len);
    }

    /** Sum of the four 16-bit words of {@code v}. */
    private static long words(long v) {
        return (v >>> 48) + (v >>> 32 & 0xFFFF) + (v >>> 16 & 0xFFFF) + (v & 0xFFFF);
    }

    /**
     * Builds an ICMP (IPv4) or ICMPv6 echo request or reply; returns the frame length.
     *
     * @param request {@code true} for a request (type 8 or 128), {@code false} for a reply (0 or 129)
     */
    int icmpEcho(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, boolean request, int id, int sequence,
                 int payloadLength) {
        int proto = v6 ? 58 : 1;
        int length = ICMP_ECHO_HEADER + payloadLength;
        int l4 = ip(v6, srcHi, srcLo, dstHi, dstLo, proto, length);
        byte[] f = frame;
        f[l4] = (byte) (v6 ? (request ? 128 : 129) : (request ? 8 : 0));
        f[l4 + 1] = 0;
        putShort(l4 + 2, 0);
        putShort(l4 + 4, id);
        putShort(l4 + 6, sequence);
        System.arraycopy(PATTERN, 0, f, l4 + ICMP_ECHO_HEADER, payloadLength);
        long sum = sumBytes(l4, ICMP_ECHO_HEADER) + patternSum(payloadLength);
        if (v6) {
            sum += pseudoHeaderSum(true, l4, 58, length);   // ICMPv6 covers a pseudo-header, ICMPv4 does not
        }
        putShort(l4 + 2, fold(sum));
        return finish(l4 + length);
    }

    /** Writes the Ethernet and IP headers; returns the index of the transport header. */
    private int ip(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, int proto, int l4Length) {
        if (!v6) {
            ipLength = IPV4_HEADER + l4Length;
            int id = ipId;
            ipId = (ipId + 1) & 0xFFFF;
            return ipv4(srcLo, dstLo, proto, ipLength, id, 0x4000);   // don't fragment
        }
        ipLength = IPV6_HEADER + l4Length;
        return ipv6(srcHi, srcLo, dstHi, dstLo, proto, l4Length);
    }

    /**
     * Writes the Ethernet header and an IPv4 header with its checksum.
     *
     * @param flagsOffset the flags and fragment offset word
     * @return the index after the IPv4 header
     */
    private int ipv4(long srcLo, long dstLo, int proto, int totalLength, int id, int flagsOffset) {
        ethernet(srcLo, dstLo, 0x0800);
        byte[] f = frame;
        int ip = ETH_HEADER;
        f[ip] = 0x45;
        f[ip + 1] = 0;
        putShort(ip + 2, totalLength);
        putShort(ip + 4, id);
        putShort(ip + 6, flagsOffset);
        f[ip + 8] = 64;
        f[ip + 9] = (byte) proto;
        putShort(ip + 10, 0);
        putInt(ip + 12, (int) srcLo);
        putInt(ip + 16, (int) dstLo);
        putShort(ip + 10, fold(sumBytes(ip, IPV4_HEADER)));
        return ip + IPV4_HEADER;
    }

    /**
     * Writes the Ethernet header and an IPv6 header.
     *
     * @return the index after the IPv6 header
     */
    private int ipv6(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int payloadLength) {
        ethernet(srcLo, dstLo, 0x86DD);
        byte[] f = frame;
        int ip = ETH_HEADER;
        putInt(ip, 0x6000_0000);
        putShort(ip + 4, payloadLength);
        f[ip + 6] = (byte) nextHeader;
        f[ip + 7] = 64;
        putLong(ip + 8, srcHi);
        putLong(ip + 16, srcLo);
        putLong(ip + 24, dstHi);
        putLong(ip + 32, dstLo);
        return ip + IPV6_HEADER;
    }

    /** Ethernet: destination MAC, source MAC (derived from the addresses), EtherType. */
    private void ethernet(long srcLo, long dstLo, int etherType) {
        byte[] f = frame;
        f[0] = 2;
        f[1] = 0;
        putInt(2, (int) dstLo);
        f[6] = 2;
        f[7] = 0;
        putInt(8, (int) srcLo);
        putShort(12, etherType);
    }

    private int finish(int end) {
        if (end >= MIN_FRAME) {
            return end;
        }
        for (int i = end; i < MIN_FRAME; i++) {
            frame[i] = 0;
        }
        return MIN_FRAME;
    }

    /** Sum of the pseudo-header's 16-bit words; the addresses are read back from the IP header. */
    private long pseudoHeaderSum(boolean v6, int l4, int proto, int l4Length) {
        int ip = ETH_HEADER;
        return v6 ? sumBytes(ip + 8, 32) + proto + l4Length
                  : sumBytes(ip + 12, 8) + proto + l4Length;
    }

    private long sumBytes(int from, int length) {
        byte[] f = frame;
        long sum = 0;
        int end = from + length;
        for (int i = from; i < end; i += 2) {
            sum += ((f[i] & 0xFF) << 8) | (f[i + 1] & 0xFF);
        }
        return sum;
    }

    private static long patternSum(int length) {
        long sum = PATTERN_SUM[length >>> 1];
        if ((length & 1) != 0) {
            sum += (PATTERN[length - 1] & 0xFF) << 8;
        }
        return sum;
    }

    private static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) ~sum & 0xFFFF;
    }

    private void putShort(int at, int v) {
        frame[at] = (byte) (v >>> 8);
        frame[at + 1] = (byte) v;
    }

    private void putInt(int at, int v) {
        frame[at] = (byte) (v >>> 24);
        frame[at + 1] = (byte) (v >>> 16);
        frame[at + 2] = (byte) (v >>> 8);
        frame[at + 3] = (byte) v;
    }

    private void putLong(int at, long v) {
        putInt(at, (int) (v >>> 32));
        putInt(at + 4, (int) v);
    }
}
