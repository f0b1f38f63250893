package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.CloseReason;
import io.flowkit.Compressor;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.TrackerStats;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spoofed SYN flood on top of ordinary traffic: with the compressor the flood stays in the
 * pending table, is evicted there at its bound, and every ordinary connection's record is the one
 * the capture without the flood gives; without the compressor the full table evicts at its bound
 * and the tracker carries on. (The 5-million-packet run under {@code -Xmx256m} is
 * {@code flowkit-bench/syn-flood.sh}.)
 */
class SynFloodTest {
    private static final int ORDINARY = 40_000;
    private static final int FLOOD = 100_000;
    /** Holds the flood SYNs of about 2 s (the slowest handshake takes 150 ms), so the flood is evicted. */
    private static final int PENDING = 10_000;

    @TempDir
    Path dir;

    @Test
    void floodLeavesTheOrdinaryTrafficAndItsTruthUnchanged() throws IOException {
        TrafficGenerator.Summary plain = generate("plain.pcap", 0);
        TrafficGenerator.Summary flooded = generate("flood.pcap", FLOOD);
        assertThat(flooded.packets()).isEqualTo(plain.packets() + FLOOD);
        assertThat(Files.readAllLines(flooded.truth()).subList(1, (int) plain.flows() + 2))
                .isEqualTo(Files.readAllLines(plain.truth()).subList(1, (int) plain.flows() + 2));
        assertThat(Files.readAllLines(flooded.truth()).get(0)).contains("flood=" + FLOOD);
    }

    @Test
    void compressorKeepsEveryOrdinaryRecordUnderTheFloodAndEvictsTheFlood() throws IOException {
        List<String> baseline = ordinary(run(generate("plain.pcap", 0).capture(), null, 1_000_000).records);
        Run r = run(generate("flood.pcap", FLOOD).capture(), Compressor.builder().maxPendingConnections(PENDING).build(),
                1_000_000);
        TrackerStats s = r.stats;
        assertThat(ordinary(r.records)).containsExactlyInAnyOrderElementsOf(baseline);
        assertThat(s.pendingEvictions()).as("%s", s).isGreaterThan(FLOOD / 10);
        assertThat(s.pendingPeak()).isEqualTo(PENDING);
        assertThat(s.connectionsPeak()).as("the flood never reaches the full table").isLessThan(20_000);
        assertThat(r.records).filteredOn(c -> c.closeReason() == CloseReason.EVICTED)
                .allMatch(c -> c.origAddress().getHostAddress().startsWith("172."));
    }

    @Test
    void fullTableSurvivesTheFloodByEvictingWithoutTheCompressor() throws IOException {
        Run r = run(generate("flood.pcap", FLOOD).capture(), null, PENDING);
        assertThat(r.stats.connectionsEvicted()).isGreaterThan(FLOOD / 10);
        assertThat(r.stats.connectionsPeak()).isEqualTo(PENDING);
        assertThat(r.records).hasSize((int) r.stats.connectionsCreated());
    }

    private TrafficGenerator.Summary generate(String name, long flood) throws IOException {
        return TrafficGenerator.generate(GeneratorOptions.builder().output(dir.resolve(name)).packets(ORDINARY)
                .concurrentFlows(50).seed(3).floodPackets(flood).build());
    }

    record Run(List<Connection> records, TrackerStats stats) {
    }

    private static Run run(Path capture, Compressor compressor, int maxConnections) throws IOException {
        List<Connection> records = new ArrayList<>();
        FlowTracker.Builder b = FlowTracker.builder().uidSeed(1).maxConnections(maxConnections)
                .connectionListener(records::add);
        if (compressor != null) {
            b.compressor(compressor);
        }
        FlowTracker t = b.build();
        try (PacketSource source = PcapFile.open(capture)) {
            t.run(source);
        }
        t.close();
        return new Run(records, t.stats());
    }

    /** Ordinary records without their uids (the flood's connections take uid numbers too). */
    private static List<String> ordinary(List<Connection> records) {
        List<String> out = new ArrayList<>();
        for (Connection c : records) {
            if (!c.origAddress().getHostAddress().startsWith("172.")) {
                out.add(c.toString().replace(c.uid(), "-"));
            }
        }
        return out;
    }
}
