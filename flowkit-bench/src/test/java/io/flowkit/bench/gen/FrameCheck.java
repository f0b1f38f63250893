package io.flowkit.bench.gen;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Decodes an Ethernet frame in the test, independently of {@link FrameBuilder}, and checks it:
 * EtherType, IP version and header length, IPv4 header checksum, IP length against the frame,
 * zero padding, transport lengths and the TCP, UDP, ICMP and ICMPv6 checksums. A frame that
 * fails any check throws {@link AssertionError} saying which.
 */
final class FrameCheck {
    /** What the test needs to recount a flow: the 5-tuple and the sizes Zeek counts. */
    record Packet(int ipVersion, int proto, InetAddress src, int srcPort, InetAddress dst, int dstPort,
                  int ipLength, int payloadLength, int tcpFlags, long seq, long ack) {
        /** A direction-free key: the two endpoints in a fixed order; ICMP by addresses alone. */
        String key() {
            boolean icmp = proto == 1 || proto == 58;
            String a = src.getHostAddress() + "/" + (icmp ? 0 : srcPort);
            String b = dst.getHostAddress() + "/" + (icmp ? 0 : dstPort);
            return proto + " " + (a.compareTo(b) < 0 ? a + " " + b : b + " " + a);
        }
    }

    private FrameCheck() {
    }

    static Packet decode(byte[] f) {
        check(f.length >= 60, "frame shorter than Ethernet's 60-byte minimum: " + f.length);
        int type = u16(f, 12);
        if (type == 0x0800) {
            return ipv4(f, 14);
        }
        check(type == 0x86DD, "unexpected EtherType " + Integer.toHexString(type));
        return ipv6(f, 14);
    }

    private static Packet ipv4(byte[] f, int ip) {
        check((f[ip] & 0xF0) == 0x40, "IPv4 version nibble");
        int ihl = (f[ip] & 0x0F) * 4;
        check(ihl == 20, "IPv4 header length " + ihl);
        int total = u16(f, ip + 2);
        check(ip + total <= f.length, "IPv4 total length " + total + " beyond frame " + f.length);
        check(ip + total == f.length || f.length == 60, "bytes after the IP packet in a frame longer than 60");
        zeroAfter(f, ip + total);
        check(sum(f, ip, ihl, 0) == 0xFFFF, "IPv4 header checksum");
        check((u16(f, ip + 6) & 0x3FFF) == 0, "IPv4 fragment");
        int proto = f[ip + 9] & 0xFF;
        long pseudo = sumWords(f, ip + 12, 8) + proto + (total - ihl);
        InetAddress src = addr(f, ip + 12, 4);
        InetAddress dst = addr(f, ip + 16, 4);
        return transport(f, 4, proto, src, dst, ip + ihl, total - ihl, total, pseudo);
    }

    private static Packet ipv6(byte[] f, int ip) {
        check((f[ip] & 0xF0) == 0x60, "IPv6 version nibble");
        int payload = u16(f, ip + 4);
        check(ip + 40 + payload <= f.length, "IPv6 payload length beyond frame");
        check(ip + 40 + payload == f.length || f.length == 60, "bytes after the IPv6 packet in a frame longer than 60");
        zeroAfter(f, ip + 40 + payload);
        int proto = f[ip + 6] & 0xFF;
        long pseudo = sumWords(f, ip + 8, 32) + proto + payload;
        InetAddress src = addr(f, ip + 8, 16);
        InetAddress dst = addr(f, ip + 24, 16);
        return transport(f, 6, proto, src, dst, ip + 40, payload, 40 + payload, pseudo);
    }

    private static Packet transport(byte[] f, int version, int proto, InetAddress src, InetAddress dst, int l4,
                                    int l4Length, int ipLength, long pseudo) {
        switch (proto) {
            case 6 -> {
                check(l4Length >= 20, "TCP shorter than its header");
                int off = ((f[l4 + 12] & 0xF0) >>> 4) * 4;
                check(off >= 20 && off <= l4Length, "TCP data offset " + off);
                check(sum(f, l4, l4Length, pseudo) == 0xFFFF, "TCP checksum");
                return new Packet(version, 6, src, u16(f, l4), dst, u16(f, l4 + 2), ipLength, l4Length - off,
                        f[l4 + 13] & 0xFF, u32(f, l4 + 4), u32(f, l4 + 8));
            }
            case 17 -> {
                check(u16(f, l4 + 4) == l4Length, "UDP length " + u16(f, l4 + 4) + " vs IP " + l4Length);
                check(u16(f, l4 + 6) != 0, "UDP checksum missing");
                check(sum(f, l4, l4Length, pseudo) == 0xFFFF, "UDP checksum");
                return new Packet(version, 17, src, u16(f, l4), dst, u16(f, l4 + 2), ipLength, l4Length - 8, 0, 0, 0);
            }
            case 1, 58 -> {
                check((proto == 1) == (version == 4), "ICMP version mismatch");
                check(sum(f, l4, l4Length, proto == 58 ? pseudo : 0) == 0xFFFF, "ICMP checksum");
                int type = f[l4] & 0xFF;
                check(type == 8 || type == 0 || type == 128 || type == 129, "not an echo: type " + type);
                return new Packet(version, proto, src, type, dst, f[l4 + 1] & 0xFF, ipLength, l4Length - 8, 0, 0, 0);
            }
            default -> throw new AssertionError("unexpected IP protocol " + proto);
        }
    }

    private static void zeroAfter(byte[] f, int from) {
        for (int i = from; i < f.length; i++) {
            check(f[i] == 0, "non-zero Ethernet padding");
        }
    }

    /** One's-complement sum of the region plus {@code initial}, folded: 0xFFFF when a checksum verifies. */
    private static int sum(byte[] f, int from, int length, long initial) {
        long s = initial + sumWords(f, from, length);
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    private static long sumWords(byte[] f, int from, int length) {
        long s = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            s += u16(f, from + i);
        }
        if ((length & 1) != 0) {
            s += (f[from + length - 1] & 0xFF) << 8;
        }
        return s;
    }

    private static InetAddress addr(byte[] f, int at, int len) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(f, at, at + len));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static int u16(byte[] f, int at) {
        return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }

    static long u32(byte[] f, int at) {
        return ((long) u16(f, at) << 16) | u16(f, at + 2);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
