package io.flowkit.core.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The byte line writes what ZeekAscii writes into a StringBuilder, encoded in UTF-8. */
class AsciiLineTest {
    private final SplittableRandom rnd = new SplittableRandom(17);

    private static String bytesOf(Consumer<AsciiLine> write) {
        AsciiLine line = new AsciiLine();
        write.accept(line);
        return new String(Arrays.copyOf(line.bytes(), line.length()), StandardCharsets.UTF_8);
    }

    private static String reference(Consumer<StringBuilder> write) {
        StringBuilder sb = new StringBuilder();
        write.accept(sb);
        // round trip through UTF-8 as the log file holds it (a lone surrogate becomes '?')
        return new String(sb.toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    @Test
    void writesNumbersAsLongToStringDoes() {
        long[] edges = {0, 1, 9, 10, 99, 100, 65535, Long.MAX_VALUE, -1, Long.MIN_VALUE};
        for (long v : edges) {
            assertThat(bytesOf(l -> l.number(v))).isEqualTo(Long.toString(v));
        }
        for (int i = 0; i < 10_000; i++) {
            long v = rnd.nextLong() >>> rnd.nextInt(64);
            assertThat(bytesOf(l -> l.number(v))).isEqualTo(Long.toString(v));
        }
    }

    @Test
    void writesSecondsAsZeekAsciiRoundingHalfUpToTheMicrosecond() {
        long[] edges = {0, 499, 500, 999_999_499, 999_999_500, 1_300_475_167_096_535_000L, Long.MAX_VALUE};
        for (long v : edges) {
            assertThat(bytesOf(l -> l.seconds(v))).isEqualTo(reference(sb -> ZeekAscii.seconds(sb, v)));
        }
        for (int i = 0; i < 10_000; i++) {
            long v = rnd.nextLong(Long.MAX_VALUE) >>> rnd.nextInt(63);
            assertThat(bytesOf(l -> l.seconds(v))).isEqualTo(reference(sb -> ZeekAscii.seconds(sb, v)));
        }
    }

    @Test
    void writesIpv4AndCompressedIpv6AddressesAsZeekAscii() throws Exception {
        for (int i = 0; i < 5_000; i++) {
            byte[] b = new byte[i % 2 == 0 ? 4 : 16];
            for (int k = 0; k < b.length; k++) {
                // many zero bytes so that IPv6 addresses have runs of zero groups to compress
                b[k] = rnd.nextInt(3) == 0 ? (byte) rnd.nextInt(256) : 0;
            }
            InetAddress a = InetAddress.getByAddress(b);
            assertThat(bytesOf(l -> l.address(a))).isEqualTo(reference(sb -> ZeekAscii.address(sb, a)));
        }
    }

    @Test
    void escapesStringsAndSetsAsZeekAscii() {
        List<String> samples = new ArrayList<>(Arrays.asList(null, "", "-", "(empty)", "ShADadFf", "a\tb", "x\\y",
                "caf\u00e9", "\u670d\u52a1", "\ud83d\ude00", "\ud800", "a,b", "\u007f", "\n"));
        for (int i = 0; i < 2_000; i++) {
            char[] c = new char[rnd.nextInt(12)];
            for (int k = 0; k < c.length; k++) {
                c[k] = (char) (rnd.nextInt(4) == 0 ? rnd.nextInt(0x110) : 0x20 + rnd.nextInt(0x5F));
            }
            samples.add(new String(c));
        }
        for (String s : samples) {
            assertThat(bytesOf(l -> l.zeekString(s))).as("%s", s).isEqualTo(reference(sb -> ZeekAscii.string(sb, s)));
        }
        List<List<String>> sets = Arrays.asList(null, List.of(), List.of("CabC"), List.of("a,b", "-", "caf\u00e9"));
        for (List<String> set : sets) {
            assertThat(bytesOf(l -> l.zeekSet(set))).isEqualTo(reference(sb -> ZeekAscii.set(sb, set)));
        }
    }

    @Test
    void writesTextAsItIsInUtf8() {
        for (String s : new String[] {"CHhAvVGS1DHFjwGM9", "", "tab\there", "caf\u00e9", "\ud83d\ude00"}) {
            assertThat(bytesOf(l -> l.text(s))).isEqualTo(reference(sb -> sb.append(s)));
        }
    }

    @Test
    void growsPastItsFirstArrayAndClears() {
        AsciiLine line = new AsciiLine();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 3_000; i++) {
            line.number(i).append(',');
            expected.append(i).append(',');
        }
        assertThat(new String(line.bytes(), 0, line.length(), StandardCharsets.US_ASCII)).isEqualTo(expected.toString());
        line.clear();
        assertThat(line.length()).isZero();
    }
}
