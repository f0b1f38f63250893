package io.flowkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tracker's validated, immutable settings, made by {@link FlowTracker.Builder}. Engines read
 * it; applications usually never see it.
 */
public final class TrackerConfig {

    /** Default of {@link FlowTracker.Builder#maxTunnelDepth(int)}: Zeek's {@code Tunnel::max_depth}, 4. */
    public static final int DEFAULT_MAX_TUNNEL_DEPTH = 4;

    /** Largest value {@link FlowTracker.Builder#maxTunnelDepth(int)} accepts. */
    public static final int MAX_TUNNEL_DEPTH_LIMIT = 16;

    /** Zeek's default per-port inactivity timeouts: 1 hour for 21, 22, 23 and 513/tcp. */
    public static final Map<PortKey, Duration> DEFAULT_PORT_TIMEOUTS;

    /**
     * Zeek's {@code likely_server_ports} with all base scripts loaded: the ports its protocol
     * analyzers register. A first packet sent from one of these to a port not in the set flips
     * the connection's direction.
     */
    public static final Set<PortKey> DEFAULT_LIKELY_SERVER_PORTS;

    /**
     * Progress ages like Zeek's conn-long policy: 10 minutes, 1 hour, then every hour (see
     * {@link FlowTracker.Builder#progressAges(Duration...)}).
     */
    public static final List<Duration> DEFAULT_PROGRESS_AGES = List.of(Duration.ofMinutes(10), Duration.ofHours(1));

    /** A horizon for {@link FlowTracker.Builder#linkResumed(Duration)}: 24 hours. */
    public static final Duration DEFAULT_RESUME_HORIZON = Duration.ofHours(24);

    /** Default of {@link FlowTracker.Builder#resumeCapacity(int)}: 100,000 remembered records. */
    public static final int DEFAULT_RESUME_CAPACITY = 100_000;

    /** Largest value {@link FlowTracker.Builder#resumeCapacity(int)} accepts: 2<sup>26</sup>. */
    public static final int MAX_RESUME_CAPACITY = 1 << 26;

    /**
     * Heap per remembered record of {@link FlowTracker.Builder#linkResumed(Duration)}, in bytes,
     * counted from its arrays (128 of entry, 8 of index). The store doubles as it fills, so plan
     * for up to twice this per entry of {@link FlowTracker.Builder#resumeCapacity(int)}.
     */
    public static final int RESUME_ENTRY_BYTES = 136;

    /** Zeek's default local networks: the private and reserved address ranges ({@code Site::private_address_space}). */
    public static final List<IpNetwork> DEFAULT_LOCAL_NETWORKS;

