package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.ScanEvent;
import io.flowkit.core.ConnLogWriter;
import io.flowkit.pcap.PcapFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code FlowTracker.builder().threads(n)} must log exactly the connection records of the
 * single-threaded tracker on generated traffic: the conn.log rows, sorted and without uids, are
 * equal. Scanners in the traffic must be reported whatever shard tracked their attempts.
 */
class ThreadedTrackerEquivalenceTest {
    @TempDir
    Path dir;

    private record Run(List<String> rows, Set<String> scanners) {
    }

    private static Run track(Path capture, int threads) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<ScanEvent> events = new ArrayList<>();
        ConnLogWriter writer = ConnLogWriter.builder(log).build();
        FlowTracker tracker = FlowTracker.builder().threads(threads).uidSeed(3).connectionListener(writer)
                .scanListener(events::add).build();
        try (PacketSource source = PcapFile.open(capture)) {
            tracker.run(source);
        }
        tracker.close();
        writer.close();
        List<String> rows = log.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#"))
                .map(l -> {
                    String[] f = l.split("\t", -1);
                    f[1] = "-";
                    return String.join("\t", f);
                }).sorted().toList();
        Set<String> scanners = new TreeSet<>();
        for (ScanEvent e : events) {
            scanners.add(e.scanner().getHostAddress());
        }
        return new Run(rows, scanners);
    }

    @ParameterizedTest(name = "{0} threads, {1} concurrent flows")
    @CsvSource({"2, 2000", "4, 2000", "2, 30000"})
    void threadedTrackerLogsTheSameRecordsAsOneThread(int threads, int flows) throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder()
                .output(dir.resolve("t.pcap")).packets(200_000).concurrentFlows(flows).scanners(true)
                .synRetransmits(true).seed(flows + threads).build());
        Run single = track(s.capture(), 1);
        Run threaded = track(s.capture(), threads);
        assertThat(single.rows()).hasSize((int) s.flows());
        assertThat(threaded.rows()).isEqualTo(single.rows());
        assertThat(single.scanners()).isNotEmpty();
        assertThat(threaded.scanners()).isEqualTo(single.scanners());
    }

    @Test
    void threadedTrackerLogsTheDemoCaptureLikeOneThread() throws IOException {
        Path demo = Path.of("..", "demo", "demo.pcap");
        assertThat(track(demo, 3).rows()).isEqualTo(track(demo, 1).rows());
    }
}
