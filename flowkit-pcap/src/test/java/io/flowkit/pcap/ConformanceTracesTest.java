package io.flowkit.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flowkit.PacketSource;
import io.flowkit.pcap.Captures.Frame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads every trace of the shared Zeek conformance corpus and compares with two independent
 * readers built on libpcap: tcpdump's packet count, and pcap4j's offline reader frame by frame
 * (timestamp, bytes, wire length, and for classic pcap the link type).
 */
class ConformanceTracesTest {
    static final Path TRACES = Path.of("../../shared/conformance/zeek/traces");

    static Stream<Path> traces() throws IOException {
        if (!Files.isDirectory(TRACES)) {
            return Stream.of(TRACES.resolve("(corpus absent)"));
        }
        try (Stream<Path> files = Files.list(TRACES)) {
            return files.filter(Files::isRegularFile).sorted().toList().stream();
        }
    }

    private static void assumeCorpus(Path trace) {
        assumeTrue(Files.isRegularFile(trace), "conformance corpus not found at " + TRACES.toAbsolutePath());
    }

    private static List<Frame> ours(Path trace) throws IOException {
        try (PacketSource s = PcapFile.open(trace)) {
            List<Frame> frames = Captures.readAll(s);
            assertThat(s.stats().skippedRecords()).as("skipped records").isZero();
            assertThat(s.stats().frames()).isEqualTo(frames.size());
            return frames;
        }
    }

    @ParameterizedTest
    @MethodSource("traces")
    void countsAsManyFramesAsTcpdump(Path trace) throws Exception {
        assumeCorpus(trace);
        Process p;
        try {
            // --count prints only "N packets"; printed lines are no count, since
            // tcpdump prints some frames on several lines
            p = new ProcessBuilder("tcpdump", "-n", "--count", "-r", trace.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            // tcpdump missing: the pcap4j comparison below still checks the count
            assumeTrue(false, "tcpdump not installed: " + e.getMessage());
            return;
        }
        List<String> stdout;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            stdout = r.lines().toList();
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        long count = stdout.stream().filter(l -> l.matches("\\d+ packets?"))
                .mapToLong(l -> Long.parseLong(l.substring(0, l.indexOf(' '))))
                .findFirst().orElseThrow(() -> new AssertionError("no count from tcpdump: " + stdout));
        assertThat(ours(trace)).hasSize((int) count);
    }

    @ParameterizedTest
    @MethodSource("traces")
    void matchesPcap4jFrameByFrame(Path trace) throws Exception {
        assumeCorpus(trace);
        boolean classic = !trace.toString().endsWith(".pcapng");
        List<Frame> expected = Captures.readWithPcap4j(trace, classic);
        List<Frame> actual = ours(trace);
        if (!classic) {
            actual = actual.stream().map(f -> new Frame(f.timestampNanos(), -1, f.data(), f.wireLength())).toList();
        }
        assertThat(actual).hasSameSizeAs(expected);
        for (int k = 0; k < actual.size(); k++) {
            assertThat(actual.get(k)).as("frame %d", k).isEqualTo(expected.get(k));
        }
    }
}