    static {
        Map<PortKey, Duration> t = new LinkedHashMap<>();
        for (int p : new int[] {21, 22, 23, 513}) {
            t.put(new PortKey(p, Protocol.TCP), Duration.ofHours(1));
        }
        DEFAULT_PORT_TIMEOUTS = Collections.unmodifiableMap(t);

        Set<PortKey> s = new LinkedHashSet<>();
        // server ports registered by the analyzers of Zeek's base scripts (Analyzer::register_for_ports)
        // and by its tunnel packet analyzers (PacketAnalyzer::register_for_ports)
        String[] ports = {
            "5072/udp", "6081/udp", "4754/udp", "2123/udp", "2152/udp", "3544/udp", "4789/udp", "135/tcp",
            "67/udp", "4011/udp", "20000/tcp", "53/udp", "53/tcp", "137/udp", "5353/udp", "5355/udp",
            "79/tcp", "21/tcp", "2811/tcp", "80/tcp", "81/tcp", "631/tcp", "1080/tcp", "3128/tcp",
            "8000/tcp", "8080/tcp", "8888/tcp", "143/tcp", "6666/tcp", "6667/tcp", "6668/tcp", "6669/tcp",
            "88/udp", "88/tcp", "389/tcp", "3268/tcp", "389/udp", "502/tcp", "1883/tcp", "1434/tcp",
            "3306/tcp", "123/udp", "5432/tcp", "443/udp", "1812/udp", "3389/tcp", "3389/udp", "6379/tcp",
            "5060/udp", "139/tcp", "445/tcp", "25/tcp", "587/tcp", "161/udp", "162/udp", "22/tcp", "443/tcp",
            "465/tcp", "563/tcp", "585/tcp", "614/tcp", "636/tcp", "989/tcp", "990/tcp", "992/tcp",
            "993/tcp", "995/tcp", "5223/tcp", "514/udp", "514/tcp", "5222/tcp", "5269/tcp"
        };
        for (String p : ports) {
            s.add(PortKey.parse(p));
        }
        DEFAULT_LIKELY_SERVER_PORTS = Collections.unmodifiableSet(s);

        List<IpNetwork> n = new ArrayList<>();
        // Zeek's Site::private_address_space, local by default (private_address_space_is_local)
        String[] nets = {
            "0.0.0.0/8", "2002::/24", "10.0.0.0/8", "2002:a00::/24", "100.64.0.0/10", "2002:6440::/26",
            "127.0.0.0/8", "2002:7f00::/24", "169.254.0.0/16", "2002:a9fe::/32", "172.16.0.0/12",
            "2002:ac10::/28", "192.0.0.0/24", "2002:c000::/40", "192.0.2.0/24", "2002:c000:200::/40",
            "192.168.0.0/16", "2002:c0a8::/32", "198.18.0.0/15", "2002:c612::/31", "198.51.100.0/24",
            "2002:c633:6400::/40", "203.0.113.0/24", "2002:cb00:7100::/40", "224.0.0.0/24", "2002:e000::/40",
            "239.0.0.0/8", "2002:ef00::/24", "240.0.0.0/4", "2002:f000::/20", "255.255.255.255/32",
            "2002:ffff:ffff::/48", "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23",
            "2001:2::/48", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10"
        };
        for (String c : nets) {
            n.add(IpNetwork.parse(c));
        }
        DEFAULT_LOCAL_NETWORKS = List.copyOf(n);
    }

    private final Duration tcpInactivityTimeout;
    private final Duration udpInactivityTimeout;
    private final Duration icmpInactivityTimeout;
    private final Duration otherInactivityTimeout;
    private final Duration tcpAttemptTimeout;
    private final Duration tcpCloseTimeout;
    private final Duration tcpResetTimeout;
    private final Map<PortKey, Duration> portInactivityTimeouts;
    private final Set<PortKey> likelyServerPorts;
    private final int maxConnections;
    private final List<IpNetwork> localNetworks;
    private final boolean ignoreChecksums;
    private final int maxTunnelDepth;
    private final List<IpNetwork> ignoreChecksumsNetworks;
    private final Long uidSeed;
    private final List<ConnectionListener> connectionListeners;
    private final List<ScanListener> scanListeners;
    private final List<BoundListener> boundListeners;
    private final ScanDetection scanDetection;
    private final List<Duration> progressAges;
    private final Compressor compressor;
    private final int threads;
    private final Duration resumeHorizon;
    private final int resumeCapacity;

    TrackerConfig(FlowTracker.Builder b) {
        tcpInactivityTimeout = b.tcpInactivityTimeout;
        udpInactivityTimeout = b.udpInactivityTimeout;
        icmpInactivityTimeout = b.icmpInactivityTimeout;
        otherInactivityTimeout = b.otherInactivityTimeout;
        tcpAttemptTimeout = b.tcpAttemptTimeout;
        tcpCloseTimeout = b.tcpCloseTimeout;
        tcpResetTimeout = b.tcpResetTimeout;
        portInactivityTimeouts = Collections.unmodifiableMap(new LinkedHashMap<>(b.portInactivityTimeouts));
        likelyServerPorts = Collections.unmodifiableSet(new LinkedHashSet<>(b.likelyServerPorts));
        maxConnections = b.maxConnections;
        localNetworks = List.copyOf(b.localNetworks);
        ignoreChecksums = b.ignoreChecksums;
        maxTunnelDepth = b.maxTunnelDepth;
        ignoreChecksumsNetworks = List.copyOf(b.ignoreChecksumsNetworks);
        uidSeed = b.uidSeed;
        connectionListeners = List.copyOf(b.connectionListeners);
        scanListeners = List.copyOf(b.scanListeners);
        boundListeners = List.copyOf(b.boundListeners);
        progressAges = b.progressAges;
        threads = b.threads;
        scanDetection = b.scanDetection != null ? b.scanDetection
                : b.scanListeners.isEmpty() ? null : ScanDetection.defaults();
        compressor = b.compressor;
        resumeHorizon = b.resumeHorizon;
        resumeCapacity = b.resumeCapacity;
    }

