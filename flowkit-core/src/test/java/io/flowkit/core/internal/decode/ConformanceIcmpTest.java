package io.flowkit.core.internal.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Zeek's {@code icmp-events} tests print, for every ICMP packet, its type, code and length and,
 * for error messages, the connection id of the packet the error quotes. The decoder must deliver
 * the same ICMP packets with the same values in its {@code icmp*} and {@code inner*} fields.
 */
class ConformanceIcmpTest {
    private static final Pattern INFO = Pattern.compile("itype=(\\d+), icode=(\\d+), len=(\\d+)");
    private static final Pattern CONTEXT = Pattern.compile(
            "icmp_context: \\[id=\\[orig_h=([0-9a-f:.]+), orig_p=(\\d+)/\\w+, resp_h=([0-9a-f:.]+), resp_p=(\\d+)/");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"icmp-events-v4", "icmp6-events"})
    void deliversTheIcmpPacketsZeekReports(String name) throws IOException {
        Path root = Conformance.root();
        String[] row = Conformance.manifest().stream().filter(r -> r[0].equals(name)).findFirst().orElseThrow();
        List<String> delivered = new ArrayList<>();
        for (String trace : row[1].split(";")) {
            ClassicPcap pcap = ClassicPcap.read(root.resolve(trace));
            Decoder decoder = new Decoder(false, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                    Decoder.DEFAULT_FRAGMENT_TIMEOUT);
            PacketView v = new PacketView();
            for (ClassicPcap.Frame f : pcap.frames) {
                if (decoder.decode(f.tsNanos(), pcap.linkType, pcap.buffer, f.offset(), f.caplen(), f.wirelen(), v)
                        && v.icmpType >= 0) {
                    assertThat(v.badChecksum).isFalse();
                    String s = "itype=" + v.icmpType + " icode=" + v.icmpCode + " len=" + v.payloadLength;
                    if (v.innerIpVersion != 0) {
                        s += " ctx=" + address(v.innerIpVersion, v.innerSrcHi, v.innerSrcLo) + ":" + v.innerSrcPort + ">"
                                + address(v.innerIpVersion, v.innerDstHi, v.innerDstLo) + ":" + v.innerDstPort;
                    }
                    delivered.add(s);
                }
            }
        }
        List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("expected/" + name + ".out"))) {
            Matcher info = INFO.matcher(line);
            Matcher ctx = CONTEXT.matcher(line);
            if (line.contains("icmp_info:") && info.find()) {
                expected.add("itype=" + info.group(1) + " icode=" + info.group(2) + " len=" + info.group(3));
            } else if (ctx.find()) {
                int last = expected.size() - 1;
                expected.set(last, expected.get(last) + " ctx=" + canonical(ctx.group(1)) + ":" + ctx.group(2) + ">"
                        + canonical(ctx.group(3)) + ":" + ctx.group(4));
            }
        }
        assertThat(expected).hasSizeGreaterThan(5);
        assertThat(delivered).isEqualTo(expected);
    }

    private static String canonical(String literal) throws IOException {
        return InetAddress.getByName(literal).getHostAddress();
    }

    private static String address(int version, long hi, long lo) throws IOException {
        byte[] b = version == 4 ? new byte[4] : new byte[16];
        if (version == 4) {
            ByteBuffer.wrap(b).putInt((int) lo);
        } else {
            ByteBuffer.wrap(b).putLong(hi).putLong(lo);
        }
        return InetAddress.getByAddress(b).getHostAddress();
    }
}
