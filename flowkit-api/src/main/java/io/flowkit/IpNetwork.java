package io.flowkit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}).
 * Immutable. Parsing never consults DNS.
 */
public final class IpNetwork {
    private final byte[] address;
    private final int prefixLength;

    private IpNetwork(byte[] address, int prefixLength) {
        this.address = address;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code address/prefix}; a bare address is a host network (/32 or /128). Host bits
     * set below the prefix are cleared, as routers do.
     *
     * @param cidr the network, e.g. {@code 192.168.0.0/16}
     * @return the network
     * @throws IllegalArgumentException if {@code cidr} is not a literal address with an optional
     *                                  prefix length within the address's width
     */
    public static IpNetwork parse(String cidr) {
        if (cidr == null || cidr.isBlank()) {
            throw new IllegalArgumentException("empty network (expected CIDR such as 10.0.0.0/8)");
        }
        String s = cidr.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = parseLiteral(addr, cidr);
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            try {
                prefix = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed network '" + cidr + "': prefix '" + p + "' is not a number");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("malformed network '" + cidr + "': prefix length must be 0.." + max);
            }
        }
        for (int bit = prefix; bit < max; bit++) {
            bytes[bit >>> 3] &= (byte) ~(0x80 >>> (bit & 7));
        }
        return new IpNetwork(bytes, prefix);
    }

    private static byte[] parseLiteral(String addr, String cidr) {
        boolean v6 = addr.indexOf(':') >= 0;
        boolean v4 = !v6 && addr.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.')
                && addr.chars().filter(c -> c == '.').count() == 3;
        if (v4) {
            String[] parts = addr.split("\\.", -1);
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || Integer.parseInt(parts[i]) > 255) {
                    throw new IllegalArgumentException("malformed network '" + cidr + "': bad IPv4 address");
                }
                b[i] = (byte) Integer.parseInt(parts[i]);
            }
            return b;
        }
        if (v6 && addr.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            try {
                // A literal containing ':' is never resolved through DNS.
                byte[] b = InetAddress.getByName(addr).getAddress();
                if (b.length == 16) {
                    return b;
                }
                // an IPv4-mapped literal (::ffff:a.b.c.d) comes back as 4 bytes; keep it IPv6
                byte[] m = new byte[16];
                m[10] = (byte) 0xFF;
                m[11] = (byte) 0xFF;
                System.arraycopy(b, 0, m, 12, 4);
                return m;
            } catch (UnknownHostException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("malformed network '" + cidr + "': not an IPv4 or IPv6 address");
    }

    /**
     * Returns the network address bytes (4 or 16), host bits cleared.
     *
     * @return a copy of the address
     */
    public byte[] address() {
        return address.clone();
    }

    /**
     * Returns the prefix length.
     *
     * @return 0..32 for IPv4, 0..128 for IPv6
     */
    public int prefixLength() {
        return prefixLength;
    }

    /**
     * Returns whether this is an IPv6 network.
     *
     * @return {@code true} for IPv6
     */
    public boolean isIpv6() {
        return address.length == 16;
    }

    /**
     * Tells whether the network contains an address.
     *
     * @param addr an address; an IPv4 address never matches an IPv6 network and vice versa
     * @return {@code true} if {@code addr} is inside the network
     */
    public boolean contains(InetAddress addr) {
        byte[] a = addr.getAddress();
        if (a.length != address.length) {
            return false;
        }
        int full = prefixLength >>> 3;
        for (int i = 0; i < full; i++) {
            if (a[i] != address[i]) {
                return false;
            }
        }
        int rem = prefixLength & 7;
        if (rem == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rem)) & 0xFF;
        return (a[full] & mask) == (address[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpNetwork && ((IpNetwork) o).prefixLength == prefixLength
                && Arrays.equals(((IpNetwork) o).address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + prefixLength;
    }

    @Override
    public String toString() {
        try {
            String host = InetAddress.getByAddress(address).getHostAddress().toLowerCase(Locale.ROOT);
            if (address.length == 16) {
                host = compress(host);
            }
            return host + "/" + prefixLength;
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Shortens the JDK's full IPv6 text form to RFC 5952 (longest zero run as {@code ::}). */
    static String compress(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bestStart; i++) {
            sb.append(i == 0 ? "" : ":").append(groups[i]);
        }
        sb.append("::");
        for (int i = bestStart + bestLen; i < groups.length; i++) {
            sb.append(groups[i]);
            if (i < groups.length - 1) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
