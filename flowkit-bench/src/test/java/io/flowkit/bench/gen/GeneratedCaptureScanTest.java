package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.ScanEvent;
import io.flowkit.ScanKind;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end for scan detection: in a generated capture whose only scanners are the three the
 * generator plants, the default detectors must name the address scanner and the port scanner,
 * must flag nobody else (ordinary clients and the servers answering them), and each event's
 * sample uids must be connections of that scanner.
 */
class GeneratedCaptureScanTest {
    private static final String ADDRESS_SCANNER = "203.0.113.66";
    private static final String PORT_SCANNER = "203.0.113.77";
    private static final String BLOCK_SCANNER = "203.0.113.88";

    @TempDir
    Path dir;

    @Test
    void defaultDetectorsNameThePlantedScannersAndNobodyElse() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder()
                .output(dir.resolve("scan.pcap")).packets(120_000).concurrentFlows(2_000).scanners(true).seed(21)
                .build());
        List<ScanEvent> events = new ArrayList<>();
        Map<String, Connection> byUid = new HashMap<>();
        FlowTracker tracker = FlowTracker.builder().uidSeed(1).scanListener(events::add)
                .connectionListener(c -> byUid.put(c.uid(), c)).build();
        try (PacketSource source = PcapFile.open(s.capture())) {
            tracker.run(source);
        }
        tracker.close();

        assertThat(events).allSatisfy(e -> assertThat(e.scanner().getHostAddress())
                .isIn(ADDRESS_SCANNER, PORT_SCANNER, BLOCK_SCANNER));
        assertThat(events).anySatisfy(e -> {
            assertThat(e.scanner().getHostAddress()).isEqualTo(ADDRESS_SCANNER);
            assertThat(e.kind()).isIn(ScanKind.ADDRESS_SCAN, ScanKind.PORT_ADDRESS_SCAN);
        });
        assertThat(events).anySatisfy(e -> {
            assertThat(e.scanner().getHostAddress()).isEqualTo(PORT_SCANNER);
            assertThat(e.kind()).isEqualTo(ScanKind.PORT_SCAN);
            assertThat(e.sampleTargets()).allSatisfy(t -> assertThat(t.getHostAddress()).isEqualTo("10.99.1.10"));
        });
        for (ScanEvent e : events) {
            assertThat(e.failedAttempts()).as(e.toString()).isPositive();
            for (String uid : e.sampleUids()) {
                Connection c = byUid.get(uid);
                assertThat(c).as("event names a uid with no record: %s", uid).isNotNull();
                assertThat(c.origAddress()).isEqualTo(e.scanner());
                assertThat(Set.of("S0", "REJ", "RSTO")).contains(c.state().name());
            }
        }
    }
}
