package io.flowkit.core.internal.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decodes every non-tunnel conformance trace that has a full Zeek conn.log and checks that the
 * packets the decoder hands to the engine carry exactly the endpoint pairs Zeek logged: no
 * connection missing (a layer we fail to decode), none extra (a packet Zeek would not key).
 * Direction is the engine's business, so pairs are compared unordered; ICMP "ports" are the
 * engine's mapping of type and code, so ICMP pairs are compared by address only.
 */
class ConformanceTuplesTest {

    static Stream<Arguments> pairs() {
        return Conformance.manifest().stream()
                .filter(r -> r[6].startsWith("format=full"))
                .filter(r -> !r[5].equals("tunnel"))
                .filter(r -> !r[1].contains(";"))
                // needs a decoder setting that skips 38 bytes per frame
                .filter(r -> !r[0].equals("icmp-gre-inner-skip"))
                .filter(r -> {
                    try {
                        return ClassicPcap.isClassic(Conformance.root().resolve(r[1]));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .map(r -> Arguments.of(r[0], r[1], r[4].contains(" -C ")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void decodedEndpointPairsAreTheOnesZeekLogs(String name, String trace, boolean ignoreChecksums) throws IOException {
        Path root = Conformance.root();
        ClassicPcap pcap = ClassicPcap.read(root.resolve(trace));
        Decoder decoder = new Decoder(ignoreChecksums, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        PacketView v = new PacketView();
        Set<String> decoded = new TreeSet<>();
        for (ClassicPcap.Frame f : pcap.frames) {
            if (decoder.decode(f.tsNanos(), pcap.linkType, pcap.buffer, f.offset(), f.caplen(), f.wirelen(), v)
                    && passesCaptureFilter(name, v)) {
                decoded.add(key(protoName(v.ipProto), address(v.ipVersion, v.srcHi, v.srcLo), v.srcPort,
                        address(v.ipVersion, v.dstHi, v.dstLo), v.dstPort));
            }
        }
        Set<String> expected = new TreeSet<>();
        List<String> lines = Files.readAllLines(root.resolve("expected/" + name + ".conn.log"));
        List<String> fields = null;
        for (String line : lines) {
            if (line.startsWith("#fields")) {
                fields = List.of(line.substring("#fields\t".length()).split("\t"));
            } else if (!line.startsWith("#") && fields != null) {
                String[] c = line.split("\t", -1);
                expected.add(key(c[fields.indexOf("proto")], canonical(c[fields.indexOf("id.orig_h")]),
                        Integer.parseInt(c[fields.indexOf("id.orig_p")]), canonical(c[fields.indexOf("id.resp_h")]),
                        Integer.parseInt(c[fields.indexOf("id.resp_p")])));
            }
        }
        assertThat(expected).as("expected rows of %s", name).isNotEmpty();
        assertThat(decoded).as("endpoint pairs decoded from %s", trace).isEqualTo(expected);
    }

    /**
     * Zeek counts in {@code orig_pkts}/{@code resp_pkts} every packet it processes, and nothing
     * else: a packet with a bad checksum only adds a history letter. So per source address, the
     * packets the decoder delivers with a good checksum (and not truncated), and their IP
     * lengths, must add up to Zeek's packet and IP byte counts for that address, whatever the
     * connections they fall into.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void deliveredPacketsPerSourceAreTheOnesZeekCounts(String name, String trace, boolean ignoreChecksums)
            throws IOException {
        Path root = Conformance.root();
        ClassicPcap pcap = ClassicPcap.read(root.resolve(trace));
        List<io.flowkit.IpNetwork> ignoreNets = name.equals("chksum-ignore-nets")
                ? List.of(io.flowkit.IpNetwork.parse("192.168.0.0/16")) : List.of();
        Decoder decoder = new Decoder(ignoreChecksums, ignoreNets, Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        PacketView v = new PacketView();
        java.util.Map<String, Long> decoded = new java.util.TreeMap<>();
        for (ClassicPcap.Frame f : pcap.frames) {
            if (decoder.decode(f.tsNanos(), pcap.linkType, pcap.buffer, f.offset(), f.caplen(), f.wirelen(), v)
                    && passesCaptureFilter(name, v) && !v.badChecksum && !v.transportTruncated) {
                decoded.merge(address(v.ipVersion, v.srcHi, v.srcLo) + " pkts", 1L, Long::sum);
                decoded.merge(address(v.ipVersion, v.srcHi, v.srcLo) + " ip_bytes", (long) v.ipLength, Long::sum);
            }
        }
        java.util.Map<String, Long> expected = new java.util.TreeMap<>();
        List<String> fields = null;
        for (String line : Files.readAllLines(root.resolve("expected/" + name + ".conn.log"))) {
            if (line.startsWith("#fields")) {
                fields = List.of(line.substring("#fields\t".length()).split("\t"));
            } else if (!line.startsWith("#") && fields != null) {
                String[] c = line.split("\t", -1);
                for (String side : new String[] {"orig", "resp"}) {
                    long pkts = Long.parseLong(c[fields.indexOf(side + "_pkts")]);
                    if (pkts > 0) {
                        String host = canonical(c[fields.indexOf("id." + side + "_h")]);
                        expected.merge(host + " pkts", pkts, Long::sum);
                        expected.merge(host + " ip_bytes", Long.parseLong(c[fields.indexOf(side + "_ip_bytes")]),
                                Long::sum);
                    }
                }
            }
        }
        assertThat(decoded).as("good packets and IP bytes per source address in %s", trace).isEqualTo(expected);
    }

    /**
     * Zeek's {@code ipv6-frag} test prints the IPv6 and UDP header of every packet that reaches
     * connection processing; the decoder must deliver the same packets, the fragmented DNS reply
     * reassembled into one 3,238-byte payload.
     */
    @org.junit.jupiter.api.Test
    void deliversTheSamePacketsAsZeekForFragmentedIpv6Dns() throws IOException {
        Path root = Conformance.root();
        ClassicPcap pcap = ClassicPcap.read(root.resolve("traces/frag-ipv6-dns.pcap"));
        Decoder decoder = new Decoder(false, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        PacketView v = new PacketView();
        List<String> delivered = new java.util.ArrayList<>();
        for (ClassicPcap.Frame f : pcap.frames) {
            if (decoder.decode(f.tsNanos(), pcap.linkType, pcap.buffer, f.offset(), f.caplen(), f.wirelen(), v)) {
                assertThat(v.badChecksum).isFalse();
                assertThat(v.reassembled).isEqualTo(v.ipLength - 40 > 1400);
                delivered.add("len=" + (v.ipLength - 40) + " nxt=" + v.ipProto + " src="
                        + address(6, v.srcHi, v.srcLo) + " dst=" + address(6, v.dstHi, v.dstLo) + " sport="
                        + v.srcPort + " dport=" + v.dstPort + " ulen=" + (v.payloadLength + 8));
            }
        }
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(
                "len=(\\d+), nxt=(\\d+), .*src=([0-9a-f:]+), dst=([0-9a-f:]+), .*sport=(\\d+)/udp, dport=(\\d+)/udp, ulen=(\\d+)");
        List<String> expected = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("expected/frag-ipv6-dns.out"))) {
            java.util.regex.Matcher m = p.matcher(line);
            if (m.find()) {
                expected.add("len=" + m.group(1) + " nxt=" + m.group(2) + " src=" + canonical(m.group(3)) + " dst="
                        + canonical(m.group(4)) + " sport=" + m.group(5) + " dport=" + m.group(6) + " ulen=" + m.group(7));
            }
        }
        assertThat(expected).hasSize(5);
        assertThat(delivered).isEqualTo(expected);
        assertThat(decoder.reassembledDatagrams()).isEqualTo(1);
        assertThat(decoder.skipped(io.flowkit.SkipReason.FRAGMENT_HELD)).isEqualTo(decoder.fragments() - 1);
    }

    /** The one pair run with a BPF capture filter, {@code port 50000}: TCP or UDP with that port. */
    private static boolean passesCaptureFilter(String name, PacketView v) {
        return !name.equals("other-bpf-port50000")
                || ((v.ipProto == 6 || v.ipProto == 17) && (v.srcPort == 50000 || v.dstPort == 50000));
    }

    private static String protoName(int proto) {
        switch (proto) {
            case 6:
                return "tcp";
            case 17:
                return "udp";
            case 1:
            case 58:
                return "icmp";
            default:
                return "unknown_transport";
        }
    }

    private static String key(String proto, String a, int ap, String b, int bp) {
        if (proto.equals("icmp")) {
            ap = 0;
            bp = 0;
        }
        String x = a + "/" + ap;
        String y = b + "/" + bp;
        return proto + " " + (x.compareTo(y) <= 0 ? x + " " + y : y + " " + x);
    }

    private static String canonical(String literal) throws IOException {
        return InetAddress.getByName(literal).getHostAddress();
    }

    private static String address(int version, long hi, long lo) throws IOException {
        if (version == 4) {
            byte[] b = new byte[4];
            ByteBuffer.wrap(b).putInt((int) lo);
            return InetAddress.getByAddress(b).getHostAddress();
        }
        byte[] b = new byte[16];
        ByteBuffer.wrap(b).putLong(hi).putLong(lo);
        return InetAddress.getByAddress(b).getHostAddress();
    }
}
