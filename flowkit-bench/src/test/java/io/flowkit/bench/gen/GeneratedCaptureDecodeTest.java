package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.SkipReason;
import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end up to the decoder: flowkit's own pcap reader and decoder read a generated capture,
 * and what they see per 5-tuple (packets, IP bytes, payload bytes, first and last time) must be
 * exactly the generator's ground truth, with no frame skipped and no checksum failing.
 */
class GeneratedCaptureDecodeTest {
    @TempDir
    Path dir;

    @Test
    void pcapReaderAndDecoderSeeEveryPacketTheTruthCounts() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder()
                .output(dir.resolve("e.pcap")).packets(60_000).concurrentFlows(1_000).scanners(true).seed(5).build());
        List<TruthRow> truth = TruthRow.read(s.truth());
        Map<String, TruthRow> byKey = new HashMap<>();
        truth.forEach(r -> byKey.put(r.key(), r));
        Map<String, long[]> seen = new HashMap<>();

        Decoder decoder = new Decoder(FlowTracker.builder().config());
        PacketView view = new PacketView();
        long[] decoded = {0};
        try (PacketSource source = PcapFile.open(s.capture())) {
            while (source.poll((ts, link, buf, off, caplen, wirelen) -> {
                assertThat(decoder.decode(ts, link, buf, off, caplen, wirelen, view)).isTrue();
                assertThat(view.badChecksum).isFalse();
                assertThat(view.transportTruncated).isFalse();
                decoded[0]++;
                count(view, byKey, seen);
            }, 256) != PacketSource.END_OF_INPUT) {
                // poll until the end
            }
            assertThat(source.stats().frames()).isEqualTo(s.packets());
            assertThat(source.stats().skippedRecords()).isZero();
        }
        assertThat(decoded[0]).isEqualTo(s.packets());
        for (SkipReason r : SkipReason.values()) {
            assertThat(decoder.skipped(r)).as(r.name()).isZero();
        }
        for (TruthRow r : truth) {
            long[] c = seen.get(r.key());
            assertThat(c).as("no packets decoded for %s", r).isNotNull();
            assertThat(c).as(r.toString()).containsExactly(r.origPkts(), r.origIpBytes(), r.origBytes(),
                    r.respPkts(), r.respIpBytes(), r.respBytes(), r.firstNanos(), r.lastNanos(), c[8]);
        }
    }

    /** Adds the packet to its flow: orig/resp packets, IP bytes, payload; first, last; FIN bits. */
    private static void count(PacketView v, Map<String, TruthRow> byKey, Map<String, long[]> seen) {
        InetAddress src = address(v.srcHi, v.srcLo);
        InetAddress dst = address(v.dstHi, v.dstLo);
        FrameCheck.Packet p = new FrameCheck.Packet(v.ipVersion, v.ipProto, src, v.srcPort, dst, v.dstPort,
                v.ipLength, v.payloadLength, v.tcpFlags, v.seq, v.ack);
        TruthRow row = byKey.get(p.key());
        assertThat(row).as("decoded a packet of no flow in the truth: %s", p.key()).isNotNull();
        long[] c = seen.computeIfAbsent(p.key(), k -> new long[] {0, 0, 0, 0, 0, 0, v.timestampNanos, 0, 0});
        boolean orig = src.equals(row.origH()) && (v.ipProto != 6 && v.ipProto != 17 || v.srcPort == row.origP());
        int base = orig ? 0 : 3;
        c[base]++;
        c[base + 1] += v.ipLength;
        c[base + 2] += v.payloadLength;
        if (c[8] != 3) {            // Zeek stops moving the last time once both sides sent a FIN
            c[7] = v.timestampNanos;
        }
        if (v.ipProto == 6 && (v.tcpFlags & 1) != 0) {
            c[8] |= orig ? 1 : 2;
        }
    }

    private static InetAddress address(long hi, long lo) {
        byte[] a;
        if (PacketView.isIpv4(hi, lo)) {
            a = new byte[] {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
        } else {
            a = ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        }
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
