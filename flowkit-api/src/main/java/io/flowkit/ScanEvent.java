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
 * <p><b>What the numbers describe.</b> {@link #distinctHosts()}, {@link #distinctPorts()},
 * {@link #topPorts()}, {@link #firstSeenNanos()}, {@link #lastSeenNanos()} and the samples describe
 * the attempts the detector counted when it fired: the failed attempts within the window for
 * the threshold detectors (one port per host for an address scan: its latest), the first contacts
 * of the walk for {@link ScanKind#TRW}. {@link #attempts()} and {@link #failedAttempts()} describe
 * the source's whole tracked activity over the same transport, successes included: the state is
 * kept from its first attempt until a window passes without one.
 *
 * <p><b>Hints.</b> {@link #hint()} names the benign application the evidence looks like, from port
 * signatures of software known to fan out; it is a triage aid, not a verdict (a scanner using
 * those ports gets the same hint). The first matching row wins:
 * <table class="striped">
 *   <caption>Classification hints</caption>
 *   <thead><tr><th>hint</th><th>signature</th><th>typical source</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code dns-server-replies}</td><td>most of the source's attempts leave from port 53</td>
 *         <td>a DNS server whose queries were not captured</td></tr>
 *     <tr><td>{@code ntp-server-replies}</td><td>most attempts leave from 123/udp</td><td>an NTP server</td></tr>
 *     <tr><td>{@code icmp-echo-sweep}</td><td>ICMP echo requests (type 8, ICMPv6 128)</td>
 *         <td>monitoring, ping sweeps</td></tr>
 *     <tr><td>{@code bittorrent}</td><td>top port 6881-6889, or 6969/tcp</td><td>BitTorrent peers, trackers</td></tr>
 *     <tr><td>{@code gnutella}</td><td>top port 6346 or 6347</td><td>Gnutella peers</td></tr>
 *     <tr><td>{@code edonkey}</td><td>top port 4661/tcp, 4662/tcp or 4672/udp</td><td>eDonkey, eMule</td></tr>
 *     <tr><td>{@code dns-resolver}</td><td>top port 53</td><td>a recursive resolver asking many servers</td></tr>
 *     <tr><td>{@code ntp-client}</td><td>top port 123/udp</td><td>NTP clients polling pools</td></tr>
 *     <tr><td>{@code traceroute}</td><td>top port 33434-33534/udp</td><td>traceroute</td></tr>
 *     <tr><td>{@code local-discovery}</td><td>top port 137, 138, 1900, 5353 or 5355/udp</td>
 *         <td>NetBIOS, SSDP, mDNS, LLMNR</td></tr>
 *     <tr><td>{@code stun}</td><td>top port 3478 or 19302/udp</td><td>WebRTC, VoIP NAT traversal</td></tr>
 *     <tr><td>{@code p2p-random-ports}</td><td>UDP to at least 8 unprivileged ports, about one per host</td>
 *         <td>Skype-like and other P2P peers on random ports</td></tr>
 *   </tbody>
 * </table>
 * A "top port" signature applies when the top ports it covers received at least half of the
 * counted attempts.
 *
 * @param timestampNanos    network time at which the threshold was crossed
 * @param scanner           the originator that scanned
 * @param kind              what kind of scan
 * @param protocol          transport of the counted attempts
 * @param port              the port for {@link ScanKind#PORT_ADDRESS_SCAN}, otherwise -1
 * @param distinctHosts     distinct target hosts counted
 * @param distinctPorts     distinct target ports counted
 * @param attempts          attempts (successful or failed) the source made over this transport while tracked
 * @param failedAttempts    of those, attempts that failed (no answer, rejected, unreachable)
 * @param firstSeenNanos    time of the first counted attempt
 * @param lastSeenNanos     time of the last counted attempt
 * @param topPorts          the most attempted ports among the counted attempts with their counts, most first
 * @param hint              a classification hint for benign look-alikes (see the table), or {@code null}
 * @param sampleTargets     a sample of the counted hosts
 * @param sampleUids        a sample of the counted connections' uids (an ICMP unreachable has none)
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
     * @param distinctHosts distinct target hosts counted
     * @param distinctPorts distinct target ports counted
     * @param attempts attempts (successful or failed) the source made over this transport while tracked
     * @param failedAttempts of those, attempts that failed (no answer, rejected, unreachable)
     * @param firstSeenNanos time of the first counted attempt
     * @param lastSeenNanos time of the last counted attempt
     * @param topPorts the most attempted ports among the counted attempts with their counts, most first
     * @param hint a classification hint for benign look-alikes (see the table), or {@code null}
     * @param sampleTargets a sample of the counted hosts
     * @param sampleUids a sample of the counted connections' uids (an ICMP unreachable has none)
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
     * @param count counted attempts to it
     */
    public record PortCount(int port, long count) {
    }
}
