package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateMainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return GenerateMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void writesCaptureAndTruthFromCommandLineOptions() throws IOException {
        Path pcap = dir.resolve("g.pcap");
        assertThat(run("--packets", "5000", "--flows", "50", "--seed", "9", "--mss", "536", "--scan",
                "--out", pcap.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("wrote 5000 packets");
        assertThat(CaptureFile.read(pcap).frames).hasSize(5000);
        assertThat(TruthRow.read(dir.resolve("g.truth.tsv"))).anyMatch(r -> r.kind().startsWith("SCAN_"));
        assertThat(CaptureFile.read(pcap).frames).allSatisfy(f -> assertThat(f.bytes().length).isLessThanOrEqualTo(14 + 40 + 20 + 536));
    }

    @Test
    void fragmentsOptionSendsLargeResponsesInFragments() throws IOException {
        Path plain = dir.resolve("p.pcap");
        Path fragmented = dir.resolve("f.pcap");
        assertThat(run("--packets", "5000", "--seed", "3", "--out", plain.toString())).isZero();
        assertThat(run("--packets", "5000", "--seed", "3", "--fragments", "0.5", "--out", fragmented.toString())).isZero();
        // more-fragments set or a fragment offset: IPv4 flags and offset word, bytes 20-21 of the frame
        assertThat(CaptureFile.read(plain).frames).noneMatch(f -> f.bytes().length > 21 && (f.bytes()[20] & 0x3F | f.bytes()[21]) != 0
                && f.bytes()[12] == 0x08 && f.bytes()[13] == 0);
        assertThat(CaptureFile.read(fragmented).frames).anyMatch(f -> (f.bytes()[20] & 0x20) != 0
                && f.bytes()[12] == 0x08 && f.bytes()[13] == 0);
        assertThat(Files.readString(dir.resolve("f.truth.tsv"))).contains("fragmentShare=0.5");
        assertThat(Files.readString(dir.resolve("p.truth.tsv"))).doesNotContain("fragmentShare");
    }

    @Test
    void printsHelpAndExitsZero() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: generate", "--packets", "--scan");
    }

    @Test
    void exitsTwoWithUsageOnBadOptions() {
        for (String[] bad : new String[][] {
            {"--packets", "10"},                              // no --out
            {"--out", "x.pcap", "--packets"},                 // missing value
            {"--out", "x.pcap", "--packets", "ten"},          // not a number
            {"--out", "x.pcap", "--flows", "0"},              // out of range
            {"--out", "x.pcap", "--mss", "9999999999"},       // too large for an int
            {"--out", "x.pcap", "--frobnicate"},              // unknown
            {"--out", "x.pcap", "--fragments", "1.5"},        // share out of range
            {"--out", "x.pcap", "--fragments", "NaN"},        // not a share
            {"--out", "x.pcap", "--fragments", "some"},       // not a number
        }) {
            err.reset();
            assertThat(run(bad)).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).as(String.join(" ", bad)).contains("usage: generate");
        }
        assertThat(Files.exists(Path.of("x.pcap"))).isFalse();
    }

    @Test
    void exitsOneWhenTheOutputCannotBeWritten() {
        assertThat(run("--packets", "10", "--out", dir.resolve("missing/dir/g.pcap").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot write");
    }
}
