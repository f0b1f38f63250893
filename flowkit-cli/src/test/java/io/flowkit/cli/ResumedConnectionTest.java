package io.flowkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.bench.gen.PcapWriter;
import io.flowkit.core.ConnLogWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance capture of resumed-connection linking: one TCP session of 19 hours whose bursts
 * are 30 minutes apart, with ordinary traffic around it (a DNS exchange and a short TCP
 * connection every hour). Some bursts after a gap start with the server (neither port is a likely
 * server port, so those records have the server as originator), two resend the client's last
 * segment, and two lose a client segment before the tap. The writer keeps the session's ground
 * truth as it sends: packets captured per direction and distinct payload bytes sent.
 */
class ResumedConnectionTest {
    static final int BURSTS = 39;
    static final long GAP = 30L * 60 * 1_000_000_000L;
    static final int SERVER_PORT = 7000;
    static final int CLIENT_PORT = 40_000;
    static final Set<Integer> SERVER_FIRST = Set.of(3, 4, 17, 38);
    static final Set<Integer> RESENDS = Set.of(6, 21);
    static final Set<Integer> LOSES = Set.of(9, 30);
    static final int N = ConnLogWriter.FIELDS.size();

    @TempDir
    static Path dir;
    static Path capture;
    /** Ground truth: client packets, client bytes, server packets, server bytes. */
    static final long[] TRUTH = new long[4];

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void writeCapture() throws IOException {
        capture = dir.resolve("resumed-session.pcap");
        try (PcapWriter w = new PcapWriter(capture, 65_535)) {
            Session s = new Session(w);
            long t = 1_700_000_000L * 1_000_000_000L;
            s.client(t, 0x02, 0, false);
            s.server(t + 1_000_000, 0x12, 0);
            s.client(t + 2_000_000, 0x10, 0, false);
            for (int b = 0; b < BURSTS; b++) {
                long bt = t + 1_000_000_000L + b * GAP;
                if (b % 2 == 0) {
                    ordinary(w, bt + 500_000_000L, b);
                }
                if (RESENDS.contains(b)) {
                    s.resendLast(bt - 1_000_000);
                }
                if (SERVER_FIRST.contains(b)) {
                    s.server(bt, 0x18, 300);
                    s.client(bt + 1_000_000, 0x18, 100, false);
                    s.server(bt + 2_000_000, 0x10, 0);
                } else {
                    s.client(bt, 0x18, 100, false);
                    s.server(bt + 1_000_000, 0x18, 300);
                    s.client(bt + 2_000_000, 0x10, 0, false);
                }
                if (LOSES.contains(b)) {
                    s.client(bt + 3_000_000, 0x18, 50, true);
                }
            }
            long end = t + 1_000_000_000L + (BURSTS - 1) * GAP + 1_000_000_000L;
            s.client(end, 0x11, 0, false);
            s.server(end + 1_000_000, 0x11, 0);
            s.client(end + 2_000_000, 0x10, 0, false);
        }
    }

    /** The session's packets, sequence numbers and ground truth. */
    static final class Session {
        final PcapWriter w;
        long c = 1000;
        long s = 5000;

        Session(PcapWriter w) {
            this.w = w;
        }

        void client(long ts, int flags, int payload, boolean lostBeforeTheTap) throws IOException {
            if (!lostBeforeTheTap) {
                tcp(w, ts, true, flags, c, s, payload);
                TRUTH[0]++;
            }
            TRUTH[1] += payload;
            c += payload + ((flags & 0x03) != 0 ? 1 : 0);
        }

        void server(long ts, int flags, int payload) throws IOException {
            tcp(w, ts, false, flags, s, c, payload);
            TRUTH[2]++;
            TRUTH[3] += payload;
            s += payload + ((flags & 0x03) != 0 ? 1 : 0);
        }

        /** Sends the client's last data segment again: a packet, no new bytes. */
        void resendLast(long ts) throws IOException {
            tcp(w, ts, true, 0x18, c - 100, s, 100);
            TRUTH[0]++;
        }
    }

    static void ordinary(PcapWriter w, long ts, int b) throws IOException {
        udp(w, ts, 53_000 + b, 53, 40, true);
        udp(w, ts + 2_000_000, 53, 53_000 + b, 120, false);
        int port = 41_000 + b;
        long c = 70_000;
        long s = 90_000;
        tcpPorts(w, ts, true, port, 80, 0x02, c, 0, 0);
        tcpPorts(w, ts + 1_000_000, false, 80, port, 0x12, s, c + 1, 0);
        tcpPorts(w, ts + 2_000_000, true, port, 80, 0x18, c + 1, s + 1, 200);
        tcpPorts(w, ts + 3_000_000, false, 80, port, 0x19, s + 1, c + 201, 800);
        tcpPorts(w, ts + 4_000_000, true, port, 80, 0x11, c + 201, s + 802, 0);
        tcpPorts(w, ts + 5_000_000, false, 80, port, 0x10, s + 802, c + 202, 0);
    }

    static void tcp(PcapWriter w, long ts, boolean fromClient, int flags, long seq, long ack, int payload)
            throws IOException {
        tcpPorts(w, ts, fromClient, fromClient ? CLIENT_PORT : SERVER_PORT, fromClient ? SERVER_PORT : CLIENT_PORT,
                flags, seq, ack, payload);
    }

    static void tcpPorts(PcapWriter w, long ts, boolean fromClient, int sport, int dport, int flags, long seq, long ack,
                         int payload) throws IOException {
        ByteBuffer f = ipv4(6, 20 + payload, fromClient);
        f.putShort((short) sport).putShort((short) dport);
        f.putInt((int) seq).putInt((int) ack).put((byte) 0x50).put((byte) flags).putShort((short) 65_535);
        f.putInt(0); // checksum, urgent pointer
        w.write(ts, f.array(), 0, f.capacity());
    }

