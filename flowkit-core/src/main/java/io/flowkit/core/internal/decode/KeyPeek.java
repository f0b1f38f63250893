package io.flowkit.core.internal.decode;

import io.flowkit.LinkType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the connection key of a frame's plain TCP or UDP packet without decoding it: the
 * addresses, the protocol and the ports, nothing else. A tracker uses it to learn which
 * connections the next frames belong to before it processes them, so that it can load their
 * state ahead (see {@code LookAhead} in the engine).
 *
 * <p><b>Caveats first.</b> A hint, not a decoder: it follows only the common case, Ethernet
 * (with up to two VLAN tags), raw IP or Linux SLL around an unfragmented IPv4 packet or an
 * IPv6 packet without extension headers, carrying TCP or UDP; anything else, and a buffer that
 * is not big-endian, is declined. It checks nothing that {@link Decoder} checks (lengths,
 * checksums, truncation), so a key it reads may belong to a packet the decoder then skips, and
 * a tunnelled packet yields its outer key. Whoever uses the key must only read with it, never
 * decide anything.
 *
 * <p><b>Contract.</b> Reads the buffer with absolute indexes inside {@code [offset, offset +
 * captureLength)} and the buffer's limit only; never throws on any bytes, keeps no state between
 * calls but the key fields, allocates nothing. IPv4 addresses are IPv4-mapped, as in
 * {@link PacketView}.
 *
 * <p><b>Cost.</b> A dozen bounds checks and reads of the frame's first 60 bytes or so.
 */
public final class KeyPeek {
    private static final int ETH_IPV4 = 0x0800;
    private static final int ETH_IPV6 = 0x86DD;
    private static final int MAX_TAGS = 2;

    /** IP protocol of the last key read: 6 or 17. */
    public int proto;
    /** Source address, high 64 bits. */
    public long srcHi;
    /** Source address, low 64 bits. */
    public long srcLo;
    /** Destination address, high 64 bits. */
    public long dstHi;
    /** Destination address, low 64 bits. */
    public long dstLo;
    /** Source port. */
    public int srcPort;
    /** Destination port. */
    public int dstPort;

    /**
     * Reads the key of a frame, if it is a plain TCP or UDP packet.
     *
     * @param linkType      the frame's {@code LINKTYPE_} value
     * @param buf           the buffer holding the frame
     * @param offset        index of the frame's first byte
     * @param captureLength captured bytes from {@code offset}
     * @return {@code true} if the key fields now hold the frame's key; {@code false} if the
     *         frame is not the common case (the fields are then unspecified)
     */
    public boolean read(int linkType, ByteBuffer buf, int offset, int captureLength) {
        if (offset < 0 || captureLength < 0 || offset > buf.limit() || buf.order() != ByteOrder.BIG_ENDIAN) {
            return false;
        }
        int end = (int) Math.min((long) offset + captureLength, buf.limit());
        switch (linkType) {
            case LinkType.ETHERNET:
                return end - offset >= 14 && etherType(buf, buf.getShort(offset + 12) & 0xFFFF, offset + 14, end);
            case LinkType.LINUX_SLL:
                return end - offset >= 16 && etherType(buf, buf.getShort(offset + 14) & 0xFFFF, offset + 16, end);
            case LinkType.RAW:
                return offset < end && ip(buf, (buf.get(offset) & 0xFF) >>> 4, offset, end);
            case LinkType.IPV4:
                return ip(buf, 4, offset, end);
            case LinkType.IPV6:
                return ip(buf, 6, offset, end);
            default:
                return false;
        }
    }

    private boolean etherType(ByteBuffer buf, int type, int p, int end) {
        for (int tags = 0; tags <= MAX_TAGS; tags++) {
            if (type == ETH_IPV4) {
                return ip(buf, 4, p, end);
            }
            if (type == ETH_IPV6) {
                return ip(buf, 6, p, end);
            }
            if ((type != 0x8100 && type != 0x88A8 && type != 0x9100) || end - p < 4) {
                return false;
            }
            type = buf.getShort(p + 2) & 0xFFFF;
            p += 4;
        }
        return false;
    }

    private boolean ip(ByteBuffer buf, int version, int p, int end) {
        if (version == 4) {
            if (end - p < 20) {
                return false;
            }
            int first = buf.get(p) & 0xFF;
            int hl = (first & 0x0F) * 4;
            if (first >>> 4 != 4 || hl < 20 || (buf.getShort(p + 6) & 0x3FFF) != 0) {
                return false;
            }
            srcHi = 0;
            srcLo = PacketView.IPV4_MAPPED_PREFIX | (buf.getInt(p + 12) & 0xFFFF_FFFFL);
            dstHi = 0;
            dstLo = PacketView.IPV4_MAPPED_PREFIX | (buf.getInt(p + 16) & 0xFFFF_FFFFL);
            return ports(buf, buf.get(p + 9) & 0xFF, p + hl, end);
        }
        if (version != 6 || end - p < 40 || (buf.get(p) & 0xF0) != 0x60) {
            return false;
        }
        srcHi = buf.getLong(p + 8);
        srcLo = buf.getLong(p + 16);
        dstHi = buf.getLong(p + 24);
        dstLo = buf.getLong(p + 32);
        return ports(buf, buf.get(p + 6) & 0xFF, p + 40, end);
    }

    private boolean ports(ByteBuffer buf, int protocol, int tp, int end) {
        if ((protocol != 6 && protocol != 17) || tp > end - 4) {
            return false;
        }
        proto = protocol;
        srcPort = buf.getShort(tp) & 0xFFFF;
        dstPort = buf.getShort(tp + 2) & 0xFFFF;
        return true;
    }
}
