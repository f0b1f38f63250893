package io.flowkit.core.internal.scan;

import io.flowkit.Protocol;
import io.flowkit.ScanEvent;
import io.flowkit.ScanKind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Classification hints for benign fan-out, from port signatures of applications known to
 * contact many hosts or ports. The table is documented for users on {@link ScanEvent}; keep the
 * two in step.
 *
 * <p>A hint is a guess for triage, never a verdict: it says which benign application the
 * evidence looks like, and a real scanner on those ports gets the same hint. Rules are tried in
 * order; the first that matches wins:
 * <ol>
 *   <li>the source's dominant originator port is a server port (53, 123): its "attempts" are a
 *       server's answers whose queries were not seen ({@code dns-server-replies},
 *       {@code ntp-server-replies});</li>
 *   <li>ICMP echo requests: {@code icmp-echo-sweep};</li>
 *   <li>a port signature covers at least half of the counted attempts;</li>
 *   <li>UDP to many unprivileged ports, about one per host: P2P or Skype-like peer traffic
 *       ({@code p2p-random-ports}).</li>
 * </ol>
 */
final class PortSignatures {
    private PortSignatures() {
    }

    static String hint(ScanKind kind, Protocol proto, int dominantOrigPort, List<ScanEvent.PortCount> top,
            long counted, int distinctHosts, int distinctPorts) {
        if (dominantOrigPort == 53 && proto != Protocol.ICMP) {
            return "dns-server-replies";
        }
        if (proto == Protocol.UDP && dominantOrigPort == 123) {
            return "ntp-server-replies";
        }
        if (proto == Protocol.ICMP) {
            for (ScanEvent.PortCount pc : top) {
                if (pc.port() == 8 || pc.port() == 128) {
                    return "icmp-echo-sweep";
                }
            }
            return null;
        }
        // a signature covers a port or a range (BitTorrent 6881-6889): sum the top ports per signature
        Map<String, Long> bySignature = new HashMap<>();
        for (ScanEvent.PortCount pc : top) {
            String s = byPort(pc.port(), proto);
            if (s != null && 2 * bySignature.merge(s, pc.count(), Long::sum) >= counted) {
                return s;
            }
        }
        if (proto == Protocol.UDP && kind != ScanKind.PORT_SCAN && distinctPorts >= 8
                && 2 * distinctPorts >= distinctHosts && allUnprivileged(top)) {
            return "p2p-random-ports";
        }
        return null;
    }

    private static boolean allUnprivileged(List<ScanEvent.PortCount> top) {
        for (ScanEvent.PortCount pc : top) {
            if (pc.port() < 1024) {
                return false;
            }
        }
        return true;
    }

    static String byPort(int port, Protocol proto) {
        if (port >= 6881 && port <= 6889 || port == 6969 && proto == Protocol.TCP) {
            return "bittorrent";
        }
        if (port == 6346 || port == 6347) {
            return "gnutella";
        }
        if (port == 4662 && proto == Protocol.TCP || port == 4672 && proto == Protocol.UDP
                || port == 4661 && proto == Protocol.TCP) {
            return "edonkey";
        }
        if (proto == Protocol.UDP) {
            if (port == 53) {
                return "dns-resolver";
            }
            if (port == 123) {
                return "ntp-client";
            }
            if (port >= 33434 && port <= 33534) {
                return "traceroute";
            }
            if (port == 1900 || port == 5353 || port == 5355 || port == 137 || port == 138) {
                return "local-discovery";
            }
            if (port == 3478 || port == 19302) {
                return "stun";
            }
        }
        if (proto == Protocol.TCP && port == 53) {
            return "dns-resolver";
        }
        return null;
    }
}
