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

    /** Zeek's default per-port inactivity timeouts: 1 hour for 21, 22, 23 and 513/tcp. */
    public static final Map<PortKey, Duration> DEFAULT_PORT_TIMEOUTS;

    /**
     * Zeek's {@code likely_server_ports} with all base scripts loaded: the ports its protocol
     * analyzers register. A first packet sent from one of these to a port not in the set flips
     * the connection's direction.
     */
    public static final Set<PortKey> DEFAULT_LIKELY_SERVER_PORTS;

    /** Zeek's default local networks: the private and reserved address ranges ({@code Site::private_address_space}). */
    public static final List<IpNetwork> DEFAULT_LOCAL_NETWORKS;

    static {
        Map<PortKey, Duration> t = new LinkedHashMap<>();
        for (int p : new int[] {21, 22, 23, 513}) {
            t.put(new PortKey(p, Protocol.TCP), Duration.ofHours(1));
        }
        DEFAULT_PORT_TIMEOUTS = Collections.unmodifiableMap(t);

        Set<PortKey> s = new LinkedHashSet<>();
        String[] ports = {
            // tcp
            "21/tcp", "2811/tcp", "22/tcp", "23/tcp", "25/tcp", "587/tcp", "53/tcp", "80/tcp", "81/tcp",
            "631/tcp", "1080/tcp", "3128/tcp", "8000/tcp", "8080/tcp", "8888/tcp", "110/tcp", "143/tcp",
            "135/tcp", "139/tcp", "445/tcp", "389/tcp", "3268/tcp", "88/tcp", "502/tcp", "1883/tcp",
            "3306/tcp", "5432/tcp", "3389/tcp", "5900/tcp", "5901/tcp", "5902/tcp", "5903/tcp",
            "5904/tcp", "5905/tcp", "5906/tcp", "5907/tcp", "5908/tcp", "5909/tcp", "5910/tcp",
            "6379/tcp", "6666/tcp", "6667/tcp", "6668/tcp", "6669/tcp", "20000/tcp", "2404/tcp",
            "1812/tcp", "111/tcp", "2049/tcp", "5060/tcp", "5061/tcp", "1723/tcp", "179/tcp", "563/tcp",
            "443/tcp", "585/tcp", "614/tcp", "636/tcp", "989/tcp", "990/tcp", "992/tcp", "993/tcp",
            "995/tcp", "5223/tcp", "9001/tcp", "3544/tcp",
            // udp
            "53/udp", "137/udp", "5353/udp", "5355/udp", "67/udp", "68/udp", "69/udp", "88/udp",
            "123/udp", "161/udp", "162/udp", "389/udp", "514/udp", "1812/udp", "1813/udp", "111/udp",
            "2049/udp", "5060/udp", "3478/udp", "20000/udp", "47808/udp", "443/udp", "4789/udp",
            "6081/udp", "2152/udp", "2123/udp", "3544/udp", "5072/udp", "4754/udp", "500/udp",
            "4500/udp", "1701/udp", "3389/udp", "51820/udp"
        };
        for (String p : ports) {
            s.add(PortKey.parse(p));
        }
        DEFAULT_LIKELY_SERVER_PORTS = Collections.unmodifiableSet(s);

        List<IpNetwork> n = new ArrayList<>();
        String[] nets = {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
            "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
            "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10"
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
    private final Duration tcpPartialCloseTimeout;
    private final Map<PortKey, Duration> portInactivityTimeouts;
    private final Set<PortKey> likelyServerPorts;
    private final int maxConnections;
    private final List<IpNetwork> localNetworks;
    private final boolean ignoreChecksums;
    private final List<IpNetwork> ignoreChecksumsNetworks;
    private final Long uidSeed;
    private final List<ConnectionListener> connectionListeners;
    private final List<ScanListener> scanListeners;
    private final ScanDetection scanDetection;

    TrackerConfig(FlowTracker.Builder b) {
        tcpInactivityTimeout = b.tcpInactivityTimeout;
        udpInactivityTimeout = b.udpInactivityTimeout;
        icmpInactivityTimeout = b.icmpInactivityTimeout;
        otherInactivityTimeout = b.otherInactivityTimeout;
        tcpAttemptTimeout = b.tcpAttemptTimeout;
        tcpCloseTimeout = b.tcpCloseTimeout;
        tcpResetTimeout = b.tcpResetTimeout;
        tcpPartialCloseTimeout = b.tcpPartialCloseTimeout;
        portInactivityTimeouts = Collections.unmodifiableMap(new LinkedHashMap<>(b.portInactivityTimeouts));
        likelyServerPorts = Collections.unmodifiableSet(new LinkedHashSet<>(b.likelyServerPorts));
        maxConnections = b.maxConnections;
        localNetworks = List.copyOf(b.localNetworks);
        ignoreChecksums = b.ignoreChecksums;
        ignoreChecksumsNetworks = List.copyOf(b.ignoreChecksumsNetworks);
        uidSeed = b.uidSeed;
        connectionListeners = List.copyOf(b.connectionListeners);
        scanListeners = List.copyOf(b.scanListeners);
        scanDetection = b.scanDetection != null ? b.scanDetection
                : b.scanListeners.isEmpty() ? null : ScanDetection.defaults();
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

    /** @return linger after a one-sided close */
    public Duration tcpPartialCloseTimeout() {
        return tcpPartialCloseTimeout;
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

    /** @return scan-detection settings, or {@code null} when scan detection is off */
    public ScanDetection scanDetection() {
        return scanDetection;
    }
}
