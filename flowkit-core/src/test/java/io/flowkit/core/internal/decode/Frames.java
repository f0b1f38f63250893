package io.flowkit.core.internal.decode;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Builds frames byte by byte for decoder tests. Checksums are computed with a deliberately
 * naive implementation (byte pairs into an int), independent of {@link Checksum}.
 */
final class Frames {
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;
    static final int ICMP6 = 58;

    static final int SYN = 0x02;
    static final int ACK = 0x10;

    private Frames() {
    }

    static byte[] addr(String s) {
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    static void put32(byte[] b, int i, long v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    /** Naive one's complement sum of byte pairs, folded, complemented. */
    static int internetChecksum(byte[]... parts) {
        byte[] all = concat(parts);
        int sum = 0;
        for (int i = 0; i < all.length; i += 2) {
            int hi = all[i] & 0xFF;
            int lo = i + 1 < all.length ? all[i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    // ------------------------------------------------------------------ transport

    static byte[] tcp(int sport, int dport, long seq, long ack, int flags, int window, byte[] payload) {
        byte[] h = new byte[20];
        put16(h, 0, sport);
        put16(h, 2, dport);
        put32(h, 4, seq);
        put32(h, 8, ack);
        h[12] = (byte) (5 << 4);
        h[13] = (byte) flags;
        put16(h, 14, window);
        return concat(h, payload);
    }

    static byte[] tcpWithOptions(int sport, int dport, int flags, byte[] options, byte[] payload) {
        byte[] h = tcp(sport, dport, 1000, 0, flags, 1024, new byte[0]);
        h[12] = (byte) (((20 + options.length) / 4) << 4);
        return concat(h, options, payload);
    }

    static byte[] udp(int sport, int dport, byte[] payload) {
        byte[] h = new byte[8];
        put16(h, 0, sport);
        put16(h, 2, dport);
        put16(h, 4, 8 + payload.length);
        return concat(h, payload);
    }

    static byte[] icmp(int type, int code, byte[] rest) {
        byte[] h = new byte[4];
        h[0] = (byte) type;
        h[1] = (byte) code;
        return concat(h, rest);
    }

    private static int checksumOffset(int proto) {
        switch (proto) {
            case TCP:
                return 16;
            case UDP:
                return 6;
            case ICMP:
            case ICMP6:
                return 2;
            default:
                return -1;
        }
    }

    /** Fills the transport checksum of {@code l4} (in place) for the given addresses. */
    static byte[] withChecksum(byte[] src, byte[] dst, int proto, byte[] l4) {
        int at = checksumOffset(proto);
        if (at < 0 || l4.length < at + 2) {
            return l4;
        }
        put16(l4, at, 0);
        int sum;
        if (proto == ICMP) {
            sum = internetChecksum(l4);
        } else {
            byte[] pseudo = new byte[src.length == 4 ? 12 : 40];
            if (src.length == 4) {
                System.arraycopy(src, 0, pseudo, 0, 4);
                System.arraycopy(dst, 0, pseudo, 4, 4);
                pseudo[9] = (byte) proto;
                put16(pseudo, 10, l4.length);
            } else {
                System.arraycopy(src, 0, pseudo, 0, 16);
                System.arraycopy(dst, 0, pseudo, 16, 16);
                put32(pseudo, 32, l4.length);
                pseudo[39] = (byte) proto;
            }
            sum = internetChecksum(pseudo, l4);
            if (proto == UDP && sum == 0) {
                sum = 0xFFFF;
            }
        }
        put16(l4, at, sum);
        return l4;
    }

    // ------------------------------------------------------------------ IP

    /** An IPv4 packet with correct header and transport checksums. */
    static byte[] ipv4(String src, String dst, int proto, byte[] l4) {
        return ipv4(src, dst, proto, 0x1234, 0, false, new byte[0], withChecksum(addr(src), addr(dst), proto, l4.clone()));
    }

    /** An IPv4 packet or fragment; {@code payload} is used as is, the header checksum is right. */
    static byte[] ipv4(String src, String dst, int proto, int id, int fragOffsetBytes, boolean more, byte[] options,
                       byte[] payload) {
        int hl = 20 + options.length;
        byte[] h = new byte[hl];
        h[0] = (byte) (0x40 | (hl / 4));
        put16(h, 2, hl + payload.length);
        put16(h, 4, id);
        put16(h, 6, (more ? 0x2000 : 0) | (fragOffsetBytes / 8));
        h[8] = 64;
        h[9] = (byte) proto;
        System.arraycopy(addr(src), 0, h, 12, 4);
        System.arraycopy(addr(dst), 0, h, 16, 4);
        System.arraycopy(options, 0, h, 20, options.length);
        put16(h, 10, internetChecksum(h));
        return concat(h, payload);
    }

    /** Recomputes the IPv4 header checksum of a raw IPv4 packet (at index 0). */
    static void fixIpv4Checksum4(byte[] f) {
        int hl = Math.max(20, Math.min((f[0] & 0x0F) * 4, f.length));
        put16(f, 10, 0);
        byte[] h = new byte[hl];
        System.arraycopy(f, 0, h, 0, hl);
        put16(f, 10, internetChecksum(h));
    }

    /** An IPv6 packet with a correct transport checksum. */
    static byte[] ipv6(String src, String dst, int proto, byte[] l4) {
        return ipv6(src, dst, proto, new byte[0], withChecksum(addr(src), addr(dst), proto, l4.clone()));
    }

    /** An IPv6 packet whose payload is {@code ext} (extension headers, already chained) then {@code rest}. */
    static byte[] ipv6(String src, String dst, int firstNextHeader, byte[] ext, byte[] rest) {
        byte[] h = new byte[40];
        h[0] = 0x60;
        put16(h, 4, ext.length + rest.length);
        h[6] = (byte) firstNextHeader;
        h[7] = 64;
        System.arraycopy(addr(src), 0, h, 8, 16);
        System.arraycopy(addr(dst), 0, h, 24, 16);
        return concat(h, ext, rest);
    }

    /** An IPv6 extension header (hop-by-hop, destination options, routing) of 8*(units+1) bytes. */
    static byte[] ext(int next, int units, byte[] body) {
        byte[] h = new byte[8 * (units + 1)];
        h[0] = (byte) next;
        h[1] = (byte) units;
        System.arraycopy(body, 0, h, 2, Math.min(body.length, h.length - 2));
        return h;
    }

    static byte[] fragmentHeader(int next, int offsetBytes, boolean more, long id) {
        byte[] h = new byte[8];
        h[0] = (byte) next;
        put16(h, 2, (offsetBytes & 0xFFF8) | (more ? 1 : 0));
        put32(h, 4, id);
        return h;
    }

    // ------------------------------------------------------------------ link

    static byte[] ether(int type, byte[] payload) {
        byte[] h = new byte[14];
        for (int i = 0; i < 6; i++) {
            h[i] = (byte) (0x02 + i);
            h[6 + i] = (byte) (0x12 + i);
        }
        put16(h, 12, type);
        return concat(h, payload);
    }

    /** A VLAN tag (TCI then the next EtherType), to follow an EtherType 0x8100/0x88A8/0x9100. */
    static byte[] vlanTag(int id, int nextType) {
        byte[] t = new byte[4];
        put16(t, 0, 0x2000 | id);
        put16(t, 2, nextType);
        return t;
    }
}
