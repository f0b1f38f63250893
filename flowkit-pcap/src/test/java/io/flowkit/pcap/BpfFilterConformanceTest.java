package io.flowkit.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flowkit.PacketSource;
import io.flowkit.SourceStats;
import io.flowkit.pcap.Captures.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

/**
 * Filters every trace of the shared Zeek corpus with a set of expressions and compares with
 * libpcap filtering the same file itself (pcap4j's offline reader with the filter set, which
 * runs libpcap's {@code pcap_offline_filter} on each record): the same frames must pass, in
 * the same order, both through {@link BpfFilter#filter(PacketSource)} and through
 * {@link BpfFilter#matches}. Where libpcap cannot compile an expression for a file's link type,
 * no frame may pass.
 */
class BpfFilterConformanceTest {
    static final List<String> EXPRESSIONS = List.of(
            "tcp", "udp", "udp port 53", "host 10.0.0.1", "port 50000", "port 80 or port 443", "vlan and tcp",
            "vlan", "mpls", "vlan and vlan and pppoes and tcp", "ip6", "ip6 and udp", "icmp", "icmp[icmptype] == 8", "icmp6",
            "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "greater 1000",
            "less 100", "len % 7 == 3", "len * 3 > 2000 and len / 4 < 300", "net 192.168.0.0/16",
            "src net 10.0.0.0/8 or dst net 141.142.0.0/16", "ip[6:2] & 0x1fff != 0", "ip proto 47",
            "ether broadcast", "ether multicast", "arp", "not ip and not ip6",
            "tcp port 80 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)",
            "ip6 protochain 6", "udp[8:2] == 0x3000 or udp[0:2] > 1023", "ip[0] & 0xf == 5",
            "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420", "ether[12:2] ^ 0x0800 == 0",
            "len - 14 >> 1 > 40", "host 141.142.220.118 and not port 80", "ip6 host 2001:db8::1 or ip6 net fe80::/10",
            // shifts by X of 32 or more (GRE is protocol 47): libpcap's answer decides their meaning
            "ip and (1 << ip[9]) != 0", "ip and (0x80000000 >> ip[9]) != 0");

    /** Frames each expression passed, over all traces: proof that the comparisons were not all empty. */
    private static final Map<String, Long> PASSED = new ConcurrentHashMap<>();

    static Stream<Path> traces() throws IOException {
        return ConformanceTracesTest.traces();
    }

    private static void assumeLibpcapAndCorpus(Path trace) {
        assumeTrue(Files.isRegularFile(trace), "conformance corpus not found at "
                + ConformanceTracesTest.TRACES.toAbsolutePath());
        try {
            BpfFilter.compile("tcp");
        } catch (IllegalStateException e) {
            assumeTrue(false, "libpcap is not available: " + e.getMessage());
        }
    }

    /** libpcap's own verdict: the file read by libpcap with the filter set; null if it refuses the filter. */
    private static List<Frame> libpcap(Path trace, String expression) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (PcapHandle h = Pcaps.openOffline(trace.toString(), PcapHandle.TimestampPrecision.NANO)) {
            try {
                h.setFilter(expression, BpfCompileMode.OPTIMIZE);
            } catch (PcapNativeException refused) {
                return null;
            }
            byte[] raw;
            while ((raw = h.getNextRawPacket()) != null) {
                java.sql.Timestamp ts = h.getTimestamp();
                long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
                frames.add(new Frame(nanos, -1, raw, h.getOriginalLength()));
            }
        }
        return frames;
    }

    private static List<Frame> withoutLinkType(List<Frame> frames) {
        return frames.stream().map(f -> new Frame(f.timestampNanos(), -1, f.data(), f.wireLength())).toList();
    }

    @ParameterizedTest
    @MethodSource("traces")
    void passesTheFramesLibpcapPassesForEveryExpression(Path trace) throws Exception {
        assumeLibpcapAndCorpus(trace);
        List<Frame> all;
        try (PacketSource s = PcapFile.open(trace)) {
            all = Captures.readAll(s);
        }
        int compared = 0;
        for (String expression : EXPRESSIONS) {
            List<Frame> expected = libpcap(trace, expression);
            BpfFilter filter = BpfFilter.compile(expression);
            List<Frame> wrapped;
            SourceStats stats;
            try (PacketSource s = filter.filter(PcapFile.open(trace))) {
                wrapped = withoutLinkType(Captures.readAll(s));
                stats = s.stats();
            }
            List<Frame> matched = new ArrayList<>();
            for (Frame f : all) {
                if (filter.matches(f.linkType(), ByteBuffer.wrap(f.data()), 0, f.data().length, f.wireLength())) {
                    matched.add(f);
                }
            }
            List<Frame> want = expected == null ? List.of() : expected;
            assertThat(wrapped).as("%s filtered by \"%s\" through filter()", trace.getFileName(), expression)
                    .isEqualTo(want);
            assertThat(withoutLinkType(matched)).as("%s by \"%s\" through matches()", trace.getFileName(), expression)
                    .isEqualTo(want);
            assertThat(stats.frames()).isEqualTo(want.size());
            assertThat(stats.filtered()).isEqualTo(all.size() - want.size());
            assertThat(stats.bytes()).isEqualTo(want.stream().mapToLong(f -> f.data().length).sum());
            PASSED.merge(expression, (long) want.size(), Long::sum);
            compared++;
        }
        assertThat(compared).isEqualTo(EXPRESSIONS.size());
    }

    @AfterAll
    static void everyExpressionPassedSomeFrameSomewhere() {
        if (PASSED.size() == EXPRESSIONS.size()) {
            assertThat(PASSED).as("frames passed per expression over the corpus")
                    .allSatisfy((expression, passed) -> assertThat(passed).as(expression).isPositive());
        }
    }
}
