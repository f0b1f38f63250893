package io.flowkit.bench.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrafficGeneratorTest {
    @TempDir
    Path dir;

    private GeneratorOptions.Builder options(String name) {
        return GeneratorOptions.builder().output(dir.resolve(name)).packets(40_000).concurrentFlows(400).scanners(true);
    }

    @Test
    void sameSeedWritesIdenticalCaptureAndTruth() throws IOException {
        TrafficGenerator.generate(options("a.pcap").seed(42).build());
        TrafficGenerator.generate(options("b.pcap").seed(42).build());
        assertThat(Files.mismatch(dir.resolve("a.pcap"), dir.resolve("b.pcap"))).isEqualTo(-1);
        assertThat(Files.mismatch(dir.resolve("a.truth.tsv"), dir.resolve("b.truth.tsv"))).isEqualTo(-1);
    }

    @Test
    void differentSeedWritesDifferentCapture() throws IOException {
        TrafficGenerator.generate(options("a.pcap").seed(1).build());
        TrafficGenerator.generate(options("b.pcap").seed(2).build());
        assertThat(Files.mismatch(dir.resolve("a.pcap"), dir.resolve("b.pcap"))).isNotEqualTo(-1);
    }

    @Test
    void writesNanosecondEthernetPcapInTimeOrder() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(options("t.pcap").build());
        CaptureFile cap = CaptureFile.read(s.capture());
        assertThat(cap.linkType).isEqualTo(1);
        assertThat(cap.nanosecond).isTrue();
        assertThat(cap.frames).hasSize(40_000);
        long previous = 0;
        for (CaptureFile.Frame f : cap.frames) {
            assertThat(f.timestampNanos()).isGreaterThanOrEqualTo(previous);
            assertThat(f.originalLength()).isEqualTo(f.bytes().length);
            previous = f.timestampNanos();
        }
        assertThat(cap.frames.get(0).timestampNanos()).isEqualTo(s.firstNanos());
        assertThat(previous).isEqualTo(s.lastNanos());
    }

    @Test
    void everyFrameDecodesWithValidLengthsAndChecksums() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(options("v.pcap").build());
        int v4 = 0;
        int v6 = 0;
        Set<Integer> protos = new HashSet<>();
        for (CaptureFile.Frame f : CaptureFile.read(s.capture()).frames) {
            FrameCheck.Packet p = FrameCheck.decode(f.bytes());
            if (p.ipVersion() == 4) {
                v4++;
            } else {
                v6++;
            }
            protos.add(p.proto());
        }
        assertThat(v6).isPositive();
        assertThat(v4).isGreaterThan(v6);
        assertThat(protos).containsExactlyInAnyOrder(1, 6, 17, 58);
    }

    @Test
    void truthMatchesARecountOfTheCapture() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(options("r.pcap").build());
        List<TruthRow> truth = TruthRow.read(s.truth());
        List<CaptureFile.Frame> frames = CaptureFile.read(s.capture()).frames;

        assertThat(truth).hasSize((int) s.flows());
        assertThat(truth.stream().mapToLong(r -> r.origPkts() + r.respPkts()).sum()).isEqualTo(frames.size());

        Map<String, TruthRow> byKey = new HashMap<>();
        for (TruthRow r : truth) {
            assertThat(byKey.put(r.key(), r)).as("5-tuple used twice: %s", r.key()).isNull();
        }
        Map<String, Recount> counts = new HashMap<>();
        for (CaptureFile.Frame f : frames) {
            FrameCheck.Packet p = FrameCheck.decode(f.bytes());
            TruthRow row = byKey.get(p.key());
            assertThat(row).as("packet of a flow missing from the truth: %s", p.key()).isNotNull();
            counts.computeIfAbsent(p.key(), k -> new Recount()).add(row, p, f.timestampNanos());
        }
        for (TruthRow r : truth) {
            Recount c = counts.get(r.key());
            assertThat(c).as("truth row without packets: %s", r).isNotNull();
            String what = r.toString();
            assertThat(new long[] {c.origPkts, c.origIp, c.origPayload, c.respPkts, c.respIp, c.respPayload})
                    .as(what)
                    .containsExactly(r.origPkts(), r.origIpBytes(), r.origBytes(), r.respPkts(), r.respIpBytes(),
                            r.respBytes());
            assertThat(c.first).as(what).isEqualTo(r.firstNanos());
            assertThat(c.last).as(what).isEqualTo(r.lastNanos());
            if (r.proto().equals("tcp")) {
                assertThat(c.origSeqPayload()).as("orig payload from sequence numbers: " + what).isEqualTo(r.origBytes());
                if (c.respSynSeen) {
                    assertThat(c.respSeqPayload()).as("resp payload from sequence numbers: " + what)
                            .isEqualTo(r.respBytes());
                }
                assertThat(r.connState()).as(what).isEqualTo(c.tcpState());
                assertThat(r.history()).as(what).isEqualTo(c.history.length() == 0 ? "-" : c.history.toString());
            } else if (r.proto().equals("udp")) {
                assertThat(r.connState()).as(what).isEqualTo(c.respPkts > 0 ? "SF" : "S0");
                assertThat(r.history()).as(what).isEqualTo(c.history.toString());
            } else {
                assertThat(r.connState()).as(what).isEqualTo("OTH");
                assertThat(r.history()).as(what).isEqualTo("-");
            }
        }
    }

    /**
     * The test's own count of one flow from the capture: directions decided by the truth row's
     * originator, TCP payload also measured from the sequence space, and the conn_state and
     * history a connection with these flags ends in.
     */
    private static final class Recount {
        long origPkts;
        long origIp;
        long origPayload;
        long respPkts;
        long respIp;
        long respPayload;
        long first = -1;
        long last;
        boolean origFin;
        boolean respFin;
        boolean origRst;
        boolean respRst;
        boolean respSynSeen;
        boolean synAckSeen;
        long origIsn = -1;
        long origEnd;
        long respIsn = -1;
        long respEnd;
        final StringBuilder history = new StringBuilder();
        final Set<Character> letters = new HashSet<>();

        void add(TruthRow row, FrameCheck.Packet p, long t) {
            boolean orig = p.src().equals(row.origH()) && (p.proto() != 6 && p.proto() != 17 || p.srcPort() == row.origP());
            if (first < 0) {
                first = t;
            }
            if (!(origFin && respFin)) {
                last = t;
            }
            if (orig) {
                origPkts++;
                origIp += p.ipLength();
                origPayload += p.payloadLength();
            } else {
                respPkts++;
                respIp += p.ipLength();
                respPayload += p.payloadLength();
            }
            if (p.proto() == 17 && p.payloadLength() > 0) {
                letter(orig ? 'D' : 'd');
            }
            if (p.proto() != 6) {
                return;
            }
            int fl = p.tcpFlags();
            boolean syn = (fl & 2) != 0;
            boolean fin = (fl & 1) != 0;
            boolean rst = (fl & 4) != 0;
            boolean ack = (fl & 16) != 0;
            char c = syn ? (ack ? 'H' : 'S') : fin ? 'F' : rst ? 'R' : p.payloadLength() > 0 ? 'D' : ack ? 'A' : 0;
            if (c != 0) {
                letter(orig ? c : Character.toLowerCase(c));
            }
            long seqEnd = p.seq() + p.payloadLength() + (syn ? 1 : 0) + (fin ? 1 : 0);
            if (orig) {
                if (syn) {
                    origIsn = p.seq();
                }
                origEnd = Math.max(origEnd, (seqEnd - origIsn) & 0xFFFF_FFFFL);
                origFin |= fin;
                origRst |= rst;
            } else {
                if (syn) {
                    respIsn = p.seq();
                    respSynSeen = true;
                    synAckSeen |= ack;
                }
                if (respSynSeen) {
                    respEnd = Math.max(respEnd, (seqEnd - respIsn) & 0xFFFF_FFFFL);
                }
                respFin |= fin;
                respRst |= rst;
            }
        }

        private void letter(char c) {
            if (letters.add(c)) {
                history.append(c);
            }
        }

        long origSeqPayload() {
            return origEnd - 1 - (origFin ? 1 : 0);
        }

        long respSeqPayload() {
            return respEnd - 1 - (respFin ? 1 : 0);
        }

        String tcpState() {
            if (respRst && !synAckSeen) {
                return "REJ";
            }
            if (origRst) {
                return "RSTO";
            }
            if (origFin && respFin) {
                return "SF";
            }
            if (origFin) {
                return "S2";
            }
            if (respFin) {
                return "S3";
            }
            return synAckSeen ? "S1" : "S0";
        }
    }

    @Test
    void keepsTheTargetNumberOfFlowsOpen() throws IOException {
        int target = 2_000;
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder().output(dir.resolve("c.pcap"))
                .packets(200_000).concurrentFlows(target).build());
        List<TruthRow> truth = TruthRow.read(s.truth());
        // sample the number of open flows (first <= t <= last) at 50 times in the middle of the capture
        long span = s.lastNanos() - s.firstNanos();
        long[] firsts = truth.stream().mapToLong(TruthRow::firstNanos).sorted().toArray();
        long[] lasts = truth.stream().mapToLong(TruthRow::lastNanos).sorted().toArray();
        double total = 0;
        for (int i = 0; i < 50; i++) {
            long t = s.firstNanos() + span / 5 + span * 3 / 5 * i / 50;
            int started = upperBound(firsts, t);
            int ended = lowerBound(lasts, t);
            total += started - ended;
        }
        double mean = total / 50;
        assertThat(mean).isBetween(0.8 * target, 1.0 * target);
    }

    private static int upperBound(long[] a, long t) {
        int i = Arrays.binarySearch(a, t + 1);
        i = i < 0 ? -i - 1 : i;
        while (i > 0 && a[i - 1] > t) {
            i--;
        }
        while (i < a.length && a[i] <= t) {
            i++;
        }
        return i;
    }

    private static int lowerBound(long[] a, long t) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Test
    void holdsOnlyTheOpenFlowsInMemoryHoweverManyPacketsItWrites() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder().output(dir.resolve("b.pcap"))
                .packets(300_000).concurrentFlows(100).scanners(true).build());
        assertThat(s.flows()).isGreaterThan(10_000);
        // 100 ordinary flows, 3 scanners, and the few probes a scanner has in flight (one every
        // 8 ms, each done within about 3 ms)
        assertThat(s.peakHeld()).isBetween(100, 100 + 3 + 6);
    }

    @Test
    void packetsPerFlowAreHeavyTailed() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder().output(dir.resolve("h.pcap"))
                .packets(200_000).concurrentFlows(500).mix(FlowKind.TCP_REJECTED, 0).mix(FlowKind.TCP_UNANSWERED, 0)
                .build());
        long[] sizes = TruthRow.read(s.truth()).stream().mapToLong(r -> r.origPkts() + r.respPkts()).sorted().toArray();
        long median = sizes[sizes.length / 2];
        long p999 = sizes[sizes.length * 999 / 1000];
        long top = sizes[sizes.length - 1];
        assertThat(median).isLessThanOrEqualTo(20);
        assertThat(p999).isGreaterThan(10 * median);
        assertThat(top).isGreaterThan(50 * median);
    }

    @Test
    void stopsAtTheDurationWhenNoPacketBudgetIsSet() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder().output(dir.resolve("d.pcap"))
                .duration(Duration.ofSeconds(3)).concurrentFlows(50).build());
        assertThat(s.firstNanos()).isGreaterThanOrEqualTo(TrafficGenerator.START_NANOS);
        assertThat(s.lastNanos()).isLessThanOrEqualTo(TrafficGenerator.START_NANOS + 3_000_000_000L);
        assertThat(s.lastNanos()).isGreaterThan(TrafficGenerator.START_NANOS + 2_000_000_000L);
        assertThat(CaptureFile.read(s.capture()).frames).hasSize((int) s.packets());
    }

    @Test
    void retransmitsUnansweredSynsInsideZeeksAttemptTimeout() throws IOException {
        GeneratorOptions.Builder b = GeneratorOptions.builder().packets(20_000).concurrentFlows(100)
                .mix(FlowKind.TCP_UNANSWERED, 1000);
        TrafficGenerator.Summary on = TrafficGenerator.generate(b.output(dir.resolve("on.pcap")).build());
        TrafficGenerator.Summary off = TrafficGenerator.generate(b.output(dir.resolve("off.pcap")).synRetransmits(false).build());
        List<TruthRow> withRetransmits = unanswered(on, 3_000_000_000L);
        List<TruthRow> without = unanswered(off, 0);
        assertThat(withRetransmits).isNotEmpty().allSatisfy(r -> {
            assertThat(r.origPkts()).isEqualTo(3);
            assertThat(r.lastNanos() - r.firstNanos()).isEqualTo(3_000_000_000L);
            assertThat(r.connState()).isEqualTo("S0");
            assertThat(r.history()).isEqualTo("S");
        });
        assertThat(without).isNotEmpty().allSatisfy(r -> assertThat(r.origPkts()).isEqualTo(1));
    }

    private static List<TruthRow> unanswered(TrafficGenerator.Summary s, long retransmitSpan) throws IOException {
        long end = s.lastNanos();
        List<TruthRow> rows = new ArrayList<>();
        for (TruthRow r : TruthRow.read(s.truth())) {
            // flows that could still be retransmitting when the capture stopped are left out
            if (r.kind().equals("TCP_UNANSWERED") && r.firstNanos() + retransmitSpan < end) {
                rows.add(r);
            }
        }
        return rows;
    }

    @Test
    void scannersProbeEveryTargetOnceWithTheirOutcomes() throws IOException {
        TrafficGenerator.Summary s = TrafficGenerator.generate(GeneratorOptions.builder().output(dir.resolve("s.pcap"))
                .duration(Duration.ofSeconds(10)).concurrentFlows(20).scanners(true).build());
        Map<String, List<TruthRow>> byKind = TruthRow.read(s.truth()).stream()
                .collect(Collectors.groupingBy(TruthRow::kind));

        List<TruthRow> address = byKind.get("SCAN_ADDRESS");
        assertThat(address).hasSize(254);
        assertThat(address.stream().map(r -> r.respH().getHostAddress()).distinct()).hasSize(254);
        assertThat(address).allSatisfy(r -> {
            assertThat(r.origH().getHostAddress()).isEqualTo("203.0.113.66");
            assertThat(r.respP()).isEqualTo(22);
        });
        List<TruthRow> port = byKind.get("SCAN_PORT");
        assertThat(port).hasSize(100);
        assertThat(port.stream().map(TruthRow::respP).distinct()).hasSize(100);
        assertThat(port.stream().map(r -> r.respH().getHostAddress()).distinct()).containsExactly("10.99.1.10");
        assertThat(port.stream().filter(r -> r.connState().equals("RSTO")).map(TruthRow::respP))
                .containsExactlyInAnyOrder(21, 22, 25, 53, 80);
        List<TruthRow> block = byKind.get("SCAN_BLOCK");
        assertThat(block).hasSize(64);
        assertThat(block.stream().map(r -> r.respH().getHostAddress()).distinct()).hasSize(8);
        for (List<TruthRow> probes : List.of(address, port, block)) {
            assertThat(probes).allSatisfy(r -> assertThat(r.connState() + " " + r.history())
                    .isIn("RSTO ShR", "REJ Sr", "S0 S"));
            assertThat(probes.stream().map(TruthRow::connState).distinct()).hasSizeGreaterThan(1);
        }
    }

    @Test
    void mixAndIpv6ShareShapeTheFlows() throws IOException {
        GeneratorOptions.Builder b = GeneratorOptions.builder().output(dir.resolve("m.pcap")).packets(30_000)
                .concurrentFlows(300).ipv6Share(0.5);
        for (FlowKind k : FlowKind.values()) {
            if (!k.isScanProbe()) {
                b.mix(k, 0);
            }
        }
        b.mix(FlowKind.ICMP_ECHO, 1).mix(FlowKind.UDP_ONE_WAY, 1);
        List<TruthRow> rows = TruthRow.read(TrafficGenerator.generate(b.build()).truth());
        assertThat(rows.stream().map(TruthRow::kind).distinct()).containsExactlyInAnyOrder("ICMP_ECHO", "UDP_ONE_WAY");
        long v6 = rows.stream().filter(r -> r.origH().getAddress().length == 16).count();
        assertThat((double) v6 / rows.size()).isBetween(0.4, 0.6);
        assertThat(rows.stream().filter(r -> r.kind().equals("ICMP_ECHO") && r.origH().getAddress().length == 16))
                .allSatisfy(r -> assertThat(r.origP() + "/" + r.respP()).isEqualTo("128/129"));
    }

    @Test
    void optionsRejectBadValues() {
        assertThatThrownBy(() -> GeneratorOptions.builder().packets(0)).hasMessageContaining("packets");
        assertThatThrownBy(() -> GeneratorOptions.builder().concurrentFlows(0)).hasMessageContaining("concurrentFlows");
        assertThatThrownBy(() -> GeneratorOptions.builder().ipv6Share(1.5)).hasMessageContaining("ipv6Share");
        assertThatThrownBy(() -> GeneratorOptions.builder().mix(FlowKind.SCAN_PORT, 1)).hasMessageContaining("scanners");
        assertThatThrownBy(() -> GeneratorOptions.builder().maxSegmentSize(2000)).hasMessageContaining("maxSegmentSize");
        assertThatThrownBy(() -> GeneratorOptions.builder().build()).hasMessageContaining("output");
        GeneratorOptions.Builder none = GeneratorOptions.builder().output(dir.resolve("x.pcap"));
        for (FlowKind k : FlowKind.values()) {
            if (!k.isScanProbe()) {
                none.mix(k, 0);
            }
        }
        assertThatThrownBy(none::build).hasMessageContaining("positive weight");
    }

    @Test
    void truthFileSitsBesideTheCapture() {
        assertThat(GeneratorOptions.builder().output(dir.resolve("x.pcap")).build().truthOutput())
                .isEqualTo(dir.resolve("x.truth.tsv"));
        assertThat(GeneratorOptions.builder().output(dir.resolve("cap")).build().truthOutput())
                .isEqualTo(dir.resolve("cap.truth.tsv"));
    }

    @Test
    void formatsIpv6AddressesAsRfc5952() {
        assertThat(TrafficGenerator.address(true, 0x2001_0db8_000c_0000L, 5)).isEqualTo("2001:db8:c::5");
        assertThat(TrafficGenerator.address(true, 0x2001_0db8_0000_0001L, 0x0000_0000_0001_0000L))
                .isEqualTo("2001:db8:0:1::1:0");
        assertThat(TrafficGenerator.address(true, 0, 1)).isEqualTo("::1");
        assertThat(TrafficGenerator.address(false, 0, 0xC633_6401L)).isEqualTo("198.51.100.1");
    }
}
