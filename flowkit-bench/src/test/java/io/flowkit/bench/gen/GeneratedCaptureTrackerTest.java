package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.CloseReason;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.FrameHandler;
import io.flowkit.PacketSource;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: a generated capture read by {@link PcapFile} and tracked by {@link FlowTracker}
 * must give exactly one connection record per ground-truth flow, with the truth's direction,
 * packet, IP byte and payload byte counts, start, duration, conn_state and history.
 */
class GeneratedCaptureTrackerTest {
    @TempDir
    Path dir;

    @Test
    void everyRecordMatchesTheGroundTruth() throws IOException {
        check(GeneratorOptions.builder().output(dir.resolve("t.pcap")).packets(150_000).concurrentFlows(2_000)
                .scanners(true).seed(11).build());
    }

    @Test
    void fragmentedResponsesMatchTheGroundTruth() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder()
                .output(dir.resolve("f.pcap")).packets(60_000).concurrentFlows(500).ipv6Share(0.3)
                .fragmentShare(0.3).seed(5).build());
        long[] fragments = fragments(s.capture());
        // first and later fragments of IPv4 and of IPv6 datagrams are all in the capture
        assertThat(java.util.Arrays.stream(fragments).min().getAsLong())
                .as("fewest of IPv4 first, IPv4 later, IPv6 first, IPv6 later: %s", java.util.Arrays.toString(fragments))
                .isGreaterThan(50);
        // every datagram needs at least two fragments, and at most six (8,200 bytes in 1,448-byte pieces)
        assertThat(fragments[1]).isBetween(fragments[0], 5 * fragments[0]);
        assertThat(fragments[3]).isBetween(fragments[2], 5 * fragments[2]);
        check(s.capture(), s.truth());
    }

    /** Counts IP fragments: {IPv4 first, IPv4 later, IPv6 first, IPv6 later}. */
    private static long[] fragments(Path capture) throws IOException {
        long[] n = new long[4];
        FrameHandler count = (t, link, frame, offset, length, originalLength) -> {
            int type = frame.getShort(offset + 12) & 0xFFFF;
            int ip = offset + 14;
            if (type == 0x0800) {
                int flagsOffset = frame.getShort(ip + 6) & 0xFFFF;
                if ((flagsOffset & 0x3FFF) != 0) {
                    n[(flagsOffset & 0x1FFF) == 0 ? 0 : 1]++;
                }
            } else if (type == 0x86DD && frame.get(ip + 6) == 44) {
                n[(frame.getShort(ip + 42) & 0xFFF8) == 0 ? 2 : 3]++;
            }
        };
        try (PacketSource source = PcapFile.open(capture)) {
            while (source.poll(count, 1024) != PacketSource.END_OF_INPUT) {
                // counted by the handler
            }
        }
        return n;
    }

    @Test
    void demoCaptureMatchesItsGroundTruth() throws IOException {
        check(Path.of("..", "demo", "demo.pcap"), Path.of("..", "demo", "demo.truth.tsv"));
    }

    private static void check(GeneratorOptions options) throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(options);
        check(s.capture(), s.truth());
    }

    private static void check(Path capture, Path truthFile) throws IOException {
        List<Connection> records = new ArrayList<>();
        FlowTracker tracker = FlowTracker.builder().uidSeed(1).connectionListener(records::add).build();
        try (PacketSource source = PcapFile.open(capture)) {
            tracker.run(source);
        }
        tracker.close();

        List<TruthRow> truth = TruthRow.read(truthFile);
        Map<String, Connection> byKey = new HashMap<>();
        for (Connection c : records) {
            assertThat(byKey.put(key(c), c)).as("two records for one generated flow: %s", c).isNull();
        }
        assertThat(records).hasSameSizeAs(truth);
        for (TruthRow r : truth) {
            Connection c = byKey.get(r.key());
            assertThat(c).as("no record for %s", r).isNotNull();
            String what = r + "\n  vs " + c;
            assertThat(c.origAddress()).as(what).isEqualTo(r.origH());
            assertThat(c.origPort()).as(what).isEqualTo(r.origP());
            assertThat(c.respAddress()).as(what).isEqualTo(r.respH());
            assertThat(c.respPort()).as(what).isEqualTo(r.respP());
            assertThat(c.protocol().zeekName()).as(what).isEqualTo(r.proto());
            assertThat(new long[] {c.origPackets(), c.origIpBytes(), c.origBytes(), c.respPackets(),
                c.respIpBytes(), c.respBytes(), c.missedBytes()})
                    .as(what)
                    .containsExactly(r.origPkts(), r.origIpBytes(), r.origBytes(), r.respPkts(), r.respIpBytes(),
                            r.respBytes(), 0);
            // Zeek reads captures through libpcap, which truncates nanosecond timestamps to
            // microseconds; the engine does the same, so times compare at that precision
            assertThat(c.startNanos()).as(what).isEqualTo(micros(r.firstNanos()));
            assertThat(c.durationNanos()).as(what).isEqualTo(micros(r.lastNanos()) - micros(r.firstNanos()));
            assertThat(c.state().name()).as(what).isEqualTo(r.connState());
            assertThat(c.history().isEmpty() ? "-" : c.history()).as(what).isEqualTo(r.history());
            assertThat(c.closeReason()).as(what).isNotEqualTo(CloseReason.EVICTED);
        }
    }

    private static long micros(long nanos) {
        return nanos / 1_000 * 1_000;
    }

    /** Same key as {@link TruthRow#key()}. */
    private static String key(Connection c) {
        boolean icmp = c.ipProto() == 1 || c.ipProto() == 58;
        String a = text(c.origAddress()) + "/" + (icmp ? 0 : c.origPort());
        String b = text(c.respAddress()) + "/" + (icmp ? 0 : c.respPort());
        return c.ipProto() + " " + (a.compareTo(b) < 0 ? a + " " + b : b + " " + a);
    }

    private static String text(InetAddress a) {
        return a.getHostAddress();
    }
}
