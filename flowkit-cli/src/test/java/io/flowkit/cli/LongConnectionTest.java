package io.flowkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.bench.gen.PcapWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 19-hour TCP session that idles 30 minutes between bursts, next to a short UDP exchange,
 * analyzed with Zeek's default timeouts and with longer ones from the command line. Frames
 * carry zero checksums and every run passes {@code -C}.
 */
class LongConnectionTest {
    static final int BURSTS = 39; // 19 hours of 30-minute gaps, a burst at each end
    static final long GAP_NANOS = 30L * 60 * 1_000_000_000L;
    static final int CLIENT_PAYLOAD = 100;
    static final int SERVER_PAYLOAD = 300;
    static final int CLIENT_PORT = 40_000;

    @TempDir
    static Path dir;
    static Path capture;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void writeCapture() throws IOException {
        capture = dir.resolve("long-session.pcap");
        try (PcapWriter w = new PcapWriter(capture, 65_535)) {
            long t = 1_700_000_000L * 1_000_000_000L;
            long c = 1000;
            long s = 5000;
            w(w, t, true, 0x02, c, 0, 0);
            w(w, t + 1_000_000, false, 0x12, s, c + 1, 0);
            w(w, t + 2_000_000, true, 0x10, c + 1, s + 1, 0);
            c++;
            s++;
            // ordinary traffic around it: a short DNS-like exchange in the first minute
            udp(w, t + 10_000_000, 53_000, 53, 40);
            udp(w, t + 20_000_000, 53, 53_000, 120);
            for (int b = 0; b < BURSTS; b++) {
                long bt = t + 1_000_000_000L + b * GAP_NANOS;
                w(w, bt, true, 0x18, c, s, CLIENT_PAYLOAD);
                c += CLIENT_PAYLOAD;
                w(w, bt + 1_000_000, false, 0x18, s, c, SERVER_PAYLOAD);
                s += SERVER_PAYLOAD;
                w(w, bt + 2_000_000, true, 0x10, c, s, 0);
            }
            long end = t + 1_000_000_000L + (BURSTS - 1) * GAP_NANOS + 1_000_000_000L;
            w(w, end, true, 0x11, c, s, 0);
            w(w, end + 1_000_000, false, 0x11, s, c + 1, 0);
        }
    }

    private static void w(PcapWriter w, long ts, boolean fromClient, int flags, long seq, long ack, int payload)
            throws IOException {
        ByteBuffer f = ipv4(6, 20 + payload, fromClient);
        f.putShort((short) (fromClient ? CLIENT_PORT : 443)).putShort((short) (fromClient ? 443 : CLIENT_PORT));
        f.putInt((int) seq).putInt((int) ack).put((byte) 0x50).put((byte) flags).putShort((short) 65_535);
        f.putInt(0); // checksum, urgent pointer
        w.write(ts, f.array(), 0, f.capacity());
    }

