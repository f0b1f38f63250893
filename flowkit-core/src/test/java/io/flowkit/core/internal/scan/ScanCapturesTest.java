package io.flowkit.core.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.Protocol;
import io.flowkit.ScanEvent;
import io.flowkit.ScanKind;
import io.flowkit.core.internal.decode.ClassicPcap;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end over real captures (made by {@code src/test/scan-captures/make-captures.sh}): frames
 * through the decoder and engine into scan detection with default settings, as an application
 * gets it from {@link FlowTracker#builder()}.
 */
class ScanCapturesTest {
    private static final Path DIR = Path.of("src/test/resources/scan");
    private static final InetAddress SCANNER = Conns.ip("10.77.0.2");

    record Run(List<ScanEvent> events, List<Connection> connections) {
    }

    private static Run run(String file) throws Exception {
        ClassicPcap pcap = ClassicPcap.read(DIR.resolve(file));
        List<ScanEvent> events = new ArrayList<>();
        List<Connection> conns = new ArrayList<>();
        // veth captures carry checksums the kernel left to offload
        try (FlowTracker t = FlowTracker.builder().ignoreChecksums(true).scanListener(events::add)
                .connectionListener(conns::add).build()) {
            for (ClassicPcap.Frame f : pcap.frames) {
                t.onFrame(f.tsNanos(), pcap.linkType, pcap.buffer, f.offset(), f.caplen(), f.wirelen());
            }
        }
        return new Run(events, conns);
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @CsvSource({
        "syn-portscan.pcap, PORT_SCAN, TCP",
        "connect-portscan.pcap, PORT_SCAN, TCP",
        "udp-portscan.pcap, PORT_SCAN, UDP",
        "fin-portscan.pcap, PORT_SCAN, TCP",
        "null-portscan.pcap, PORT_SCAN, TCP",
        "xmas-portscan.pcap, PORT_SCAN, TCP",
        "slow-portscan.pcap, PORT_SCAN, TCP",
        "ssh-sweep.pcap, ADDRESS_SCAN, TCP",
        "ssh-sweep.pcap, PORT_ADDRESS_SCAN, TCP",
        "ssh-sweep.pcap, TRW, TCP",
        "ping-sweep.pcap, ADDRESS_SCAN, ICMP",
    })
    void detectsEveryNmapScanWithItsKindAndScanner(String file, ScanKind kind, Protocol proto) throws Exception {
        Run r = run(file);
        assertThat(r.events()).as("events of %s", file).allMatch(e -> e.scanner().equals(SCANNER));
        List<ScanEvent> ofKind = r.events().stream().filter(e -> e.kind() == kind && e.protocol() == proto).toList();
        assertThat(ofKind).as("%s events in %s: %s", kind, file, r.events()).hasSize(1);
        ScanEvent e = ofKind.get(0);
        // the evidence points at real records of the capture
        List<String> uids = r.connections().stream().map(Connection::uid).toList();
        assertThat(uids).containsAll(e.sampleUids());
        if (kind == ScanKind.PORT_ADDRESS_SCAN) {
            assertThat(e.port()).isEqualTo(22);
        }
        if (file.equals("ping-sweep.pcap")) {
            assertThat(e.hint()).isEqualTo("icmp-echo-sweep");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"web-nat-clients.pcap", "dns-server-many-clients.pcap", "client-many-servers.pcap",
        "p2p-peers.pcap"})
    void raisesNoEventForBenignLookAlikes(String file) throws Exception {
        Run r = run(file);
        assertThat(r.connections()).as("records of %s", file).hasSizeGreaterThan(30);
        assertThat(r.events()).as("events of %s", file).isEmpty();
    }
}
