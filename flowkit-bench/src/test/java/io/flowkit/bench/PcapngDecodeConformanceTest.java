package io.flowkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.PacketSource;
import io.flowkit.core.internal.decode.Decoder;
import io.flowkit.core.internal.decode.PacketView;
import io.flowkit.pcap.PcapFile;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pcapng half of core's {@code ConformanceTuplesTest}: core's tests read classic pcap only,
 * so the pcapng conformance traces go through flowkit's own reader here. The endpoint pairs the
 * decoder delivers must be exactly those of Zeek's conn.log (unordered; ICMP by address only),
 * and the packets with good checksums, and their IP lengths, must add up per source address to
 * Zeek's packet and IP byte counts.
 */
class PcapngDecodeConformanceTest {

    static Path corpus() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("shared/conformance/zeek");
            if (Files.isRegularFile(c.resolve("manifest.tsv"))) {
                return c;
            }
        }
        throw new IllegalStateException("Zeek conformance corpus not found (expected ../shared/conformance/zeek)");
    }

    static Stream<Arguments> pcapngPairs() throws IOException {
        Path root = corpus();
        List<Arguments> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(root.resolve("manifest.tsv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] r = line.split("\t", -1);
            if (r.length < 7 || !r[6].startsWith("format=full") || r[5].equals("tunnel") || r[1].contains(";")) {
                continue;
            }
            if (isPcapng(root.resolve(r[1]))) {
                out.add(Arguments.of(r[0], r[1], r[4].contains(" -C ")));
            }
        }
        return out.stream();
    }

    private static boolean isPcapng(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && ByteBuffer.wrap(head).getInt() == 0x0A0D0D0A;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pcapngPairs")
    void decodedEndpointPairsAreTheOnesZeekLogs(String name, String trace, boolean ignoreChecksums) throws IOException {
        Path root = corpus();
        Decoder decoder = new Decoder(ignoreChecksums, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        PacketView v = new PacketView();
        Set<String> decoded = new TreeSet<>();
        Map<String, Long> counted = new TreeMap<>();
        try (PacketSource source = PcapFile.open(root.resolve(trace))) {
            while (source.poll((ts, link, buf, off, cap, wire) -> {
                if (decoder.decode(ts, link, buf, off, cap, wire, v)) {
                    String src = address(v.ipVersion, v.srcHi, v.srcLo);
                    decoded.add(key(proto(v.ipProto), src, v.srcPort, address(v.ipVersion, v.dstHi, v.dstLo),
                            v.dstPort));
                    if (!v.badChecksum && !v.transportTruncated) {
                        counted.merge(src + " pkts", 1L, Long::sum);
                        counted.merge(src + " ip_bytes", (long) v.ipLength, Long::sum);
                    }
                }
            }, 256) != PacketSource.END_OF_INPUT) {
                // keep polling
            }
        }
        Set<String> expected = new TreeSet<>();
        Map<String, Long> zeekCounted = new TreeMap<>();
        List<String> fields = null;
        for (String line : Files.readAllLines(root.resolve("expected/" + name + ".conn.log"))) {
            if (line.startsWith("#fields")) {
                fields = List.of(line.substring("#fields\t".length()).split("\t"));
            } else if (!line.startsWith("#") && fields != null) {
                String[] c = line.split("\t", -1);
                expected.add(key(c[fields.indexOf("proto")], canonical(c[fields.indexOf("id.orig_h")]),
                        Integer.parseInt(c[fields.indexOf("id.orig_p")]), canonical(c[fields.indexOf("id.resp_h")]),
                        Integer.parseInt(c[fields.indexOf("id.resp_p")])));
                for (String side : new String[] {"orig", "resp"}) {
                    long pkts = Long.parseLong(c[fields.indexOf(side + "_pkts")]);
                    if (pkts > 0) {
                        String host = canonical(c[fields.indexOf("id." + side + "_h")]);
                        zeekCounted.merge(host + " pkts", pkts, Long::sum);
                        zeekCounted.merge(host + " ip_bytes", Long.parseLong(c[fields.indexOf(side + "_ip_bytes")]),
                                Long::sum);
                    }
                }
            }
        }
        assertThat(expected).isNotEmpty();
        assertThat(decoded).as("endpoint pairs decoded from %s", trace).isEqualTo(expected);
        assertThat(counted).as("good packets and IP bytes per source in %s", trace).isEqualTo(zeekCounted);
    }

    private static String proto(int p) {
        return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 || p == 58 ? "icmp" : "unknown_transport";
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

    private static String canonical(String literal) {
        try {
            return InetAddress.getByName(literal).getHostAddress();
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static String address(int version, long hi, long lo) {
        byte[] b = version == 4 ? new byte[4] : new byte[16];
        if (version == 4) {
            ByteBuffer.wrap(b).putInt((int) lo);
        } else {
            ByteBuffer.wrap(b).putLong(hi).putLong(lo);
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