    /** @return the longest idle gap a resumed connection is linked across, or {@code null} when linking is off */
    public Duration resumeHorizon() {
        return resumeHorizon;
    }

    /** @return the most expired records remembered for linking */
    public int resumeCapacity() {
        return resumeCapacity;
    }

    /** @return ages at which open connections get progress events, empty when off */
    public List<Duration> progressAges() {
        return progressAges;
    }

    /** @return inactivity timeout of established TCP connections */
    public Duration tcpInactivityTimeout() {
        return tcpInactivityTimeout;
    }

    /** @return inactivity timeout of UDP flows and TCP connections not yet established */
    public Duration udpInactivityTimeout() {
        return udpInactivityTimeout;
    }

    /** @return inactivity timeout of ICMP flows */
    public Duration icmpInactivityTimeout() {
        return icmpInactivityTimeout;
    }

    /** @return inactivity timeout of other IP protocols */
    public Duration otherInactivityTimeout() {
        return otherInactivityTimeout;
    }

    /** @return how long an unanswered TCP attempt stays open */
    public Duration tcpAttemptTimeout() {
        return tcpAttemptTimeout;
    }

    /** @return linger after both sides closed */
    public Duration tcpCloseTimeout() {
        return tcpCloseTimeout;
    }

    /** @return linger after a reset */
    public Duration tcpResetTimeout() {
        return tcpResetTimeout;
    }

    /** @return per-responder-port inactivity timeouts */
    public Map<PortKey, Duration> portInactivityTimeouts() {
        return portInactivityTimeouts;
    }

    /** @return the likely server ports used to flip direction */
    public Set<PortKey> likelyServerPorts() {
        return likelyServerPorts;
    }

    /** @return the most connections tracked at once */
    public int maxConnections() {
        return maxConnections;
    }

    /** @return the local networks */
    public List<IpNetwork> localNetworks() {
        return localNetworks;
    }

    /** @return whether checksums are not verified at all */
    public boolean ignoreChecksums() {
        return ignoreChecksums;
    }

    /** @return the most tunnel encapsulations taken off one packet; 0 when decapsulation is off */
    public int maxTunnelDepth() {
        return maxTunnelDepth;
    }

    /** @return networks whose packets' checksums are not verified */
    public List<IpNetwork> ignoreChecksumsNetworks() {
        return ignoreChecksumsNetworks;
    }

    /** @return the uid seed, or {@code null} for a random one */
    public Long uidSeed() {
        return uidSeed;
    }

    /** @return connection listeners in call order */
    public List<ConnectionListener> connectionListeners() {
        return connectionListeners;
    }

    /** @return scan listeners in call order */
    public List<ScanListener> scanListeners() {
        return scanListeners;
    }

    /** @return bound listeners in call order */
    public List<BoundListener> boundListeners() {
        return boundListeners;
    }

    /** @return scan-detection settings, or {@code null} when scan detection is off */
    public ScanDetection scanDetection() {
        return scanDetection;
    }

    /** @return connection-compressor settings, or {@code null} when the compressor is off */
    public Compressor compressor() {
        return compressor;
    }

    /** @return threads running the connection engine; 1 means the calling thread alone */
    public int threads() {
        return threads;
    }
}
