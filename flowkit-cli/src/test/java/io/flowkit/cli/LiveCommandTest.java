package io.flowkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flowkit live -i lo --seconds N} records the loopback connections this test makes while
 * it runs (with -C: loopback packets carry offloaded, unfinished checksums). Only 127.0.0.1 is used. Skipped, with the reason, where capture is not permitted.
 */
class LiveCommandTest {

    @Test
    @Timeout(60)
    void recordsLoopbackTcpAndUdpExchangesMadeDuringTheCapture(@TempDir Path dir) throws Exception {
        recordsLoopbackExchanges(dir);
    }

    @Test
    @Timeout(60)
    void engineOptionsOfAnalyzeRecordTheSameLoopbackExchanges(@TempDir Path dir) throws Exception {
        recordsLoopbackExchanges(dir, "--threads", "2", "--compress", "--max-pending", "1000",
                "--pending-timeout", "5s", "--max-connections", "1000", "--uid-seed", "7");
    }

    /**
     * Captures on lo with {@code options} while this test makes one TCP and one UDP exchange on
     * 127.0.0.1, and checks that conn.log records both as complete (SF) with their byte counts.
     */
    private static void recordsLoopbackExchanges(Path dir, String... options) throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 10, lo)) {
            int port = server.getLocalPort();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            AtomicInteger status = new AtomicInteger(-1);
            List<String> argv = new ArrayList<>(List.of("live", "-i", "lo",
                "-C", "--filter", "host 127.0.0.1 and port " + port, "--seconds", "4", "-o", dir.toString()));
            argv.addAll(List.of(options));
            Thread capture = new Thread(() -> status.set(Main.run(argv.toArray(new String[0]),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8))));
            capture.start();
            Path log = dir.resolve("conn.log");
            // the log is created once the interface is open
            for (int i = 0; i < 200 && !Files.exists(log) && capture.isAlive(); i++) {
                Thread.sleep(25);
            }
            if (!Files.exists(log)) {
                capture.join();
                String m = err.toString(StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
                assumeTrue(!(m.contains("permit") || m.contains("libpcap") || m.contains("no such device")),
                        "cannot capture on lo here: " + m.trim());
                throw new AssertionError("live capture did not start: " + m);
            }

            Thread echo = new Thread(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[5];
                    int n = in.readNBytes(buf, 0, 5);
                    out.write(buf, 0, n);
                    out.write("world".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    in.read();   // wait for the client's FIN
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            echo.start();
            try (Socket client = new Socket(lo, port)) {
                client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                client.getInputStream().readNBytes(10);
            }
            echo.join(5000);

            try (DatagramSocket udpServer = new DatagramSocket(new InetSocketAddress(lo, port));
                 DatagramSocket udpClient = new DatagramSocket(new InetSocketAddress(lo, 0))) {
                byte[] q = "query".getBytes(StandardCharsets.US_ASCII);
                udpClient.send(new DatagramPacket(q, q.length, lo, port));
                DatagramPacket p = new DatagramPacket(new byte[64], 64);
                udpServer.receive(p);
                byte[] a = "answer!".getBytes(StandardCharsets.US_ASCII);
                udpServer.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                udpClient.receive(new DatagramPacket(new byte[64], 64));
            }

            capture.join(20_000);
            assertThat(capture.isAlive()).as("live capture stops after --seconds").isFalse();
            assertThat(status.get()).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(0);

            List<String[]> rows = Files.readAllLines(log).stream().filter(l -> !l.startsWith("#"))
                    .map(l -> l.split("\t", -1)).toList();
            String p = String.valueOf(port);
            // columns: 2 orig_h, 4 resp_h, 5 resp_p, 6 proto, 9 orig_bytes, 10 resp_bytes, 11 conn_state
            assertThat(rows).anySatisfy(r -> {
                assertThat(r[6]).isEqualTo("tcp");
                assertThat(r[4]).isEqualTo("127.0.0.1");
                assertThat(r[5]).isEqualTo(p);
                assertThat(r[11]).isEqualTo("SF");
                assertThat(r[9]).isEqualTo("5");
                assertThat(r[10]).isEqualTo("10");
            });
            assertThat(rows).anySatisfy(r -> {
                assertThat(r[6]).isEqualTo("udp");
                assertThat(r[5]).isEqualTo(p);
                assertThat(r[11]).isEqualTo("SF");
                assertThat(r[9]).isEqualTo("5");
                assertThat(r[10]).isEqualTo("7");
            });
            assertThat(Files.readAllLines(log).get(Files.readAllLines(log).size() - 1)).startsWith("#close");
        }
    }

    @Test
    @Timeout(60)
    void outDirGetsScanLogAndProgressLogClosedAtTheEnd(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"live", "-i", "lo", "-C", "--filter", "host 127.0.0.2 and port 9",
            "--seconds", "1", "-o", dir.toString(), "--progress-log", "--scan-window", "90s"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String m = err.toString(StandardCharsets.UTF_8);
        assumeTrue(status == 0 || !(m.toLowerCase(Locale.ROOT).contains("permit")
                || m.toLowerCase(Locale.ROOT).contains("libpcap") || m.toLowerCase(Locale.ROOT).contains("no such device")),
                "cannot capture on lo here: " + m.trim());
        assertThat(status).as(m).isZero();
        for (String[] log : new String[][] {{"conn.log", "conn"}, {"scan.log", "scan"}, {"conn_long.log", "conn_long"}}) {
            String text = Files.readString(dir.resolve(log[0]));
            assertThat(text).as(log[0]).contains("#path\t" + log[1] + "\n");
            assertThat(text.lines().reduce((a, b) -> b).orElseThrow()).as(log[0]).startsWith("#close");
        }
    }

    @Test
    @Timeout(60)
    void linkResumedAddsTheResumedColumnsToTheLiveLogs(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"live", "-i", "lo", "-C", "--filter", "host 127.0.0.2 and port 9",
            "--seconds", "1", "-o", dir.toString(), "--progress-log", "--link-resumed"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String m = err.toString(StandardCharsets.UTF_8);
        assumeTrue(status == 0 || !(m.toLowerCase(Locale.ROOT).contains("permit")
                || m.toLowerCase(Locale.ROOT).contains("libpcap") || m.toLowerCase(Locale.ROOT).contains("no such device")),
                "cannot capture on lo here: " + m.trim());
        assertThat(status).as(m).isZero();
        String fields = "#fields\t" + String.join("\t", io.flowkit.core.ConnLogWriter.FIELDS) + "\t"
                + String.join("\t", io.flowkit.core.ConnLogWriter.RESUMED_FIELDS) + "\n";
        assertThat(Files.readString(dir.resolve("conn.log"))).contains(fields);
        assertThat(Files.readString(dir.resolve("conn_long.log"))).contains(fields);
    }
}
