package io.flowkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Compressor;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.TrackerStats;
import io.flowkit.bench.gen.GeneratorOptions;
import io.flowkit.bench.gen.TrafficGenerator;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compressor must not change any record: every conformance trace and a generated capture
 * with scanners give the same records (same uid, counts, history, timing, close reason) with and
 * without it, under each compressor option. Records are compared as sets ordered by start time and
 * uid, since expiries from the pending table and the full table may interleave differently
 * within one {@code advance}.
 */
class CompressorEquivalenceTest {
    private static final Path TRACES = Path.of("..", "..", "shared", "conformance", "zeek", "traces");
    private static final List<Compressor> SETTINGS = List.of(Compressor.defaults(),
            Compressor.builder().handleOnlySyns(false).build(),
            Compressor.builder().handleOnlySyns(false).handleResets(true).build(),
            Compressor.builder().instantiateOnData(true).build(),
            Compressor.builder().maxPendingConnections(1_000_000).handleOnlySyns(false).instantiateOnData(true)
                    .handleResets(true).build());

    @TempDir
    Path dir;

    @Test
    void everyConformanceTraceGivesIdenticalRecordsWithTheCompressor() throws IOException {
        List<Path> traces;
        try (Stream<Path> s = Files.list(TRACES)) {
            traces = s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                    .toList();
        }
        assertThat(traces).isNotEmpty();
        long pendingSeen = 0;
        for (Path trace : traces) {
            List<Connection> plain = run(trace, null).records;
            for (Compressor settings : SETTINGS) {
                Run compressed = run(trace, settings);
                assertThat(sorted(compressed.records)).as("%s with %s", trace.getFileName(), settings)
                        .containsExactlyElementsOf(sorted(plain));
                pendingSeen += compressed.stats.pendingPeak();
            }
        }
        assertThat(pendingSeen).as("the corpus exercises the pending table").isPositive();
    }

    @Test
    void generatedTrafficWithScannersGivesIdenticalRecordsWithTheCompressor() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder()
                .output(dir.resolve("g.pcap")).packets(60_000).concurrentFlows(1_000).scanners(true).seed(5).build());
        List<Connection> plain = run(s.capture(), null).records;
        for (Compressor settings : SETTINGS) {
            Run compressed = run(s.capture(), settings);
            assertThat(sorted(compressed.records)).as("%s", settings).containsExactlyElementsOf(sorted(plain));
            TrackerStats st = compressed.stats;
            assertThat(st.pendingPromotions()).isPositive();
            assertThat(st.pendingExpiries()).as("scan probes leave unanswered from the pending table").isPositive();
            assertThat(st.connectionsCreated()).isEqualTo(plain.size());
            assertThat(st.pendingActive()).isZero();
        }
    }

    record Run(List<Connection> records, TrackerStats stats) {
    }

    static Run run(Path capture, Compressor settings) throws IOException {
        List<Connection> records = new ArrayList<>();
        FlowTracker.Builder b = FlowTracker.builder().uidSeed(1).connectionListener(records::add);
        if (settings != null) {
            b.compressor(settings);
        }
        FlowTracker tracker = b.build();
        try (PacketSource source = PcapFile.open(capture)) {
            tracker.run(source);
        }
        tracker.close();
        return new Run(records, tracker.stats());
    }

    static List<Connection> sorted(List<Connection> records) {
        List<Connection> out = new ArrayList<>(records);
        out.sort(Comparator.comparingLong(Connection::startNanos).thenComparing(Connection::uid));
        return out;
    }
}
