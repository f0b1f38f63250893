package io.flowkit.core.internal.scan;

import io.flowkit.IpNetwork;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses as two longs, the layout of {@code PacketView}: 128 bits, IPv4 stored IPv4-mapped
 * ({@code hi == 0}, {@code lo == 0xFFFF_0000_0000L | v4}), so one key serves both families.
 *
 * <p>Reading an {@link Inet4Address} costs no allocation: its {@code hashCode()} is its 32-bit
 * address (true of every OpenJDK release; {@code Ip128Test} checks it against
 * {@code getAddress()}). An IPv6 address is read through {@code getAddress()}, which copies.
 */
final class Ip128 {
    static final long V4_MAPPED = 0xFFFF_0000_0000L;

    private Ip128() {
    }

    static long hi(InetAddress a) {
        if (a instanceof Inet4Address) {
            return 0;
        }
        byte[] b = a.getAddress();
        return word(b, 0);
    }

    static long lo(InetAddress a) {
        if (a instanceof Inet4Address) {
            return V4_MAPPED | (a.hashCode() & 0xFFFF_FFFFL);
        }
        byte[] b = a.getAddress();
        return word(b, 8);
    }

    private static long word(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    static boolean isV4(long hi, long lo) {
        return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == V4_MAPPED;
    }

    /** Builds the address object; called when an event is made, never per attempt. */
    static InetAddress toInetAddress(long hi, long lo) {
        try {
            if (isV4(hi, lo)) {
                int v = (int) lo;
                return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always a valid address", e);
        }
    }

    /**
     * A network compiled to a 128-bit value and mask; an IPv4 network becomes the IPv4-mapped
     * network with 96 more prefix bits, so it matches exactly the IPv4 addresses it contains.
     */
    static final class Net {
        final long hi;
        final long lo;
        final long maskHi;
        final long maskLo;

        Net(IpNetwork n) {
            byte[] a = n.address();
            int prefix = n.prefixLength();
            byte[] b = new byte[16];
            if (a.length == 4) {
                b[10] = (byte) 0xFF;
                b[11] = (byte) 0xFF;
                System.arraycopy(a, 0, b, 12, 4);
                prefix += 96;
            } else {
                System.arraycopy(a, 0, b, 0, 16);
            }
            maskHi = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
            maskLo = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
            hi = word(b, 0) & maskHi;
            lo = word(b, 8) & maskLo;
        }

        boolean contains(long addrHi, long addrLo) {
            return (addrHi & maskHi) == hi && (addrLo & maskLo) == lo;
        }
    }
}
