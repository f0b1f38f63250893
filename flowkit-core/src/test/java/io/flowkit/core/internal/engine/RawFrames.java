package io.flowkit.core.internal.engine;

import java.nio.ByteBuffer;

/** Builds raw IPv4 frames (LINKTYPE_RAW) into one buffer, for tests that run whole trackers. */
final class RawFrames {
    private RawFrames() {
    }

    /**
     * Writes an IPv4/TCP packet without options at {@code off}; transport checksums are left zero
     * (run the tracker with checksums ignored), the IPv4 header checksum is correct.
     *
     * @return the frame length
     */
    static int tcp(ByteBuffer b, int off, int src, int dst, int sport, int dport, int flags, int seq, int ack,
                   int payload) {
        int len = 40 + payload;
        ipv4(b, off, src, dst, 6, len);
        int t = off + 20;
        b.putShort(t, (short) sport);
        b.putShort(t + 2, (short) dport);
        b.putInt(t + 4, seq);
        b.putInt(t + 8, ack);
        b.put(t + 12, (byte) 0x50);
        b.put(t + 13, (byte) flags);
        b.putShort(t + 14, (short) 8192);
        b.putShort(t + 16, (short) 0);
        b.putShort(t + 18, (short) 0);
        for (int i = 0; i < payload; i++) {
            b.put(t + 20 + i, (byte) i);
        }
        return len;
    }

    /** Writes an IPv4/UDP packet at {@code off}; returns the frame length. */
    static int udp(ByteBuffer b, int off, int src, int dst, int sport, int dport, int payload) {
        int len = 28 + payload;
        ipv4(b, off, src, dst, 17, len);
        int u = off + 20;
        b.putShort(u, (short) sport);
        b.putShort(u + 2, (short) dport);
        b.putShort(u + 4, (short) (8 + payload));
        b.putShort(u + 6, (short) 0);
        return len;
    }

    /**
     * Writes the first fragment (offset 0, more fragments) of an IPv4/UDP datagram at {@code off};
     * the rest never comes, so the datagram waits in reassembly.
     *
     * @return the frame length
     */
    static int firstFragment(ByteBuffer b, int off, int src, int dst, int id, int payload) {
        int len = 20 + payload;
        ipv4(b, off, src, dst, 17, len);
        b.putShort(off + 4, (short) id);
        b.putShort(off + 6, (short) 0x2000);
        fixChecksum(b, off);
        for (int i = 0; i < payload; i++) {
            b.put(off + 20 + i, (byte) i);
        }
        return len;
    }

    private static void ipv4(ByteBuffer b, int off, int src, int dst, int proto, int totalLength) {
        b.put(off, (byte) 0x45);
        b.put(off + 1, (byte) 0);
        b.putShort(off + 2, (short) totalLength);
        b.putInt(off + 4, 0);
        b.put(off + 8, (byte) 64);
        b.put(off + 9, (byte) proto);
        b.putShort(off + 10, (short) 0);
        b.putInt(off + 12, src);
        b.putInt(off + 16, dst);
        fixChecksum(b, off);
    }

    /** Recomputes the IPv4 header checksum after a test changed the header. */
    static void fixChecksum(ByteBuffer b, int off) {
        b.putShort(off + 10, (short) 0);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(off + i) & 0xFFFF;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        b.putShort(off + 10, (short) ~sum);
    }
}
