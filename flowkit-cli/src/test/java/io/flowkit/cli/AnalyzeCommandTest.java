package io.flowkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flowkit analyze} end to end, on the bundled demo capture and the Zeek corpus. */
class AnalyzeCommandTest {
    static final Path DEMO = Path.of("../demo/demo.pcap");
    static final Path CORPUS = Path.of("../../shared/conformance/zeek");

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    static List<String> rows(String log) {
        return log.lines().filter(l -> !l.startsWith("#")).toList();
    }

    @Test
    void writesOneRowPerConnectionOfTheDemoCaptureToStdout() {
        assertThat(run("analyze", "--uid-seed", "1", DEMO.toString())).as(err.toString()).isZero();
        String log = out.toString(StandardCharsets.UTF_8);
        assertThat(log).startsWith("#separator \\x09\n").contains("\n#close\t");
        List<String> rows = rows(log);
        assertThat(rows).isNotEmpty().allSatisfy(r -> assertThat(r.split("\t", -1)).hasSize(22));
        assertThat(rows).anySatisfy(r -> assertThat(r).contains("\tSF\t"));
        assertThat(rows).anySatisfy(r -> assertThat(r).contains("\tREJ\t"));
        assertThat(rows).anySatisfy(r -> assertThat(r).contains("\ticmp\t"));
    }

    @Test
    void outDirGetsConnLogAndStatsGoToStderr(@TempDir Path dir) throws Exception {
        assertThat(run("analyze", "-o", dir.toString(), "--stats", DEMO.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        List<String> rows = rows(Files.readString(dir.resolve("conn.log")));
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("frames read          2000")
                .contains(rows.size() + " logged").contains("Mpps").contains("ns/packet");
    }

    @Test
    void jsonFormatWritesOneObjectPerConnection() {
        assertThat(run("analyze", "--format", "json", DEMO.toString())).isZero();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("{\"ts\":").endsWith("}")
                .contains("\"uid\":\"C").contains("\"conn_state\":\""));
    }

    @Test
    void standardInputAndGzipGiveTheSameRowsAsTheFile(@TempDir Path dir) throws Exception {
        assertThat(run("analyze", "--uid-seed", "9", DEMO.toString())).isZero();
        List<String> fromFile = rows(out.toString(StandardCharsets.UTF_8));
        out.reset();

        Path gz = dir.resolve("demo.pcap.gz");
        try (GZIPOutputStream z = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(DEMO, z);
        }
        assertThat(run("analyze", "--uid-seed", "9", gz.toString())).isZero();
        assertThat(rows(out.toString(StandardCharsets.UTF_8))).isEqualTo(fromFile);
        out.reset();

        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(Files.readAllBytes(DEMO)));
        try {
            assertThat(run("analyze", "--uid-seed", "9", "-")).isZero();
        } finally {
            System.setIn(saved);
        }
        assertThat(rows(out.toString(StandardCharsets.UTF_8))).isEqualTo(fromFile);
    }

    @Test
    void threadsOptionLogsTheSameRowsAsOneThread() {
        assertThat(run("analyze", "--uid-seed", "5", DEMO.toString())).as(err.toString()).isZero();
        List<String> single = withoutUids(rows(out.toString(StandardCharsets.UTF_8)));
        out.reset();
        assertThat(run("analyze", "--uid-seed", "5", "--threads", "3", DEMO.toString())).as(err.toString()).isZero();
        List<String> threaded = withoutUids(rows(out.toString(StandardCharsets.UTF_8)));
        assertThat(single).isNotEmpty();
        assertThat(threaded).isEqualTo(single);
    }

    @Test
    void compressOptionLogsTheSameRowsAndReportsThePendingTable() {
        Path trace = DEMO;
        assertThat(run("analyze", "--uid-seed", "5", trace.toString())).as(err.toString()).isZero();
        List<String> plain = rows(out.toString(StandardCharsets.UTF_8));
        out.reset();
        assertThat(run("analyze", "--uid-seed", "5", "--compress", "--max-pending", "1000", "--stats",
                trace.toString())).as(err.toString()).isZero();
        assertThat(rows(out.toString(StandardCharsets.UTF_8))).isNotEmpty().containsExactlyInAnyOrderElementsOf(plain);
        assertThat(err.toString(StandardCharsets.UTF_8)).containsPattern("compressor +\\d+ promoted, [1-9]\\d* expired");
    }

