package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.addr;
import static io.flowkit.core.internal.decode.Frames.concat;
import static io.flowkit.core.internal.decode.Frames.ext;
import static io.flowkit.core.internal.decode.Frames.fragmentHeader;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.udp;
import static io.flowkit.core.internal.decode.Frames.withChecksum;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IPv4 and IPv6 fragment reassembly: order, overlap, duplicates, bounds, timeouts, hostile offsets. */
class FragmentTest {
    private static final String SRC = "10.0.0.1";
    private static final String DST = "10.0.0.2";
    private DecoderHarness h = new DecoderHarness();

    /** A UDP datagram (header + {@code n} patterned bytes) with a correct checksum. */
    private static byte[] udpDatagram(int n, int seed) {
        byte[] payload = new byte[n];
        for (int i = 0; i < n; i++) {
            payload[i] = (byte) (i * 7 + seed);
        }
        return withChecksum(addr(SRC), addr(DST), UDP, udp(4000, 53, payload));
    }

    private static byte[] frag4(byte[] l4, int id, int from, int to, boolean more) {
        return ipv4(SRC, DST, UDP, id, from, more, new byte[0], Arrays.copyOfRange(l4, from, to));
    }

    private void assertDelivered(byte[] l4) {
        assertThat(h.view.reassembled).isTrue();
        assertThat(h.view.ipLength).isEqualTo(20 + l4.length);
        assertThat(h.view.srcPort).isEqualTo(4000);
        assertThat(h.view.dstPort).isEqualTo(53);
        assertThat(h.view.payloadLength).isEqualTo(l4.length - 8);
        assertThat(h.view.payloadCaptured).isEqualTo(l4.length - 8);
        assertThat(h.view.badChecksum).as("UDP checksum over the reassembled datagram").isFalse();
        byte[] got = new byte[l4.length - 8];
        h.view.buffer.get(h.view.payloadOffset, got);
        assertThat(got).isEqualTo(Arrays.copyOfRange(l4, 8, l4.length));
    }

    @Test
    void reassemblesFragmentsArrivingInOrder() {
        byte[] l4 = udpDatagram(200, 1);
        assertThat(h.decode(LinkType.RAW, frag4(l4, 7, 0, 80, true))).isFalse();
        assertThat(h.decode(LinkType.RAW, frag4(l4, 7, 80, 160, true))).isFalse();
        assertThat(h.decode(LinkType.RAW, frag4(l4, 7, 160, l4.length, false))).isTrue();
        assertDelivered(l4);
        h.assertOnlySkipped(SkipReason.FRAGMENT_HELD, 2);
        assertThat(h.decoder.fragments()).isEqualTo(3);
        assertThat(h.decoder.reassembledDatagrams()).isEqualTo(1);
    }

