package io.flowkit;

/**
 * A hard bound on one of a tracker's tables. At each bound the tracker evicts an entry to make
 * room (for connections the one due to time out soonest, for the other tables the stalest), counts it ({@link TrackerStats#evictions(Bound)}) and, the first time in an
 * episode, tells the {@link BoundListener}s.
 */
public enum Bound {
    /**
     * Full connection entries, {@link FlowTracker.Builder#maxConnections(int)}. An evicted
     * connection is delivered with {@link CloseReason#EVICTED}.
     */
    CONNECTIONS,
    /**
     * The compressor's pending entries, {@link Compressor.Builder#maxPendingConnections(int)}. An
     * evicted pending connection is delivered with {@link CloseReason#EVICTED}.
     */
    PENDING,
    /**
     * IP datagrams in fragment reassembly (a fixed memory budget of 64 datagrams of the largest
     * size). An evicted datagram is dropped and counted in {@link TrackerStats#reassembliesDropped()}.
     */
    FRAGMENTS,
    /**
     * Scan-detection sources, {@link ScanDetection.Builder#maxSources(int)}: sources with full
     * state (bounded in count and in bytes) and the fixed table of sources seen making one
     * attempt. An evicted source's evidence is forgotten. The limit reported is
     * {@code maxSources}; an episode ends when a scan window passes without a source forgotten.
     */
    SCAN_SOURCES
}