    static void udp(PcapWriter w, long ts, int sport, int dport, int payload, boolean fromClient) throws IOException {
        ByteBuffer f = ipv4(17, 8 + payload, fromClient);
        f.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload)).putShort((short) 0);
        w.write(ts, f.array(), 0, f.capacity());
    }

    static ByteBuffer ipv4(int proto, int l4Length, boolean fromClient) {
        ByteBuffer f = ByteBuffer.allocate(14 + 20 + l4Length);
        f.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4Length)).putInt(0);
        f.put((byte) 64).put((byte) proto).putShort((short) 0);
        byte[] client = {10, 0, 0, 1};
        byte[] server = {10, 0, 0, 2};
        f.put(fromClient ? client : server).put(fromClient ? server : client);
        return f;
    }

    List<String[]> rows(String... options) {
        List<String> argv = new ArrayList<>(List.of("analyze", "-C", "--uid-seed", "7"));
        argv.addAll(List.of(options));
        argv.add(capture.toString());
        out.reset();
        int status = Main.run(argv.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#"))
                .map(l -> l.split("\t", -1)).toList();
    }

    static boolean isSession(String[] r) {
        return r[6].equals("tcp") && (r[3].equals(String.valueOf(SERVER_PORT)) || r[5].equals(String.valueOf(SERVER_PORT)));
    }

    static List<String[]> sessionRows(List<String[]> rows) {
        return rows.stream().filter(ResumedConnectionTest::isSession)
                .sorted(Comparator.comparing((String[] r) -> r[0])).toList();
    }

    @Test
    void zeekDefaultsGiveOneRecordPerBurstAndOnlyZeekColumns() {
        List<String[]> rows = rows();
        assertThat(sessionRows(rows)).hasSize(BURSTS);
        assertThat(rows).allSatisfy(r -> assertThat(r).hasSize(N));
    }

    @Test
    void everyContinuationNamesThePreviousRecordAndTheTotalsMatchTheGroundTruth() {
        List<String[]> session = sessionRows(rows("--link-resumed"));
        assertThat(session).hasSize(BURSTS);
        String[] first = session.get(0);
        assertThat(Arrays.copyOfRange(first, N, first.length)).containsOnly("-");
        for (int i = 1; i < session.size(); i++) {
            String[] r = session.get(i);
            assertThat(r[N]).as("resumed_uid of part %d", i).isEqualTo(session.get(i - 1)[1]);
            assertThat(r[N + 1]).isEqualTo(first[1]);
            assertThat(r[N + 2]).isEqualTo(first[0]);
            assertThat(Integer.parseInt(r[N + 3])).isEqualTo(i + 1);
            // a part is reversed exactly when its originator is the server
            assertThat(r[N + 4]).isEqualTo(r[2].equals("10.0.0.2") ? "T" : "F");
        }
        assertThat(session).filteredOn(r -> r[N + 4].equals("T")).isNotEmpty();
        String[] last = session.get(session.size() - 1);
        assertThat(new long[] {Long.parseLong(last[N + 5]), Long.parseLong(last[N + 6]), Long.parseLong(last[N + 7]),
            Long.parseLong(last[N + 8])}).containsExactly(TRUTH);
        // the resent and lost segments make the plain sums of the parts wrong
        long sum = session.stream().mapToLong(r -> Long.parseLong(r[r[2].equals("10.0.0.1") ? 9 : 10])).sum();
        assertThat(sum).isNotEqualTo(TRUTH[1]);
    }

    @Test
    void linkingChangesNoZeekColumn() {
        List<String> plain = rows().stream().map(r -> String.join("\t", r)).sorted().toList();
        List<String> linked = rows("--link-resumed").stream().map(r -> String.join("\t", Arrays.copyOf(r, N)))
                .sorted().toList();
        assertThat(linked).isEqualTo(plain);
    }

    @Test
    void aLongerTimeoutGivesOneRecordWithTheSameTotals() {
        List<String[]> session = sessionRows(rows("--tcp-inactivity-timeout", "2h"));
        assertThat(session).hasSize(1);
        String[] r = session.get(0);
        assertThat(new long[] {Long.parseLong(r[16]), Long.parseLong(r[9]), Long.parseLong(r[18]),
            Long.parseLong(r[10])}).containsExactly(TRUTH);
    }

    @Test
    void threadsLogTheSameLinkedRowsAsOneThread() {
        List<String> single = canonical(rows("--link-resumed"));
        List<String> threaded = canonical(rows("--link-resumed", "--threads", "2"));
        assertThat(threaded).isEqualTo(single);
    }

    @Test
    void statsCountTheLinks() {
        rows("--link-resumed", "--stats");
        // the session's 38 continuations; the ordinary DNS and TCP flows use a new port each time
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("resumed connections  " + (BURSTS - 1) + " linked");
    }

    /**
     * Rows with every uid, in any column, replaced by the start time and 5-tuple of the row that
     * owns it, sorted: what a run must produce whichever engine numbered the connections.
     */
    static List<String> canonical(List<String[]> rows) {
        Map<String, String> names = new HashMap<>();
        for (String[] r : rows) {
            names.put(r[1], r[0] + "/" + r[2] + ":" + r[3] + "/" + r[4] + ":" + r[5] + "/" + r[6]);
        }
        return rows.stream().map(r -> {
            String[] c = r.clone();
            for (int i = 0; i < c.length; i++) {
                c[i] = names.getOrDefault(c[i], c[i]);
            }
            return String.join("\t", c);
        }).sorted().toList();
    }
}
