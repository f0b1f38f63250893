package io.flowkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.CloseReason;
import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnLogWriterTest {

    private static Connection conn(String orig, String resp, long durationNanos, List<String> parents) throws Exception {
        return new Connection("CHhAvVGS1DHFjwGM9", 1_300_475_167_096_535_000L, InetAddress.getByName(orig), 26242,
                InetAddress.getByName(resp), 110, Protocol.TCP, 6, null, durationNanos, 12, 34, ConnState.REJ,
                true, false, 0, "Sr", 1, 52, 1, 40, parents, CloseReason.CLOSED);
    }

    private static String write(LogFormat format, Connection... conns) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ConnLogWriter w = ConnLogWriter.builder(bytes).format(format).build()) {
            for (Connection c : conns) {
                w.onConnectionClosed(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesZeekHeaderRowAndFooter() throws Exception {
        String log = write(LogFormat.ZEEK, conn("192.168.0.4", "212.227.15.188", 50_692_000L, List.of()));
        List<String> lines = log.lines().toList();
        assertThat(lines.get(0)).isEqualTo("#separator \\x09");
        assertThat(lines.get(1)).isEqualTo("#set_separator\t,");
        assertThat(lines.get(4)).isEqualTo("#path\tconn");
        assertThat(lines.get(5)).matches("#open\t\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d");
        assertThat(lines.get(6)).isEqualTo("#fields\t" + String.join("\t", ConnLogWriter.FIELDS));
        assertThat(lines.get(7)).startsWith("#types\ttime\tstring\taddr\tport");
        assertThat(lines.get(8)).isEqualTo("1300475167.096535\tCHhAvVGS1DHFjwGM9\t192.168.0.4\t26242\t212.227.15.188"
                + "\t110\ttcp\t-\t0.050692\t12\t34\tREJ\tT\tF\t0\tSr\t1\t52\t1\t40\t-\t6");
        assertThat(lines.get(9)).startsWith("#close\t");
        assertThat(lines).hasSize(10);
    }

    @Test
    void leavesDurationAndBytesUnsetForZeroDuration() throws Exception {
        String row = write(LogFormat.ZEEK, conn("10.0.0.1", "10.0.0.2", 0, List.of())).lines().toList().get(8);
        assertThat(row.split("\t", -1)).containsSequence("-", "-", "-", "REJ");
    }

    @Test
    void compressesIpv6AddressesLikeZeek() throws Exception {
        String row = write(LogFormat.ZEEK, conn("2001:db8:0:0:1:0:0:1", "fe80:0:0:0:0:0:0:1", 1, List.of()))
                .lines().toList().get(8);
        String[] f = row.split("\t", -1);
        assertThat(f[2]).isEqualTo("2001:db8::1:0:0:1");
        assertThat(f[4]).isEqualTo("fe80::1");
    }

    @Test
    void writesTunnelParentsAsSet() throws Exception {
        String row = write(LogFormat.ZEEK, conn("10.0.0.1", "10.0.0.2", 1000, List.of("CabC", "Cdef")))
                .lines().toList().get(8);
        assertThat(row.split("\t", -1)[20]).isEqualTo("CabC,Cdef");
    }

    @Test
    void roundsNanosecondsToMicrosecondsHalfUp() throws Exception {
        String row = write(LogFormat.ZEEK, conn("10.0.0.1", "10.0.0.2", 1_999_999_500L, List.of()))
                .lines().toList().get(8);
        assertThat(row.split("\t", -1)[8]).isEqualTo("2.000000");
    }

    @Test
    void writesJsonLinesWithZeekFieldNamesAndOmitsUnsetFields() throws Exception {
        String json = write(LogFormat.JSON, conn("192.168.0.4", "212.227.15.188", 0, List.of()));
        assertThat(json).isEqualTo("{\"ts\":1300475167.096535,\"uid\":\"CHhAvVGS1DHFjwGM9\",\"id.orig_h\":\"192.168.0.4\","
                + "\"id.orig_p\":26242,\"id.resp_h\":\"212.227.15.188\",\"id.resp_p\":110,\"proto\":\"tcp\","
                + "\"conn_state\":\"REJ\",\"local_orig\":true,\"local_resp\":false,\"missed_bytes\":0,\"history\":\"Sr\","
                + "\"orig_pkts\":1,\"orig_ip_bytes\":52,\"resp_pkts\":1,\"resp_ip_bytes\":40,\"ip_proto\":6}\n");
    }

    @Test
    void writesIpv4AddressesAsInetAddressPrintsThem() throws Exception {
        for (String a : new String[] {"0.0.0.0", "255.255.255.255", "10.0.128.9", "192.168.200.1"}) {
            String row = write(LogFormat.ZEEK, conn(a, "1.2.3.4", 1, List.of())).lines().toList().get(8);
            assertThat(row.split("\t", -1)[2]).isEqualTo(InetAddress.getByName(a).getHostAddress());
        }
    }

    @Test
    void encodesNonAsciiValuesInUtf8LikeAWriter() throws Exception {
        // ZeekAscii escapes up to 0xFF; wider characters pass through and must come out as UTF-8,
        // a lone surrogate as '?', exactly as a UTF-8 Writer encodes them
        String parent = "C\u670d\u52a1-\ud83d\ude00-\ud800x";
        String log = write(LogFormat.ZEEK, conn("10.0.0.1", "10.0.0.2", 1000, List.of(parent)));
        ByteArrayOutputStream reference = new ByteArrayOutputStream();
        try (java.io.Writer w = new java.io.OutputStreamWriter(reference, StandardCharsets.UTF_8)) {
            w.write(parent);
        }
        String row = log.lines().toList().get(8);
        assertThat(row.split("\t", -1)[20]).isEqualTo(reference.toString(StandardCharsets.UTF_8));
        assertThat(row.split("\t", -1)[20]).contains("\ud83d\ude00").endsWith("-?x");
    }

    @Test
    void writesLinesLongerThanTheBufferAndManyLinesAcrossBufferEdges() throws Exception {
        List<String> parents = new java.util.ArrayList<>();
        for (int i = 0; i < 12_000; i++) {
            parents.add("C" + i);
        }
        Connection wide = conn("10.0.0.1", "10.0.0.2", 1000, parents);
        Connection narrow = conn("10.0.0.3", "10.0.0.4", 1000, List.of());
        Connection[] conns = new Connection[3001];
        java.util.Arrays.fill(conns, narrow);
        conns[1500] = wide;
        List<String> lines = write(LogFormat.ZEEK, conns).lines().toList();
        String narrowRow = write(LogFormat.ZEEK, narrow).lines().toList().get(8);
        assertThat(lines).hasSize(8 + 3001 + 1);
        assertThat(lines.get(8 + 1500).split("\t", -1)[20]).isEqualTo(String.join(",", parents));
        assertThat(lines.get(8 + 1500).length()).isGreaterThan(1 << 16);
        for (int i = 0; i < 3001; i++) {
            if (i != 1500) {
                assertThat(lines.get(8 + i)).isEqualTo(narrowRow);
            }
        }
    }

    @Test
    void flushesEachRecordWhenAskedSoLiveOutputAppearsAtOnce() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConnLogWriter w = ConnLogWriter.builder(bytes).flushEachRecord(true).build();
        w.onConnectionClosed(conn("10.0.0.1", "10.0.0.2", 1, List.of()));
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList()).hasSize(9);
        w.onConnectionClosed(conn("10.0.0.1", "10.0.0.2", 1, List.of()));
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList()).hasSize(10);
        w.close();
    }

    @Test
    void reportsWriteFailureOnClose() throws Exception {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        };
        ConnLogWriter w = ConnLogWriter.builder(broken).build();
        w.onConnectionClosed(conn("10.0.0.1", "10.0.0.2", 1, List.of()));
        assertThatThrownBy(w::close).isInstanceOf(IOException.class).hasMessage("disk full");
    }

    private static Connection resumed(Connection c) {
        return new Connection("CAAAAAAAAAAAAAAA2", c.startNanos(), c.origAddress(), c.origPort(), c.respAddress(),
                c.respPort(), c.protocol(), c.ipProto(), null, c.durationNanos(), c.origBytes(), c.respBytes(),
                c.state(), c.localOrig(), c.localResp(), 0, c.history(), c.origPackets(), c.origIpBytes(),
                c.respPackets(), c.respIpBytes(), List.of(), CloseReason.INACTIVITY_TIMEOUT, c.uid(),
                new Connection.Session(c.uid(), 1_300_000_000_000_000_000L, 7, 700, 9, 900, 2, true));
    }

    @Test
    void writesZeekColumnsOnlyUnlessResumedColumnsAreAsked() throws Exception {
        Connection first = conn("10.0.0.1", "10.0.0.2", 1_000_000, List.of());
        Connection second = resumed(first);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (ConnLogWriter w = ConnLogWriter.builder(plain).build()) {
            w.onConnectionClosed(second);
        }
        List<String> plainRows = plain.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();
        assertThat(plainRows.get(0).split("\t", -1)).hasSize(ConnLogWriter.FIELDS.size());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ConnLogWriter w = ConnLogWriter.builder(bytes).resumedColumns(true).build()) {
            w.onConnectionClosed(first);
            w.onConnectionClosed(second);
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(6)).isEqualTo("#fields\t" + String.join("\t", ConnLogWriter.FIELDS) + "\t"
                + String.join("\t", ConnLogWriter.RESUMED_FIELDS));
        assertThat(lines.get(7)).endsWith("\tcount\tstring\tstring\ttime\tcount\tbool\tcount\tcount\tcount\tcount");
        String[] a = lines.get(8).split("\t", -1);
        String[] b = lines.get(9).split("\t", -1);
        int n = ConnLogWriter.FIELDS.size();
        assertThat(a).hasSize(n + ConnLogWriter.RESUMED_FIELDS.size());
        assertThat(java.util.Arrays.copyOfRange(a, n, a.length)).containsOnly("-");
        assertThat(java.util.Arrays.copyOfRange(b, 0, n)).containsExactly(plainRows.get(0).split("\t", -1));
        assertThat(java.util.Arrays.copyOfRange(b, n, b.length)).containsExactly(first.uid(), first.uid(),
                "1300000000.000000", "2", "T", "7", "700", "9", "900");
    }

    @Test
    void writesResumedFieldsInJsonOnlyForContinuations() throws Exception {
        Connection first = conn("10.0.0.1", "10.0.0.2", 1_000_000, List.of());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ConnLogWriter w = ConnLogWriter.builder(bytes).format(LogFormat.JSON).resumedColumns(true).build()) {
            w.onConnectionClosed(first);
            w.onConnectionClosed(resumed(first));
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).doesNotContain("resumed_uid").endsWith(",\"ip_proto\":6}");
        assertThat(lines.get(1)).endsWith(",\"ip_proto\":6,\"resumed_uid\":\"CHhAvVGS1DHFjwGM9\","
                + "\"session_uid\":\"CHhAvVGS1DHFjwGM9\",\"session_ts\":1300000000.000000,\"session_parts\":2,"
                + "\"session_reversed\":true,\"session_orig_pkts\":7,\"session_orig_bytes\":700,"
                + "\"session_resp_pkts\":9,\"session_resp_bytes\":900}");
    }

    /** Varied records: IPv4 and IPv6, zero and long durations, histories, escapes, tunnel parents, resumed ones. */
    private static List<Connection> variedRecords(int n) throws Exception {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        String[] histories = {"", "ShADadFf", "D", "Dd", "S", "^hADad", "x\\y\tz", "caf\u00e9", "-"};
        List<Connection> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] a = new byte[rnd.nextInt(4) == 0 ? 16 : 4];
            byte[] b = new byte[a.length];
            for (int k = 0; k < a.length; k++) {
                a[k] = rnd.nextInt(3) == 0 ? 0 : (byte) rnd.nextInt(256);
                b[k] = rnd.nextInt(3) == 0 ? 0 : (byte) rnd.nextInt(256);
            }
            long duration = rnd.nextInt(5) == 0 ? 0 : rnd.nextLong(1L << 45);
            List<String> parents = rnd.nextInt(20) == 0 ? List.of("C" + i, "Cx,y") : List.of();
            Connection c = new Connection("C" + Long.toString(rnd.nextLong() >>> 1, 36), rnd.nextLong(1L << 62),
                    InetAddress.getByAddress(a), rnd.nextInt(65536), InetAddress.getByAddress(b), rnd.nextInt(65536),
                    Protocol.values()[rnd.nextInt(Protocol.values().length)], rnd.nextInt(256), null, duration,
                    rnd.nextLong(1L << 40), rnd.nextLong(1L << 20), ConnState.values()[rnd.nextInt(ConnState.values().length)],
                    rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextInt(3) == 0 ? rnd.nextLong(1L << 33) : 0,
                    histories[rnd.nextInt(histories.length)], rnd.nextInt(1000), rnd.nextLong(1L << 36),
                    rnd.nextInt(1000), rnd.nextLong(1L << 36), parents, CloseReason.values()[rnd.nextInt(3)]);
            out.add(rnd.nextInt(10) == 0 ? resumed(c) : c);
        }
        return out;
    }

    private static String withoutOpenAndClose(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#open") && !l.startsWith("#close"))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void writesTheSameBytesOnItsOwnThreadAsOnTheCallersInEveryFormat() throws Exception {
        List<Connection> records = variedRecords(20_000);
        for (LogFormat format : LogFormat.values()) {
            ByteArrayOutputStream direct = new ByteArrayOutputStream();
            ByteArrayOutputStream threaded = new ByteArrayOutputStream();
            try (ConnLogWriter a = ConnLogWriter.builder(direct).format(format).resumedColumns(true).build();
                 ConnLogWriter b = ConnLogWriter.builder(threaded).format(format).resumedColumns(true).writerThread(true)
                         .build()) {
                for (Connection c : records) {
                    a.onConnectionClosed(c);
                    b.onConnectionClosed(c);
                }
            }
            assertThat(withoutOpenAndClose(threaded)).isEqualTo(withoutOpenAndClose(direct));
            assertThat(withoutOpenAndClose(threaded).lines().filter(l -> !l.startsWith("#"))).hasSize(records.size());
        }
    }

    /** An output that remembers which threads wrote to it. */
    private static final class ThreadRecordingOutput extends ByteArrayOutputStream {
        final java.util.Set<Thread> writers = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writers.add(Thread.currentThread());
            super.write(b, off, len);
        }
    }

    @Test
    void writesOnItsOwnThreadAndFlushWaitsForEveryRecordHandedOver() throws Exception {
        ThreadRecordingOutput out = new ThreadRecordingOutput();
        ConnLogWriter w = ConnLogWriter.builder(out).writerThread(true).build();
        out.writers.clear(); // the header is written by the building thread
        Connection c = conn("10.0.0.1", "10.0.0.2", 1000, List.of());
        for (int i = 0; i < 10_000; i++) {
            w.onConnectionClosed(c);
        }
        w.flush();
        assertThat(w.records()).isEqualTo(10_000);
        assertThat(out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#"))).hasSize(10_000);
        assertThat(out.writers).isNotEmpty().doesNotContain(Thread.currentThread());
        w.close();
        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList().get(8 + 10_000)).startsWith("#close\t");
    }

    @Test
    void flushesEachRecordOnItsOwnThreadWhenAsked() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ConnLogWriter w = ConnLogWriter.builder(bytes).writerThread(true).flushEachRecord(true).build()) {
            w.onConnectionClosed(conn("10.0.0.1", "10.0.0.2", 1, List.of()));
            w.flush();
            assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList()).hasSize(9);
        }
    }

    @Test
    void reportsWriteFailureOfItsOwnThreadOnFlushAndClose() throws Exception {
        OutputStream broken = new OutputStream() {
            private int calls;

            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (calls++ > 0) { // the header goes through; the records do not
                    throw new IOException("disk full");
                }
            }
        };
        ConnLogWriter w = ConnLogWriter.builder(broken).writerThread(true).build();
        for (int i = 0; i < 2_000; i++) {
            w.onConnectionClosed(conn("10.0.0.1", "10.0.0.2", 1, List.of()));
        }
        assertThatThrownBy(w::flush).isInstanceOf(IOException.class).hasMessage("disk full");
        assertThatThrownBy(w::close).isInstanceOf(IOException.class).hasMessage("disk full");
    }

    @Test
    void makesTheTrackerThreadWaitWhileTheOutputIsSlowAndLosesNoRecord() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean blocked = new java.util.concurrent.atomic.AtomicBoolean();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                blocked.set(true); // the output stalls until released
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.write(b, off, len);
            }
        };
        ConnLogWriter w = ConnLogWriter.builder(bytes).writerThread(true).build();
        Connection c = conn("10.0.0.1", "10.0.0.2", 1000, List.of());
        int lineLength = write(LogFormat.ZEEK, c).lines().toList().get(8).length() + 1;
        int total = 20_000;
        java.util.concurrent.atomic.AtomicInteger handedOver = new java.util.concurrent.atomic.AtomicInteger();
        Thread tracker = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                w.onConnectionClosed(c);
                handedOver.incrementAndGet();
            }
        });
        tracker.start();
        // wait (a liveness guard of a minute, not a timing) until the output is stalled and the
        // tracker's thread has stopped handing records over
        long giveUp = System.nanoTime() + 60_000_000_000L;
        while (!blocked.get() || tracker.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("the tracker's thread never waited").isLessThan(giveUp);
            Thread.onSpinWait();
        }
        // bounded: the lines in the writer's 64 KiB buffer, one record in hand, the ring's 4,096
        assertThat(handedOver.get()).isLessThanOrEqualTo((1 << 16) / lineLength + 2 + 4096);
        release.countDown();
        tracker.join();
        w.close();
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#"))).hasSize(total);
    }
}
