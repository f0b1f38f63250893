package io.flowkit.pcap.internal;

/**
 * Bounds that keep hostile captures from costing unbounded memory. Values follow libpcap, whose
 * largest accepted snapshot length is 262144 bytes.
 */
public final class Limits {
    /** Largest capture length of one record; longer records are damage, as in libpcap. */
    public static final int MAX_CAPTURE_LENGTH = 262_144;
    /**
     * Largest pcapng block that is parsed in memory (packet blocks with their options, interface
     * descriptions); larger blocks of those types are skipped and counted.
     */
    public static final int MAX_BLOCK_BYTES = MAX_CAPTURE_LENGTH + 65_536;
    /** Most interfaces one pcapng section may describe; further descriptions are skipped. */
    public static final int MAX_INTERFACES = 4_096;

    private Limits() {
    }
}
