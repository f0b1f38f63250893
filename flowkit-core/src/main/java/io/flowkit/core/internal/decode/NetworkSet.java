package io.flowkit.core.internal.decode;

import io.flowkit.IpNetwork;
import java.util.List;

/**
 * A fixed set of IP networks matched against addresses in {@link PacketView}'s 128-bit form
 * (IPv4 addresses IPv4-mapped), without allocation.
 *
 * <p>An IPv4 network {@code a.b.c.d/p} becomes the IPv6 network {@code ::ffff:a.b.c.d/(96+p)},
 * so one masked comparison serves both families and an IPv4 network never matches a native
 * IPv6 address. Matching is a linear scan: cost O(networks) per lookup, which suits the handful
 * of networks a configuration names.
 */
public final class NetworkSet {
    private final long[] hi;
    private final long[] lo;
    private final long[] maskHi;
    private final long[] maskLo;

    /**
     * Builds the set.
     *
     * @param networks the networks; the list is copied
     */
    public NetworkSet(List<IpNetwork> networks) {
        int n = networks.size();
        hi = new long[n];
        lo = new long[n];
        maskHi = new long[n];
        maskLo = new long[n];
        for (int i = 0; i < n; i++) {
            IpNetwork net = networks.get(i);
            byte[] a = net.address();
            int prefix = net.prefixLength();
            byte[] full = new byte[16];
            if (a.length == 4) {
                full[10] = (byte) 0xFF;
                full[11] = (byte) 0xFF;
                System.arraycopy(a, 0, full, 12, 4);
                prefix += 96;
            } else {
                System.arraycopy(a, 0, full, 0, 16);
            }
            long h = 0;
            long l = 0;
            for (int k = 0; k < 8; k++) {
                h = (h << 8) | (full[k] & 0xFF);
                l = (l << 8) | (full[k + 8] & 0xFF);
            }
            maskHi[i] = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
            maskLo[i] = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
            hi[i] = h & maskHi[i];
            lo[i] = l & maskLo[i];
        }
    }

    /**
     * Tells whether an address lies in one of the networks.
     *
     * @param addrHi high 64 bits of the address
     * @param addrLo low 64 bits of the address
     * @return {@code true} on a match
     */
    public boolean contains(long addrHi, long addrLo) {
        for (int i = 0; i < hi.length; i++) {
            if ((addrHi & maskHi[i]) == hi[i] && (addrLo & maskLo[i]) == lo[i]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Tells whether the set is empty.
     *
     * @return {@code true} without networks
     */
    public boolean isEmpty() {
        return hi.length == 0;
    }
}
