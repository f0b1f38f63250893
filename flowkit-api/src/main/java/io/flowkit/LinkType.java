package io.flowkit;

/**
 * Link-layer header types, as the {@code LINKTYPE_} values of pcap and pcapng files
 * (tcpdump.org's link-layer header types registry). Live sources translate the platform's
 * {@code DLT_} values into these.
 */
public final class LinkType {
    /** BSD loopback: a 4-byte address family in the host's byte order. */
    public static final int NULL = 0;
    /** Ethernet (IEEE 802.3) and everything that looks like it. */
    public static final int ETHERNET = 1;
    /** PPP without HDLC framing (a 2-byte protocol field, optionally after FF 03). */
    public static final int PPP = 9;
    /** PPP in HDLC-like framing. */
    public static final int PPP_HDLC = 50;
    /** Raw IP: an IPv4 or IPv6 header with no link header. */
    public static final int RAW = 101;
    /** IEEE 802.11 wireless LAN. */
    public static final int IEEE802_11 = 105;
    /** OpenBSD loopback: a 4-byte address family in network byte order. */
    public static final int LOOP = 108;
    /** Linux "cooked" capture, version 1. */
    public static final int LINUX_SLL = 113;
    /** IEEE 802.11 preceded by a radiotap header. */
    public static final int IEEE802_11_RADIOTAP = 127;
    /** Raw IPv4. */
    public static final int IPV4 = 228;
    /** Raw IPv6. */
    public static final int IPV6 = 229;
    /** Linux "cooked" capture, version 2. */
    public static final int LINUX_SLL2 = 276;

    private LinkType() {
    }
}
