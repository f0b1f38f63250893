package io.flowkit;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A detected scan, with its evidence: not just a verdict but the targets, the ports with their
 * counts, the time window, and the uids of the connections counted (look them up in the
 * connection records). Immutable.
 *
 * @param timestampNanos    network time at which the threshold was crossed
 * @param scanner           the originator that scanned
 * @param kind              what kind of scan
 * @param protocol          transport of the counted attempts
 * @param port              the port for {@link ScanKind#PORT_ADDRESS_SCAN}, otherwise -1
 * @param distinctHosts     distinct target hosts attempted in the window
 * @param distinctPorts     distinct target ports attempted in the window
 * @param attempts          attempts counted in the window
 * @param failedAttempts    of those, attempts that failed (no answer, rejected, unreachable)
 * @param firstSeenNanos    time of the first counted attempt
 * @param lastSeenNanos     time of the last counted attempt
 * @param topPorts          the most attempted ports with their counts, most first
 * @param hint              a classification hint for benign look-alikes, or {@code null}
 * @param sampleTargets     a sample of the attempted hosts
 * @param sampleUids        a sample of the counted connections' uids
 * @param suppressedRepeats events of the same (scanner, kind, port) suppressed since the last one
 */
public record ScanEvent(
        long timestampNanos,
        InetAddress scanner,
        ScanKind kind,
        Protocol protocol,
        int port,
        int distinctHosts,
        int distinctPorts,
        long attempts,
        long failedAttempts,
        long firstSeenNanos,
        long lastSeenNanos,
        List<PortCount> topPorts,
        String hint,
        List<InetAddress> sampleTargets,
        List<String> sampleUids,
        long suppressedRepeats) {

    /**
     * Creates the record, validating its components.
     *
     * @param timestampNanos network time at which the threshold was crossed
     * @param scanner the originator that scanned
     * @param kind what kind of scan
     * @param protocol transport of the counted attempts
     * @param port the port for {@link ScanKind#PORT_ADDRESS_SCAN}, otherwise -1
     * @param distinctHosts distinct target hosts attempted in the window
     * @param distinctPorts distinct target ports attempted in the window
     * @param attempts attempts counted in the window
     * @param failedAttempts of those, attempts that failed (no answer, rejected, unreachable)
     * @param firstSeenNanos time of the first counted attempt
     * @param lastSeenNanos time of the last counted attempt
     * @param topPorts the most attempted ports with their counts, most first
     * @param hint a classification hint for benign look-alikes, or {@code null}
     * @param sampleTargets a sample of the attempted hosts
     * @param sampleUids a sample of the counted connections' uids
     * @param suppressedRepeats events of the same (scanner, kind, port) suppressed since the last one
     * @throws NullPointerException if a required component is null
     */
    public ScanEvent {
        Objects.requireNonNull(scanner, "scanner");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(protocol, "protocol");
        topPorts = List.copyOf(topPorts);
        sampleTargets = List.copyOf(sampleTargets);
        sampleUids = List.copyOf(sampleUids);
    }

    /**
     * Returns the time the threshold was crossed.
     *
     * @return {@link #timestampNanos()} as an instant
     */
    public Instant timestamp() {
        return Instant.ofEpochSecond(0, timestampNanos);
    }

    /**
     * A port and how many attempts went to it.
     *
     * @param port  the port (ICMP: the type)
     * @param count attempts to it in the window
     */
    public record PortCount(int port, long count) {
    }
}