    private static void udp(PcapWriter w, long ts, int sport, int dport, int payload) throws IOException {
        ByteBuffer f = ipv4(17, 8 + payload, sport != 53);
        f.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload)).putShort((short) 0);
        w.write(ts, f.array(), 0, f.capacity());
    }

    private static ByteBuffer ipv4(int proto, int l4Length, boolean fromClient) {
        ByteBuffer f = ByteBuffer.allocate(14 + 20 + l4Length);
        f.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4Length)).putInt(0);
        f.put((byte) 64).put((byte) proto).putShort((short) 0);
        byte[] client = {10, 0, 0, 1};
        byte[] server = {10, 0, 0, 2};
        f.put(fromClient ? client : server).put(fromClient ? server : client);
        return f;
    }

    int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    List<String[]> tcpRows(String... options) {
        String[] argv = new String[options.length + 3];
        argv[0] = "analyze";
        argv[1] = "-C";
        System.arraycopy(options, 0, argv, 2, options.length);
        argv[argv.length - 1] = capture.toString();
        assertThat(run(argv)).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#"))
                .map(l -> l.split("\t", -1)).filter(r -> r[6].equals("tcp")).toList();
    }

    @Test
    void zeekDefaultsSplitTheSessionIntoOneRecordPerBurst() {
        List<String[]> rows = tcpRows();
        assertThat(rows).hasSize(BURSTS);
        assertThat(rows).extracting(r -> r[1]).doesNotHaveDuplicates();
        assertThat(rows).allSatisfy(r -> assertThat(Double.parseDouble(r[8])).isLessThan(5 * 60));
    }

    @Test
    void longerTcpTimeoutKeepsTheWholeSessionInOneRecord() {
        List<String[]> rows = tcpRows("--tcp-inactivity-timeout", "2h");
        assertThat(rows).hasSize(1);
        String[] r = rows.get(0);
        double duration = 1.0 + (BURSTS - 1) * 1800.0 + 1.0 + 0.001; // SYN to the responder's FIN
        assertThat(Double.parseDouble(r[8])).isCloseTo(duration, Offset.offset(1e-6));
        assertThat(Long.parseLong(r[9])).isEqualTo((long) BURSTS * CLIENT_PAYLOAD);
        assertThat(Long.parseLong(r[10])).isEqualTo((long) BURSTS * SERVER_PAYLOAD);
        assertThat(r[11]).isEqualTo("SF");
    }

    @Test
    void perPortTimeoutAppliesOnlyToItsPort() {
        assertThat(tcpRows("--timeout", "443/tcp=45m")).hasSize(1);
        out.reset();
        assertThat(tcpRows("--timeout", "444/tcp=45m")).hasSize(BURSTS);
    }

    @Test
    void progressLogShowsTheOpenSessionAtTenMinutesAndEveryHour(@TempDir Path out) throws IOException {
        assertThat(run("analyze", "-C", "-o", out.toString(), "--progress-log", "--tcp-inactivity-timeout", "2h",
                capture.toString())).as(err.toString(StandardCharsets.UTF_8)).isZero();
        String longLog = Files.readString(out.resolve("conn_long.log"));
        assertThat(longLog).contains("#path\tconn_long\n");
        List<String[]> conn = rowsOf(Files.readString(out.resolve("conn.log")));
        List<String[]> snapshots = rowsOf(longLog);
        String uid = conn.stream().filter(r -> r[6].equals("tcp")).findFirst().orElseThrow()[1];
        // 10 minutes, then 1 h .. 19 h: the session ends 2 s after 19 hours
        assertThat(snapshots).hasSize(20).allSatisfy(r -> {
            assertThat(r).hasSize(conn.get(0).length);
            assertThat(r[1]).isEqualTo(uid);
        });
        assertThat(snapshots).extracting(r -> Long.parseLong(r[9])).isSorted()
                .last().isEqualTo((long) (BURSTS - 1) * CLIENT_PAYLOAD);
    }

    @Test
    void progressLogWithSeveralThreadsHasTheSameSnapshots(@TempDir Path one, @TempDir Path three) throws IOException {
        for (Path out : List.of(one, three)) {
            assertThat(run("analyze", "-C", "-o", out.toString(), "--progress-log", "--tcp-inactivity-timeout", "2h",
                    "--threads", out == one ? "1" : "3", capture.toString())).as(err.toString(StandardCharsets.UTF_8))
                    .isZero();
        }
        List<String[]> snapshots = rowsOf(Files.readString(three.resolve("conn_long.log")));
        String uid = rowsOf(Files.readString(three.resolve("conn.log"))).stream().filter(r -> r[6].equals("tcp"))
                .findFirst().orElseThrow()[1];
        assertThat(snapshots).hasSize(20).allSatisfy(r -> assertThat(r[1]).isEqualTo(uid));
        // uids differ between thread counts; every other column is the same
        assertThat(withoutUids(snapshots)).isEqualTo(withoutUids(rowsOf(Files.readString(one.resolve("conn_long.log")))));
    }

    static List<List<String>> withoutUids(List<String[]> rows) {
        return rows.stream().map(r -> {
            List<String> l = new ArrayList<>(List.of(r));
            l.remove(1);
            return l;
        }).toList();
    }

    @Test
    void progressAgesSetWhenSnapshotsAreTakenWhateverTheOptionOrder(@TempDir Path out) throws IOException {
        List<List<List<String>>> runs = new ArrayList<>();
        for (String[] opts : List.of(new String[] {"--progress-ages", "30m,3h"},
                new String[] {"--progress-log", "--progress-ages=30m,3h"},
                new String[] {"--progress-ages", "30m,3h", "--progress-log"})) {
            Path dir = Files.createDirectories(out.resolve("run" + runs.size()));
            List<String> argv = new ArrayList<>(List.of("analyze", "-C", "-o", dir.toString(),
                    "--tcp-inactivity-timeout", "2h", "--uid-seed", "5"));
            argv.addAll(List.of(opts));
            argv.add(capture.toString());
            assertThat(run(argv.toArray(new String[0]))).as(err.toString(StandardCharsets.UTF_8)).isZero();
            runs.add(rowsOf(Files.readString(dir.resolve("conn_long.log"))).stream().map(List::of).toList());
        }
        // at 30 min, then 3 h, 6 h, ... 18 h (the session ends 2 s after 19 h); a snapshot taken at
        // an age has seen the bursts sent before it: one every 30 minutes from 1 s on
        long[] ages = {1800, 3 * 3600, 6 * 3600, 9 * 3600, 12 * 3600, 15 * 3600, 18 * 3600};
        assertThat(runs.get(0)).extracting(r -> Long.parseLong(r.get(9)))
                .containsExactly(Arrays.stream(ages).map(a -> ((a - 1) / 1800 + 1) * CLIENT_PAYLOAD).boxed()
                        .toArray(Long[]::new));
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
        assertThat(runs.get(2)).isEqualTo(runs.get(0));
    }

    @Test
    void progressLogStaysEmptyWhenEveryRecordIsShort(@TempDir Path out) throws IOException {
        assertThat(run("analyze", "-C", "-o", out.toString(), "--progress-log", capture.toString())).isZero();
        assertThat(rowsOf(Files.readString(out.resolve("conn_long.log")))).isEmpty();
        assertThat(rowsOf(Files.readString(out.resolve("conn.log")))).hasSize(BURSTS + 1);
    }

    @Test
    void progressLogNeedsAnOutputDirectory() {
        assertThat(run("analyze", "--progress-log", capture.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--progress-log needs -o");
    }

    static List<String[]> rowsOf(String log) {
        return log.lines().filter(l -> !l.startsWith("#")).map(l -> l.split("\t", -1)).toList();
    }

    @Test
    void malformedTimeoutIsAUsageError() {
        assertThat(run("analyze", "--timeout", "443=1h", capture.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--timeout");
        err.reset();
        assertThat(run("analyze", "--timeout", "443/xyz=1h", capture.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--timeout");
        err.reset();
        assertThat(run("analyze", "--tcp-inactivity-timeout", "0s", capture.toString())).isEqualTo(2);
    }
}
