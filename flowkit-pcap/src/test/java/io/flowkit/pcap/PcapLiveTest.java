package io.flowkit.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Live capture on the loopback interface, with traffic the test makes itself on 127.0.0.1.
 * Skipped, with the reason, where libpcap or capture permission is missing.
 */
class PcapLiveTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** Opens a capture on {@code lo}, or skips the test if this machine cannot capture. */
    private static PcapLive openLoopback(String filter) throws IOException {
        return openLoopback(filter, 65_535);
    }

    private static PcapLive openLoopback(String filter, int snapLength) throws IOException {
        try {
            return PcapLive.builder("lo").promiscuous(false).snapLength(snapLength).filter(filter)
                    .readTimeout(Duration.ofMillis(20)).bufferSize(1 << 20).build();
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            assumeTrue(!(m.contains("permit") || m.contains("libpcap is not available") || m.contains("no such device")),
                    "cannot capture on lo here: " + e.getMessage());
            throw e;
        }
    }

    /** A frame seen on lo (Ethernet), reduced to IPv4 protocol and ports. */
    private record Seen(int protocol, int sourcePort, int destinationPort, int linkType) {
    }

    private static final class Collector implements FrameHandler {
        final List<Seen> seen = new ArrayList<>();
        /** Frame buffers that were not read-only (the decoder expects one buffer class, read-only). */
        int writable;

        @Override
        public void onFrame(long ts, int linkType, ByteBuffer b, int off, int caplen, int wirelen) {
            if (!b.isReadOnly() || !b.isDirect()) {
                writable++;
            }
            if (linkType != LinkType.ETHERNET || caplen < 14 + 20 + 4 || b.getShort(off + 12) != 0x0800) {
                return;
            }
            int ihl = (b.get(off + 14) & 0x0F) * 4;
            int protocol = b.get(off + 14 + 9) & 0xFF;
            int l4 = off + 14 + ihl;
            seen.add(new Seen(protocol, b.getShort(l4) & 0xFFFF, b.getShort(l4 + 2) & 0xFFFF, linkType));
        }
    }

    @Test
    void capturesTcpConnectionAndUdpExchangeOnLoopback() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
             DatagramSocket udpA = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             DatagramSocket udpB = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            int tcpPort = server.getLocalPort();
            int udpPort = udpB.getLocalPort();
            try (PcapLive live = openLoopback("host 127.0.0.1 and (tcp port " + tcpPort + " or udp port " + udpPort + ")")) {
                Thread serverThread = new Thread(() -> {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        byte[] buf = new byte[5];
                        in.readNBytes(buf, 0, 5);
                        out.write(buf);
                    } catch (IOException ignored) {
                        // the client's assertions report a broken exchange
                    }
                });
                serverThread.start();
                try (Socket client = new Socket(LOOPBACK, tcpPort)) {
                    client.getOutputStream().write("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    assertThat(client.getInputStream().readNBytes(5)).hasSize(5);
                }
                serverThread.join();
                udpA.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, udpB.getLocalSocketAddress()));
                DatagramPacket got = new DatagramPacket(new byte[16], 16);
                udpB.receive(got);
                udpB.send(new DatagramPacket(new byte[] {4, 5}, 2, got.getSocketAddress()));
                udpA.receive(new DatagramPacket(new byte[16], 16));

                Collector c = new Collector();
                // at least 3 TCP frames each way (handshake, data, FIN) and the 2 datagrams
                for (int polls = 0; polls < 2_000 && !enough(c.seen, tcpPort, udpPort); polls++) {
                    assertThat(live.poll(c, 64)).isNotEqualTo(PacketSource.END_OF_INPUT);
                }
                assertThat(c.seen).filteredOn(s -> s.protocol() == 6 && s.destinationPort() == tcpPort).hasSizeGreaterThanOrEqualTo(3);
                assertThat(c.seen).filteredOn(s -> s.protocol() == 6 && s.sourcePort() == tcpPort).hasSizeGreaterThanOrEqualTo(3);
                assertThat(c.seen).filteredOn(s -> s.protocol() == 17).extracting(Seen::destinationPort)
                        .containsExactly(udpPort, udpA.getLocalPort());
                assertThat(live.stats().frames()).isEqualTo(c.seen.size());
                assertThat(c.writable).as("frames handed out in a writable or heap buffer").isZero();
                assertThat(live.stats().kernelDrops()).isZero();
            }
        }
    }

    private static boolean enough(List<Seen> seen, int tcpPort, int udpPort) {
        long toServer = seen.stream().filter(s -> s.protocol() == 6 && s.destinationPort() == tcpPort).count();
        long fromServer = seen.stream().filter(s -> s.protocol() == 6 && s.sourcePort() == tcpPort).count();
        long udp = seen.stream().filter(s -> s.protocol() == 17).count();
        return toServer >= 3 && fromServer >= 3 && udp >= 2;
    }

    @Test
    void advancesHandlerTimeWhenNothingArrives() throws IOException {
        try (DatagramSocket quiet = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             PcapLive live = openLoopback("udp port " + quiet.getLocalPort())) {
            AtomicLong advanced = new AtomicLong();
            AtomicInteger frames = new AtomicInteger();
            FrameHandler h = new FrameHandler() {
                @Override
                public void onFrame(long ts, int lt, ByteBuffer b, int o, int c, int w) {
                    frames.incrementAndGet();
                }

                @Override
                public void advanceTime(long nanos) {
                    advanced.set(nanos);
                }
            };
            long before = System.currentTimeMillis() * 1_000_000L;
            assertThat(live.poll(h, 16)).isZero();
            assertThat(frames).hasValue(0);
            assertThat(advanced.get()).isGreaterThanOrEqualTo(before);
        }
    }

    @Test
    void stopFromAnotherThreadEndsAPollingLoopOnAQuietInterface() throws Exception {
        try (DatagramSocket quiet = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             PcapLive live = openLoopback("udp port " + quiet.getLocalPort())) {
            CountDownLatch polling = new CountDownLatch(1);
            AtomicInteger last = new AtomicInteger(0);
            Thread poller = new Thread(() -> {
                FrameHandler h = (ts, lt, b, o, c, w) -> { };
                try {
                    int n;
                    do {
                        polling.countDown();
                        n = live.poll(h, 16);
                    } while (n != PacketSource.END_OF_INPUT);
                    last.set(n);
                } catch (IOException e) {
                    last.set(-2);
                }
            });
            poller.start();
            assertThat(polling.await(10, TimeUnit.SECONDS)).isTrue();
            live.stop();
            poller.join(TimeUnit.SECONDS.toMillis(5));
            assertThat(poller.isAlive()).as("poller still running after stop()").isFalse();
            assertThat(last).hasValue(PacketSource.END_OF_INPUT);
            assertThat(live.poll((ts, lt, b, o, c, w) -> { }, 1)).isEqualTo(PacketSource.END_OF_INPUT);
        }
    }

    @Test
    void closeFromAnotherThreadEndsAPollingLoop() throws Exception {
        DatagramSocket quiet = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        PcapLive live = openLoopback("udp port " + quiet.getLocalPort());
        AtomicInteger polls = new AtomicInteger();
        Thread poller = new Thread(() -> {
            try {
                while (live.poll((ts, lt, b, o, c, w) -> { }, 16) != PacketSource.END_OF_INPUT) {
                    polls.incrementAndGet();
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        poller.start();
        while (polls.get() < 3) {
            Thread.onSpinWait();
        }
        live.close();
        poller.join(TimeUnit.SECONDS.toMillis(5));
        quiet.close();
        assertThat(poller.isAlive()).as("poller still running after close()").isFalse();
        assertThat(live.stats().frames()).isZero();
    }

    @Test
    void cutsFramesToTheSnapshotLengthAndCountsThemTruncated() throws Exception {
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             PcapLive live = openLoopback("udp and dst port " + b.getLocalPort(), 100)) {
            a.send(new DatagramPacket(new byte[1000], 1000, b.getLocalSocketAddress()));
            b.receive(new DatagramPacket(new byte[2000], 2000));
            List<int[]> lengths = new ArrayList<>();
            FrameHandler h = (ts, lt, buf, off, caplen, wirelen) -> lengths.add(new int[] {caplen, wirelen});
            for (int polls = 0; polls < 2_000 && lengths.isEmpty(); polls++) {
                live.poll(h, 8);
            }
            assertThat(lengths).hasSize(1);
            assertThat(lengths.get(0)).containsExactly(100, 14 + 20 + 8 + 1000);
            assertThat(live.stats().truncated()).isEqualTo(1);
            assertThat(live.stats().bytes()).isEqualTo(100);
        }
    }

    @Test
    void interruptingThePollingThreadEndsTheSource() throws Exception {
        try (DatagramSocket quiet = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             PcapLive live = openLoopback("udp port " + quiet.getLocalPort())) {
            AtomicInteger last = new AtomicInteger(0);
            CountDownLatch polling = new CountDownLatch(1);
            Thread poller = new Thread(() -> {
                try {
                    int n;
                    do {
                        polling.countDown();
                        n = live.poll((ts, lt, b, o, c, w) -> { }, 16);
                    } while (n != PacketSource.END_OF_INPUT);
                    last.set(Thread.currentThread().isInterrupted() ? n : 0);
                } catch (IOException e) {
                    last.set(-2);
                }
            });
            poller.start();
            assertThat(polling.await(10, TimeUnit.SECONDS)).isTrue();
            poller.interrupt();
            poller.join(TimeUnit.SECONDS.toMillis(5));
            assertThat(poller.isAlive()).isFalse();
            assertThat(last).hasValue(PacketSource.END_OF_INPUT);
        }
    }

    @Test
    void reportsUnknownInterfaceByName() {
        assertThatThrownBy(() -> PcapLive.builder("flowkit-no-such-if0").build().close())
                .isInstanceOf(IOException.class).hasMessageContaining("flowkit-no-such-if0");
    }

    @Test
    void reportsFilterThatDoesNotCompile() throws IOException {
        try (PcapLive probe = openLoopback("udp port 9")) {
            assertThat(probe.name()).isEqualTo("lo");
        }
        assertThatThrownBy(() -> PcapLive.builder("lo").filter("tcp port banana").build().close())
                .isInstanceOf(IOException.class).hasMessageContaining("tcp port banana");
    }

    @Test
    void rejectsOptionsOutOfRangeWhenSet() {
        PcapLive.Builder b = PcapLive.builder("lo");
        assertThatThrownBy(() -> b.snapLength(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.snapLength(262_145)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.bufferSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.readTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.readTimeout(Duration.ofHours(2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.filter(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PcapLive.builder("")).isInstanceOf(IllegalArgumentException.class);
    }
}