    @Test
    void pendingTimeoutOptionLetsUnansweredAttemptsLeaveSooner() {
        assertThat(run("analyze", "--uid-seed", "5", DEMO.toString())).as(err.toString()).isZero();
        List<String> plain = rows(out.toString(StandardCharsets.UTF_8));
        out.reset();
        assertThat(run("analyze", "--uid-seed", "5", "--compress", "--pending-timeout", "5s", DEMO.toString()))
                .as(err.toString()).isZero();
        assertThat(rows(out.toString(StandardCharsets.UTF_8))).containsExactlyInAnyOrderElementsOf(plain);
        out.reset();
        // answers slower than a millisecond now start connections of their own
        assertThat(run("analyze", "--uid-seed", "5", "--compress", "--pending-timeout", "1ms", DEMO.toString()))
                .as(err.toString()).isZero();
        assertThat(rows(out.toString(StandardCharsets.UTF_8)).size()).isGreaterThan(plain.size());
        assertThat(run("analyze", "--compress", "--pending-timeout", "0s", DEMO.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--pending-timeout");
    }

    @Test
    void maxConnectionsAndMaxPendingBoundTheTables() {
        assertThat(run("analyze", "--stats", "--max-connections", "1", DEMO.toString())).as(err.toString()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).containsPattern("created, \\d+ logged, [1-9]\\d* evicted");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("flowkit: the connection table is full (1)");
        err.reset();
        assertThat(run("analyze", "--stats", "--compress", "--max-pending", "1", DEMO.toString())).as(err.toString())
                .isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).containsPattern("expired, [1-9]\\d* evicted, peak 1 pending");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .containsOnlyOnce("flowkit: the pending table is full (1)")
                .containsPattern("bound reached +pending 1 time\\(s\\), [1-9]\\d* evicted");
        assertThat(run("analyze", "--max-pending", "0", DEMO.toString())).isEqualTo(2);
        assertThat(run("analyze", "--max-connections", "3000000000", DEMO.toString())).isEqualTo(2);
    }

    @Test
    void threadsOptionRejectsZeroAndTooMany() {
        assertThat(run("analyze", "--threads", "0", DEMO.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--threads");
        err.reset();
        assertThat(run("analyze", "--threads", "1000", DEMO.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--threads").contains("1000");
    }

    private static List<String> withoutUids(List<String> rows) {
        return rows.stream().map(r -> {
            String[] f = r.split("\t", -1);
            f[1] = "-";
            return String.join("\t", f);
        }).sorted().toList();
    }

    @Test
    void severalFilesAreOneTimeline() {
        Path a = CORPUS.resolve("traces/tcp-http-get.pcap");
        Path b = CORPUS.resolve("traces/udp-rdpeudp-success.pcap");
        assertThat(run("analyze", a.toString())).isZero();
        int rowsA = rows(out.toString(StandardCharsets.UTF_8)).size();
        out.reset();
        assertThat(run("analyze", b.toString())).isZero();
        int rowsB = rows(out.toString(StandardCharsets.UTF_8)).size();
        out.reset();
        assertThat(run("analyze", a.toString(), b.toString())).isZero();
        String log = out.toString(StandardCharsets.UTF_8);
        assertThat(rows(log)).hasSize(rowsA + rowsB);
        assertThat(log.lines().filter(l -> l.startsWith("#fields"))).hasSize(1);
    }

    @Test
    void damagedFileStillWritesWhatWasTrackedAndExitsOne(@TempDir Path dir) throws Exception {
        byte[] demo = Files.readAllBytes(DEMO);
        byte[] cut = java.util.Arrays.copyOf(demo, demo.length / 2);
        Path broken = dir.resolve("broken.pcap");
        // a good first half followed by garbage that no pcap record header can describe
        byte[] garbage = new byte[64];
        java.util.Arrays.fill(garbage, (byte) 0xFF);
        Files.write(broken, cut);
        Files.write(broken, garbage, java.nio.file.StandardOpenOption.APPEND);
        int status = run("analyze", broken.toString());
        String e = err.toString(StandardCharsets.UTF_8);
        // either the reader rejects the damage (exit 1, one line naming file and offset) or skips it;
        // in both cases every connection seen before the damage is logged
        if (status == 1) {
            assertThat(e).startsWith("flowkit: " + broken).contains("byte ");
            assertThat(e.lines().count()).isEqualTo(1);
        } else {
            assertThat(status).isZero();
        }
        assertThat(rows(out.toString(StandardCharsets.UTF_8))).isNotEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("#close");
    }

    @Test
    void conformanceMatchesZeekOnASimplePair() {
        assertThat(run("conformance", "--pair", "tcp-http-get", CORPUS.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("tcp-http-get").contains("1/1")
                .contains("TOTAL 1 pairs: 1/1 rows matched, 0 extra, score 1.0000");
    }

    @Test
    void conformanceScoresTheSameOnTwoEngineThreads() {
        String[] categories = {"--category", "tunnel,fragments,ipv6,truncated,vlan"};
        assertThat(run(concat("conformance", categories, CORPUS.toString()))).isZero();
        String total = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("TOTAL")).findFirst()
                .orElseThrow();
        out.reset();
        assertThat(run(concat("conformance", categories, "--threads", "2", CORPUS.toString()))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(total);
        assertThat(total).doesNotContain("TOTAL 0 pairs");
    }

    private static String[] concat(String first, String[] middle, String... last) {
        List<String> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(List.of(middle));
        all.addAll(List.of(last));
        return all.toArray(String[]::new);
    }

    @Test
    void conformanceFailsBelowTheFloor() {
        // Zeek's per-packet timer budget (max_timer_expires) is not modelled, so this pair differs
        assertThat(run("conformance", "--pair", "long-expire-limited", "--floor", "1", CORPUS.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("below the floor");
    }

    @Test
    void conformanceRejectsAFloorOutsideZeroToOne() {
        assertThat(run("conformance", "--floor", "1.5", CORPUS.toString())).isEqualTo(2);
    }

    @Test
    void outDirAlsoGetsScanLogNamingTheDemoScanners(@TempDir Path dir) throws Exception {
        assertThat(run("analyze", "-o", dir.toString(), DEMO.toString())).isZero();
        List<String[]> events = rows(Files.readString(dir.resolve("scan.log"))).stream()
                .map(r -> r.split("\t", -1)).toList();
        // the generator put an address scanner (.66, port 22), a port scanner (.77) and a block scanner (.88) in the demo
        assertThat(events).anySatisfy(e -> assertThat(e[1] + " " + e[2]).isEqualTo("203.0.113.66 address_scan"));
        assertThat(events).anySatisfy(e -> assertThat(e[1] + " " + e[2]).isEqualTo("203.0.113.77 port_scan"));
        assertThat(events).allSatisfy(e -> assertThat(e[1]).startsWith("203.0.113."));
    }

    @Test
    void scanThresholdOptionsChangeWhatIsReported(@TempDir Path dir) throws Exception {
        assertThat(run("analyze", "-o", dir.toString(), "--scan-address-threshold", "1000",
                "--scan-port-address-threshold", "1000", "--no-trw", DEMO.toString())).isZero();
        List<String> events = rows(Files.readString(dir.resolve("scan.log")));
        assertThat(events).noneSatisfy(e -> assertThat(e).contains("address_scan"));
        assertThat(events).noneSatisfy(e -> assertThat(e).contains("\ttrw\t"));
        assertThat(events).anySatisfy(e -> assertThat(e).contains("port_scan"));
    }

    @Test
    void noScanWritesNoScanLog(@TempDir Path dir) {
        assertThat(run("analyze", "-o", dir.toString(), "--no-scan", DEMO.toString())).isZero();
        assertThat(dir.resolve("scan.log")).doesNotExist();
        assertThat(dir.resolve("conn.log")).exists();
    }

    @Test
    void statsCountFragmentsAndReassembledDatagrams() {
        assertThat(run("analyze", "--stats", CORPUS.resolve("traces/frag-ipv6-dns.pcap").toString())).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).containsPattern("ip fragments +[1-9]\\d* \\([1-9]\\d* datagrams reassembled");
    }

    @Test
    void filterKeepsOnlyMatchingFrames() {
        assertThat(run("analyze", "--stats", "--filter", "udp", DEMO.toString())).as(err.toString()).isZero();
        List<String> rows = rows(out.toString(StandardCharsets.UTF_8));
        assertThat(rows).isNotEmpty().allSatisfy(r -> assertThat(r.split("\t", -1)[6]).isEqualTo("udp"));
        assertThat(err.toString(StandardCharsets.UTF_8)).containsPattern("[1-9]\\d* rejected by the filter");
    }

    @Test
    void badFilterIsBadUsage() {
        assertThat(run("analyze", "--filter", "port port port", DEMO.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("flowkit: option --filter: ")
                .contains("port port port");
    }

    /** Rows without ts and uid, tunnel parents as a count: what must not depend on threads. */
    private static List<String> comparable(String log) {
        return rows(log).stream().map(r -> {
            String[] f = r.split("\t", -1);
            f[0] = "";
            f[1] = "";
            f[20] = f[20].equals("-") ? "0" : String.valueOf(f[20].split(",").length);
            return String.join("\t", f);
        }).sorted().toList();
    }

    @Test
    void threadsGiveTheSameRowsOnTunnelledAndPlainTraffic() {
        for (String trace : new String[] {"tunnel-vxlan.pcap", "tunnel-gre.pcap", "tunnel-teredo.pcap",
            "tunnel-gtp-outer-ip-frag.pcap", "tcp-wikipedia.pcap"}) {
            String t = CORPUS.resolve("traces/" + trace).toString();
            out.reset();
            assertThat(run("analyze", "-C", t)).isZero();
            List<String> single = comparable(out.toString(StandardCharsets.UTF_8));
            out.reset();
            assertThat(run("analyze", "-C", "--threads", "2", t)).isZero();
            assertThat(comparable(out.toString(StandardCharsets.UTF_8))).as(trace).isEqualTo(single).isNotEmpty();
        }
    }
}
