package io.flowkit;

/** The transport of a connection, named as Zeek's {@code proto} column names it. */
public enum Protocol {
    /** TCP (IP protocol 6). */
    TCP("tcp"),
    /** UDP (IP protocol 17). */
    UDP("udp"),
    /** ICMP or ICMPv6 (IP protocols 1 and 58); "ports" are type and code. */
    ICMP("icmp"),
    /** Any other IP protocol, tracked per address pair and protocol number with ports 0. */
    UNKNOWN_TRANSPORT("unknown_transport");

    private final String zeekName;

    Protocol(String zeekName) {
        this.zeekName = zeekName;
    }

    /**
     * Returns the name as Zeek logs it.
     *
     * @return {@code tcp}, {@code udp}, {@code icmp} or {@code unknown_transport}
     */
    public String zeekName() {
        return zeekName;
    }

    /**
     * Parses a protocol name as written on command lines and in port specifications.
     *
     * @param name {@code tcp}, {@code udp}, {@code icmp} (any case)
     * @return the protocol
     * @throws IllegalArgumentException if the name is not one of them
     */
    public static Protocol parse(String name) {
        for (Protocol p : values()) {
            if (p.zeekName.equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol '" + name + "' (expected tcp, udp or icmp)");
    }
}
