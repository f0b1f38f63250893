package io.flowkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The options {@code analyze} and {@code live} share are read by one parser: each is checked on
 * both commands here. Every case is bad usage, found before any capture is opened, so {@code live}
 * runs without capture permission.
 */
class TrackerOptionsTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs {@code command} with {@code options} and what the command needs besides (a file, an interface). */
    int run(String command, String... options) {
        List<String> argv = new ArrayList<>(List.of(command));
        argv.addAll(List.of(options));
        if (command.equals("live")) {
            argv.addAll(List.of("-i", "lo", "--seconds", "1"));
        } else {
            argv.add(AnalyzeCommandTest.DEMO.toString());
        }
        return Main.run(argv.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void helpListsEverySharedOption(String command) {
        assertThat(run(command, "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: flowkit " + command)
                .contains("--out DIR", "--format FORMAT", "--ignore-checksums", "--local-nets",
                        "--tcp-inactivity-timeout", "--timeout PORT/PROTO", "--progress-log", "--progress-ages",
                        "--link-resumed", "--scan-window", "--no-scan", "--stats", "--debug",
                        "--uid-seed N", "--max-connections N", "--compress", "--max-pending N",
                        "--pending-timeout D", "--threads N");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void unknownOptionIsBadUsageWithTheCommandsUsage(String command) {
        assertThat(run(command, "--bogus")).isEqualTo(2);
        assertThat(err()).startsWith("flowkit: unknown option --bogus\n").contains("Usage: flowkit " + command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void badFormatIsBadUsage(String command) {
        assertThat(run(command, "-f", "xml")).isEqualTo(2);
        assertThat(err()).contains("unknown format 'xml'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void badLocalNetworkIsBadUsageNamingTheOption(String command) {
        assertThat(run(command, "--local-nets", "10.0.0.0/99")).isEqualTo(2);
        assertThat(err()).contains("option --local-nets").contains("10.0.0.0/99");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void flagGivenAValueIsBadUsage(String command) {
        assertThat(run(command, "--stats=yes")).isEqualTo(2);
        assertThat(err()).contains("option --stats takes no value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void linkResumedTakesNoValue(String command) {
        assertThat(run(command, "--link-resumed=24h")).isEqualTo(2);
        assertThat(err()).contains("option --link-resumed takes no value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void progressLogNeedsAnOutputDirectory(String command) {
        assertThat(run(command, "--progress-log")).isEqualTo(2);
        assertThat(err()).contains("--progress-log needs -o");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void progressAgesMustBeIncreasingDurationsAndNeedAnOutputDirectory(String command) {
        assertThat(run(command, "-o", "unused", "--progress-ages", "1h,10m")).isEqualTo(2);
        assertThat(err()).contains("option --progress-ages needs increasing ages").contains("'1h,10m'");
        err.reset();
        assertThat(run(command, "-o", "unused", "--progress-ages", "10m,10m")).isEqualTo(2);
        assertThat(err()).contains("option --progress-ages needs increasing ages").contains("'10m,10m'");
        err.reset();
        assertThat(run(command, "-o", "unused", "--progress-ages", "10m,soon")).isEqualTo(2);
        assertThat(err()).contains("option --progress-ages needs a duration").contains("'soon'");
        err.reset();
        assertThat(run(command, "-o", "unused", "--progress-ages", "0s,1h")).isEqualTo(2);
        assertThat(err()).contains("option --progress-ages must be positive").contains("'0s'");
        err.reset();
        assertThat(run(command, "--progress-ages", "10m")).isEqualTo(2);
        assertThat(err()).contains("option --progress-ages needs -o DIR");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void malformedTimeoutIsBadUsageNamingTheOption(String command) {
        assertThat(run(command, "--timeout", "443=1h")).isEqualTo(2);
        assertThat(err()).contains("option --timeout");
        err.reset();
        assertThat(run(command, "--udp-inactivity-timeout", "soon")).isEqualTo(2);
        assertThat(err()).contains("option --udp-inactivity-timeout").contains("'soon'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void badScanSettingIsBadUsageNamingTheOption(String command) {
        assertThat(run(command, "--scan-port-threshold", "0")).isEqualTo(2);
        assertThat(err()).contains("option --scan-port-threshold must be at least 1");
        err.reset();
        assertThat(run(command, "--scan-allow", "not-a-network")).isEqualTo(2);
        assertThat(err()).contains("option --scan-allow").contains("not-a-network");
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void badEngineSettingIsBadUsageNamingOptionAndValue(String command) {
        String[][] cases = {
            {"--threads", "0", "must be at least 1"},
            {"--threads", "1000", "between 1 and 256"},
            {"--threads", "two", "needs a whole number"},
            {"--max-connections", "0", "must be at least 1"},
            {"--max-connections", "3000000000", "must be at most"},
            {"--max-pending", "0", "must be at least 1"},
            {"--max-pending", "lots", "needs a whole number"},
            {"--pending-timeout", "0s", "must be positive"},
            {"--pending-timeout", "soon", "needs a duration"},
            {"--uid-seed", "0x1f", "needs a whole number"},
        };
        for (String[] c : cases) {
            err.reset();
            assertThat(run(command, c[0], c[1])).as(String.join(" ", c)).isEqualTo(2);
            assertThat(err()).as(String.join(" ", c)).contains("option " + c[0]).contains(c[1]).contains(c[2]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"analyze", "live"})
    void compressTakesNoValue(String command) {
        assertThat(run(command, "--compress=yes")).isEqualTo(2);
        assertThat(err()).contains("option --compress takes no value");
    }
}