    @Test
    void handsTheDatagramOnReadOnlyInTheBufferClassOfAReadOnlyFileMapping(@TempDir Path dir) throws IOException {
        // the decoder goes on reading the reassembled datagram: in the class of the mapped
        // windows it reads a capture file through, its compiled code needs no class check
        Path file = Files.write(dir.resolve("bytes"), new byte[64]);
        Class<?> mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, 64).getClass();
        }
        byte[] l4 = udpDatagram(200, 9);
        for (int id = 1; id <= 3; id++) {
            assertThat(h.decode(LinkType.RAW, frag4(l4, id, 0, 80, true))).isFalse();
            assertThat(h.decode(LinkType.RAW, frag4(l4, id, 80, l4.length, false))).isTrue();
            assertDelivered(l4);
            assertThat(h.view.buffer.isReadOnly()).isTrue();
            assertThat(h.view.buffer.getClass()).isSameAs(mapped);
        }
    }

    @Test
    void reassemblesFragmentsArrivingOutOfOrder() {
        byte[] l4 = udpDatagram(200, 2);
        assertThat(h.decode(LinkType.RAW, frag4(l4, 7, 160, l4.length, false))).isFalse();
        assertThat(h.decode(LinkType.RAW, frag4(l4, 7, 0, 80, true))).isFalse();
        assertThat(h.decode(LinkType.RAW, frag4(l4, 7, 80, 160, true))).isTrue();
        assertDelivered(l4);
    }

    @Test
    void overlappingFragmentsKeepTheBytesThatArrivedFirst() {
        byte[] l4 = udpDatagram(200, 3);
        byte[] forged = udpDatagram(200, 99); // same layout, other bytes
        assertThat(h.decode(LinkType.RAW, frag4(l4, 9, 0, 96, true))).isFalse();
        // overlaps [48, 96) with different data, and adds [96, 144)
        assertThat(h.decode(LinkType.RAW, frag4(forged, 9, 48, 144, true))).isFalse();
        // overlaps [136, 144) again, and ends the datagram
        byte[] tail = frag4(l4, 9, 136, l4.length, false);
        assertThat(h.decode(LinkType.RAW, tail)).isTrue();
        byte[] expected = l4.clone();
        System.arraycopy(forged, 96, expected, 96, 48);
        assertThat(h.view.reassembled).isTrue();
        byte[] got = new byte[expected.length];
        h.view.buffer.get(h.view.payloadOffset - 8, got);
        assertThat(got).isEqualTo(expected);
        assertThat(h.view.badChecksum).as("the forged middle changed the sum").isTrue();
    }

    @Test
    void duplicatedFragmentsDeliverTheDatagramOnce() {
        byte[] l4 = udpDatagram(100, 4);
        byte[] first = frag4(l4, 5, 0, 64, true);
        byte[] last = frag4(l4, 5, 64, l4.length, false);
        assertThat(h.decode(LinkType.RAW, first)).isFalse();
        assertThat(h.decode(LinkType.RAW, first)).isFalse();
        assertThat(h.decode(LinkType.RAW, last)).isTrue();
        assertDelivered(l4);
        // a late duplicate starts a new datagram that never completes, as in Zeek
        assertThat(h.decode(LinkType.RAW, last)).isFalse();
        assertThat(h.decoder.reassembledDatagrams()).isEqualTo(1);
        h.assertOnlySkipped(SkipReason.FRAGMENT_HELD, 3);
    }

    @Test
    void datagramsFromOtherSourcesOrIdsDoNotMix() {
        byte[] l4 = udpDatagram(100, 5);
        assertThat(h.decode(LinkType.RAW, frag4(l4, 1, 0, 64, true))).isFalse();
        assertThat(h.decode(LinkType.RAW, frag4(l4, 2, 64, l4.length, false))).isFalse();
        assertThat(h.decoder.reassembledDatagrams()).isZero();
        assertThat(h.decode(LinkType.RAW, frag4(l4, 1, 64, l4.length, false))).isTrue();
        assertDelivered(l4);
    }

    @Test
    void neverCompletedDatagramsAreBoundedAndTheOldestIsDropped() {
        h = new DecoderHarness(2L * FragmentReassembler.SLOT_BYTES, Duration.ofMinutes(5));
        byte[] l4 = udpDatagram(100, 6);
        for (int id = 1; id <= 5; id++) {
            h.now += 1_000_000;
            assertThat(h.decode(LinkType.RAW, frag4(l4, id, 0, 64, true))).isFalse();
        }
        assertThat(h.decoder.reassembliesDropped()).isEqualTo(3);
        // the oldest datagrams are gone: their last fragment starts a new one
        assertThat(h.decode(LinkType.RAW, frag4(l4, 1, 64, l4.length, false))).isFalse();
        // the newest ones survived
        assertThat(h.decode(LinkType.RAW, frag4(l4, 5, 64, l4.length, false))).isTrue();
        assertDelivered(l4);
    }

    @Test
    void datagramNotCompletedWithinTheTimeoutIsDropped() {
        h = new DecoderHarness(Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES, Duration.ofSeconds(1));
        byte[] l4 = udpDatagram(100, 7);
        assertThat(h.decode(LinkType.RAW, frag4(l4, 3, 0, 64, true))).isFalse();
        h.now += 2_000_000_000L;
        assertThat(h.decode(LinkType.RAW, frag4(l4, 3, 64, l4.length, false))).isFalse();
        assertThat(h.decoder.reassembliesDropped()).isEqualTo(1);
        assertThat(h.decoder.reassembledDatagrams()).isZero();
    }

    @Test
    void refusesFragmentOffsetOverflowPastTheLargestDatagram() {
        byte[] f = ipv4(SRC, DST, UDP, 1, 65528, false, new byte[0], new byte[40]);
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_FRAGMENT, 1);
    }

    @Test
    void datagramTornIntoTooManyPiecesIsDropped() {
        byte[] data = new byte[8 * 2 * (FragmentReassembler.MAX_RUNS + 1)];
        int id = 11;
        for (int i = 0; i <= FragmentReassembler.MAX_RUNS; i++) {
            int off = 16 * i + 8;
            h.decode(LinkType.RAW, ipv4(SRC, DST, UDP, id, off, true, new byte[0], Arrays.copyOfRange(data, 0, 8)));
        }
        assertThat(h.decoder.skipped(SkipReason.BAD_FRAGMENT)).isEqualTo(1);
        assertThat(h.decoder.reassembliesDropped()).isEqualTo(1);
    }

    @Test
    void firstFragmentCutByTheSnapLengthIsDecodedOnItsOwn() {
        byte[] l4 = udpDatagram(400, 8);
        byte[] first = frag4(l4, 4, 0, 200, true);
        assertThat(h.decode(LinkType.RAW, first, 60, first.length)).isTrue();
        assertThat(h.view.reassembled).isFalse();
        assertThat(h.view.srcPort).isEqualTo(4000);
        assertThat(h.view.ipLength).isEqualTo(220);
        assertThat(h.view.badChecksum).isFalse();
        byte[] later = frag4(l4, 4, 200, l4.length, false);
        assertThat(h.decode(LinkType.RAW, later, 60, later.length)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_FRAGMENT, 1);
    }

    @Test
    void reassemblesIpv6FragmentsAfterAHopByHopHeader() {
        String s = "2001:db8::1";
        String d = "2001:db8::2";
        byte[] payload = new byte[300];
        Arrays.fill(payload, (byte) 0x5A);
        byte[] l4 = withChecksum(addr(s), addr(d), UDP, udp(5353, 53, payload));
        byte[] hop = ext(44, 0, new byte[0]);
        byte[] a = ipv6(s, d, 0, concat(hop, fragmentHeader(UDP, 0, true, 0xABCDEF01L)), Arrays.copyOfRange(l4, 0, 160));
        byte[] b = ipv6(s, d, 0, concat(hop, fragmentHeader(UDP, 160, false, 0xABCDEF01L)),
                Arrays.copyOfRange(l4, 160, l4.length));
        assertThat(h.decode(LinkType.RAW, b)).isFalse();
        assertThat(h.decode(LinkType.RAW, a)).isTrue();
        assertThat(h.view.reassembled).isTrue();
        assertThat(h.view.ipVersion).isEqualTo(6);
        assertThat(h.view.ipProto).isEqualTo(UDP);
        assertThat(h.view.ipLength).isEqualTo(40 + 8 + l4.length);
        assertThat(h.view.srcPort).isEqualTo(5353);
        assertThat(h.view.payloadLength).isEqualTo(300);
        assertThat(h.view.badChecksum).isFalse();
    }

    @Test
    void atomicIpv6FragmentIsAWholeDatagram() {
        byte[] l4 = withChecksum(addr("2001:db8::1"), addr("2001:db8::2"), UDP, udp(1, 2, new byte[4]));
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", 44, fragmentHeader(UDP, 0, false, 9), l4);
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.reassembled).isFalse();
        assertThat(h.view.srcPort).isEqualTo(1);
        assertThat(h.view.badChecksum).isFalse();
        assertThat(h.decoder.fragments()).isZero();
    }
}
