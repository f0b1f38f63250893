package io.flowkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownOptionExitsTwoWithUsage() {
        assertThat(run("analyze", "--bogus", "x.pcap")).isEqualTo(2);
        assertThat(err()).startsWith("flowkit: unknown option --bogus\n").contains("Usage: flowkit analyze");
    }

    @Test
    void missingFileExitsOneWithOneLineNamingIt() {
        assertThat(run("analyze", "missing.pcap")).isEqualTo(1);
        assertThat(err()).isEqualTo("flowkit: cannot read missing.pcap: no such file\n");
    }

    @Test
    void noFileIsBadUsage() {
        assertThat(run("analyze")).isEqualTo(2);
        assertThat(err()).startsWith("flowkit: no capture file given");
    }

    @Test
    void unknownCommandIsBadUsage() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err()).startsWith("flowkit: unknown command 'frobnicate'").contains("Commands:");
    }

    @Test
    void noArgumentsPrintsUsage() {
        assertThat(run()).isEqualTo(2);
        assertThat(err()).contains("Usage: flowkit COMMAND");
    }

    @Test
    void badFormatAndBadNetworkAreUsageErrors() {
        assertThat(run("analyze", "--format", "xml", "x.pcap")).isEqualTo(2);
        assertThat(err()).contains("unknown format 'xml'");
        err.reset();
        assertThat(run("analyze", "--local-nets", "10.0.0.0/99", "x.pcap")).isEqualTo(2);
        assertThat(err()).contains("10.0.0.0/99");
    }

    @Test
    void optionMissingItsValueIsBadUsage() {
        assertThat(run("analyze", "x.pcap", "--out")).isEqualTo(2);
        assertThat(err()).contains("option --out needs a value");
    }

    @Test
    void helpAndVersionExitZero() {
        assertThat(run("analyze", "--help")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: flowkit analyze");
        out.reset();
        assertThat(run("--version")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).matches("flowkit \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
    }

    @Test
    void conformanceNeedsAManifest(@TempDir Path dir) {
        assertThat(run("conformance", dir.toString())).isEqualTo(1);
        assertThat(err()).contains("manifest.tsv").contains("no such file");
    }

    @Test
    void notACaptureExitsOneNamingFileAndOffset(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.pcap");
        Files.writeString(junk, "this is not a capture file at all");
        assertThat(run("analyze", junk.toString())).isEqualTo(1);
        assertThat(err()).startsWith("flowkit: " + junk).contains("byte 0").doesNotContain("Exception");
        assertThat(err().lines().count()).isEqualTo(1);
    }
}
