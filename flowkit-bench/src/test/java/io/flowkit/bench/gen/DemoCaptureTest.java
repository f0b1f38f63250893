package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed demo capture is exactly what the command in {@code demo/README.md} writes. */
class DemoCaptureTest {
    static final Path DEMO = Path.of("..", "demo");
    static final String OPTIONS = "--packets 2000 --flows 20 --seed 7 --mss 300 --scan";

    @TempDir
    Path dir;

    @Test
    void readmeNamesTheOptionsThisTestUses() throws IOException {
        assertThat(Files.readString(DEMO.resolve("README.md"))).contains("flowkit generate " + OPTIONS + " --out demo/demo.pcap");
    }

    @Test
    void regeneratingTheDemoGivesIdenticalBytes() throws IOException {
        List<String> args = new ArrayList<>(List.of(OPTIONS.split(" ")));
        args.add("--out");
        args.add(dir.resolve("demo.pcap").toString());
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(GenerateMain.run(args.toArray(String[]::new), sink, sink)).isZero();
        assertThat(Files.mismatch(dir.resolve("demo.pcap"), DEMO.resolve("demo.pcap"))).isEqualTo(-1);
        assertThat(Files.mismatch(dir.resolve("demo.truth.tsv"), DEMO.resolve("demo.truth.tsv"))).isEqualTo(-1);
    }

    @Test
    void demoIsSmallAndShowsEveryKindOfFlow() throws IOException {
        assertThat(Files.size(DEMO.resolve("demo.pcap"))).isLessThan(400_000);
        List<TruthRow> rows = TruthRow.read(DEMO.resolve("demo.truth.tsv"));
        assertThat(rows.stream().map(TruthRow::kind).distinct()).hasSize(FlowKind.values().length);
        assertThat(rows.stream().filter(r -> r.kind().equals("SCAN_ADDRESS"))).hasSize(254);
        assertThat(rows.stream().filter(r -> r.kind().equals("SCAN_PORT"))).hasSize(100);
        assertThat(rows.stream().map(TruthRow::connState).distinct())
                .contains("SF", "S0", "REJ", "RSTO", "OTH");
        assertThat(rows).anyMatch(r -> r.origH().getAddress().length == 16);
    }
}
