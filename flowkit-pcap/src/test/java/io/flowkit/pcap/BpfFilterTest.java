package io.flowkit.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flowkit.FrameHandler;
import io.flowkit.LinkType;
import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import io.flowkit.pcap.Captures.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user of {@link BpfFilter} sees: compile errors, link types, the filtered source's
 * polling and counters, and Zeek's own filtered run of the corpus.
 */
class BpfFilterTest {

    @BeforeAll
    static void assumeLibpcap() {
        try {
            BpfFilter.compile("tcp");
        } catch (IllegalStateException e) {
            assumeTrue(false, "libpcap is not available: " + e.getMessage());
        }
    }

    /** An IPv4 packet (no link header) from 10.0.0.1:sport to 10.0.0.2:dport, TCP or UDP. */
    static byte[] ipv4(boolean tcp, int sport, int dport, int payload) {
        int l4 = tcp ? 20 : 8;
        ByteBuffer b = ByteBuffer.allocate(20 + l4 + payload);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4 + payload)).putInt(0)
                .put((byte) 64).put((byte) (tcp ? 6 : 17)).putShort((short) 0)
                .put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
        b.putShort((short) sport).putShort((short) dport);
        if (tcp) {
            b.putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x02).putShort((short) 1024).putInt(0);
        } else {
            b.putShort((short) (8 + payload)).putShort((short) 0);
        }
        return b.array();
    }

    /** The packet behind an Ethernet header carrying IPv4, from {@code src}. */
    static byte[] ethernet(byte[] src, byte[] ip) {
        ByteBuffer b = ByteBuffer.allocate(14 + ip.length);
        b.put(new byte[] {2, 0, 0, 0, 0, 2}).put(src).putShort((short) 0x0800).put(ip);
        return b.array();
    }

    private static final byte[] MAC = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};

    private static boolean matches(BpfFilter f, int linkType, byte[] frame) {
        return f.matches(linkType, ByteBuffer.wrap(frame), 0, frame.length, frame.length);
    }

    @Test
    void rejectsASyntaxErrorWithLibpcapsMessageAndTheExpression() {
        assertThatThrownBy(() -> BpfFilter.compile("tcp port"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"tcp port\"")
                .hasMessageContaining("syntax error");
        assertThatThrownBy(() -> BpfFilter.compile("port 70000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("70000");
    }

    @Test
    void rejectsABlankExpression() {
        assertThatThrownBy(() -> BpfFilter.compile("  ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
    }

    @Test
    void acceptsAnExpressionThatOnlyAnotherLinkLayerUnderstands() {
        // 802.11 frame control: type management (0), subtype beacon (8)
        BpfFilter beacons = BpfFilter.compile("wlan type mgt subtype beacon");
        byte[] beacon = new byte[24];
        beacon[0] = (byte) 0x80;
        byte[] data = new byte[24];
        data[0] = 0x08;
        assertThat(matches(beacons, LinkType.IEEE802_11, beacon)).isTrue();
        assertThat(matches(beacons, LinkType.IEEE802_11, data)).isFalse();
        assertThat(matches(beacons, LinkType.ETHERNET, beacon)).as("no meaning on Ethernet").isFalse();
    }

    @Test
    void compilesPerLinkTypeSoTheSameExpressionFindsTcpInEthernetAndRawIpFrames() {
        BpfFilter web = BpfFilter.compile("tcp port 80");
        byte[] ip = ipv4(true, 40000, 80, 10);
        assertThat(matches(web, LinkType.RAW, ip)).isTrue();
        assertThat(matches(web, LinkType.ETHERNET, ethernet(MAC, ip))).isTrue();
        assertThat(matches(web, LinkType.IPV4, ip)).isTrue();
        assertThat(matches(web, LinkType.RAW, ipv4(true, 40000, 81, 10))).isFalse();
        assertThat(matches(web, LinkType.RAW, ipv4(false, 40000, 80, 10))).isFalse();
        assertThat(matches(web, LinkType.ETHERNET, ip)).as("IPv4 bytes read as an Ethernet header").isFalse();
    }

    @Test
    void neverMatchesFramesOfALinkTypeTheExpressionCannotApplyTo() {
        BpfFilter host = BpfFilter.compile("ether src 00:11:22:33:44:55");
        byte[] ip = ipv4(false, 1, 2, 0);
        assertThat(matches(host, LinkType.ETHERNET, ethernet(MAC, ip))).isTrue();
        assertThat(matches(host, LinkType.RAW, ip)).as("raw IP has no Ethernet address").isFalse();
        assertThat(matches(host, 4000, ip)).as("a link type libpcap does not know").isFalse();
        assertThat(matches(host, -1, ip)).isFalse();
        assertThat(matches(host, 70_000, ip)).isFalse();
    }

    @Test
    void testsWireLengthWithLenEvenWhenTheFrameIsTruncated() {
        BpfFilter big = BpfFilter.compile("greater 1000");
        byte[] ip = ipv4(true, 1, 2, 0);
        assertThat(big.matches(LinkType.RAW, ByteBuffer.wrap(ip), 0, ip.length, 1500)).isTrue();
        assertThat(big.matches(LinkType.RAW, ByteBuffer.wrap(ip), 0, ip.length, ip.length)).isFalse();
    }

    @Test
    void readsTheFrameAtItsOffsetAndLeavesTheBufferAsItWas() {
        BpfFilter dns = BpfFilter.compile("udp dst port 53");
        byte[] ip = ipv4(false, 5353, 53, 4);
        ByteBuffer buf = ByteBuffer.allocate(ip.length + 9).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(9, ip);
        buf.position(3).limit(buf.capacity() - 1);
        assertThat(dns.matches(LinkType.RAW, buf, 9, ip.length - 1, ip.length)).isTrue();
        assertThat(buf.position()).isEqualTo(3);
        assertThat(buf.limit()).isEqualTo(buf.capacity() - 1);
        assertThat(buf.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> dns.matches(LinkType.RAW, buf, 9, ip.length, ip.length))
                .as("frame beyond the limit").isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void filtersAPcapngWhoseInterfacesHaveDifferentLinkTypes(@TempDir Path dir) throws IOException {
        Captures.Pcapng ng = new Captures.Pcapng().section(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkType.ETHERNET, 0, null, null).iface(LinkType.RAW, 0, null, null);
        byte[] dnsIp = ipv4(false, 5353, 53, 12);
        byte[] webIp = ipv4(true, 40000, 80, 0);
        ng.epb(0, 1, ethernet(MAC, dnsIp), dnsIp.length + 14).epb(1, 2, webIp, webIp.length)
                .epb(1, 3, dnsIp, dnsIp.length).epb(0, 4, ethernet(MAC, webIp), webIp.length + 14);
        Path file = dir.resolve("mixed.pcapng");
        Files.write(file, ng.bytes());
        try (PacketSource s = BpfFilter.compile("udp port 53").filter(PcapFile.open(file))) {
            List<Frame> frames = Captures.readAll(s);
            assertThat(frames).extracting(Frame::linkType).containsExactly(LinkType.ETHERNET, LinkType.RAW);
            assertThat(frames).extracting(Frame::timestampNanos).containsExactly(1000L, 3000L);
            assertThat(s.stats()).isEqualTo(new SourceStats(2, 14 + 2L * dnsIp.length, 0, 0, 0, 2));
        }
    }

    @Test
    void keepsOnlyThePort50000ConnectionAsZeekDidWithTheSameFilter() throws IOException {
        Path trace = ConformanceTracesTest.TRACES.resolve("other-bpf-port50000.pcap");
        Path log = ConformanceTracesTest.TRACES.resolveSibling("expected/other-bpf-port50000.conn.log");
        assumeTrue(Files.isRegularFile(trace) && Files.isRegularFile(log), "conformance corpus not found");
        String[] conn = Files.readAllLines(log).stream().filter(l -> !l.startsWith("#")).findFirst()
                .orElseThrow().split("\t");
        int origPort = Integer.parseInt(conn[3]);
        int respPort = Integer.parseInt(conn[5]);
        long packets = Long.parseLong(conn[16]) + Long.parseLong(conn[18]);
        try (PacketSource all = PcapFile.open(trace);
             PacketSource s = BpfFilter.compile("port 50000").filter(PcapFile.open(trace))) {
            long total = Captures.readAll(all).size();
            List<Frame> frames = Captures.readAll(s);
            assertThat(frames).hasSize((int) packets);
            for (Frame f : frames) {
                ByteBuffer b = ByteBuffer.wrap(f.data());
                int ihl = (b.get(14) & 0xF) * 4;
                int sport = b.getShort(14 + ihl) & 0xFFFF;
                int dport = b.getShort(14 + ihl + 2) & 0xFFFF;
                assertThat(List.of(sport, dport)).containsExactlyInAnyOrder(origPort, respPort);
            }
            assertThat(s.stats().filtered()).isEqualTo(total - packets);
        }
    }

    /** A source delivering given frames one per poll, then idle polls, then the end. */
    private static final class Scripted implements PacketSource {
        final List<byte[]> frames;
        final int idlePolls;
        int next;
        int idle;
        boolean closed;

        Scripted(List<byte[]> frames, int idlePolls) {
            this.frames = frames;
            this.idlePolls = idlePolls;
        }

        @Override
        public int poll(FrameHandler handler, int maxFrames) {
            if (next < frames.size()) {
                byte[] f = frames.get(next++);
                handler.onFrame(next, LinkType.RAW, ByteBuffer.wrap(f), 0, f.length - 1, f.length);
                return 1;
            }
            if (idle < idlePolls) {
                idle++;
                handler.advanceTime(1_000_000L + idle);
                return 0;
            }
            return END_OF_INPUT;
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public SourceStats stats() {
            long bytes = frames.subList(0, next).stream().mapToLong(f -> f.length - 1).sum();
            return new SourceStats(next, bytes, next, 7, 3);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void pollsOnUntilAFrameMatchesThenPassesIdleTimeAndTheEndThrough() throws IOException {
        List<byte[]> frames = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            frames.add(ipv4(false, 1000 + k, 2000, 0));
        }
        frames.add(ipv4(false, 53, 2000, 0));
        frames.add(ipv4(false, 1000, 2000, 0));
        Scripted source = new Scripted(frames, 2);
        PacketSource filtered = BpfFilter.compile("udp src port 53").filter(source);
        List<Long> times = new ArrayList<>();
        List<Long> idle = new ArrayList<>();
        FrameHandler handler = new FrameHandler() {
            @Override
            public void onFrame(long ts, int linkType, ByteBuffer buffer, int offset, int caplen, int wirelen) {
                times.add(ts);
            }

            @Override
            public void advanceTime(long ts) {
                idle.add(ts);
            }
        };
        assertThat(filtered.poll(handler, 256)).as("reads six frames to deliver one").isEqualTo(1);
        assertThat(times).containsExactly(6L);
        assertThat(filtered.poll(handler, 256)).as("the last frame does not match, then the source idles")
                .isZero();
        assertThat(filtered.poll(handler, 256)).isZero();
        assertThat(idle).containsExactly(1_000_001L, 1_000_002L);
        assertThat(filtered.poll(handler, 256)).isEqualTo(PacketSource.END_OF_INPUT);
        SourceStats stats = filtered.stats();
        long frameBytes = frames.get(5).length - 1;
        assertThat(stats).isEqualTo(new SourceStats(1, frameBytes, 1, 7, 3, 6));
        assertThat(filtered.name()).isEqualTo("scripted");
        assertThatThrownBy(() -> filtered.poll(handler, 0)).isInstanceOf(IllegalArgumentException.class);
        filtered.close();
        assertThat(source.closed).isTrue();
    }

    @Test
    void addsFilteredCountsOfNestedFilters() throws IOException {
        List<byte[]> frames = List.of(ipv4(true, 1, 80, 0), ipv4(false, 1, 80, 0), ipv4(true, 1, 22, 0));
        PacketSource twice = BpfFilter.compile("port 80").filter(BpfFilter.compile("tcp").filter(new Scripted(frames, 0)));
        List<Frame> out = Captures.readAll(twice);
        assertThat(out).hasSize(1);
        assertThat(twice.stats().filtered()).isEqualTo(2);
        assertThat(twice.stats().frames()).isEqualTo(1);
    }

    @Test
    void describesItselfByItsExpression() {
        BpfFilter f = BpfFilter.compile("icmp or icmp6");
        assertThat(f.expression()).isEqualTo("icmp or icmp6");
        assertThat(f).hasToString("BpfFilter[icmp or icmp6]");
    }

    @Test
    void givesTheSameAnswersWhenThreadsShareOneFilter() throws Exception {
        // an arithmetic expression: its program uses scratch memory, one array per thread
        BpfFilter filter = BpfFilter.compile("len - ((ip[0] & 0xf) << 2) > 40 and ip[9] = 6");
        List<byte[]> frames = new ArrayList<>();
        for (int k = 0; k < 64; k++) {
            frames.add(ipv4(k % 2 == 0, 1, 2, k));
        }
        boolean[] expected = new boolean[frames.size()];
        for (int k = 0; k < expected.length; k++) {
            expected[k] = matches(filter, LinkType.RAW, frames.get(k));
        }
        assertThat(expected).contains(true, false);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int shift = t;
                results.add(pool.submit(() -> {
                    int wrong = 0;
                    for (int round = 0; round < 20_000; round++) {
                        int k = (round * 7 + shift) % expected.length;
                        if (matches(filter, LinkType.RAW, frames.get(k)) != expected[k]) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            for (java.util.concurrent.Future<Integer> r : results) {
                assertThat(r.get()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
