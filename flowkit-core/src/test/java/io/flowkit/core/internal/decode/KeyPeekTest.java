package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.Frames.ACK;
import static io.flowkit.core.internal.decode.Frames.TCP;
import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.concat;
import static io.flowkit.core.internal.decode.Frames.ether;
import static io.flowkit.core.internal.decode.Frames.ext;
import static io.flowkit.core.internal.decode.Frames.icmp;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.tcp;
import static io.flowkit.core.internal.decode.Frames.udp;
import static io.flowkit.core.internal.decode.Frames.vlanTag;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyPeek} reads the key the decoder would give a plain TCP or UDP packet, declines what
 * it does not follow, and never throws, whatever the bytes.
 */
class KeyPeekTest {
    private final KeyPeek peek = new KeyPeek();

    private boolean read(int linkType, byte[] frame) {
        return peek.read(linkType, ByteBuffer.wrap(frame), 0, frame.length);
    }

    @Test
    void readsTheKeyOfAnEthernetIpv4TcpPacket() {
        assertThat(read(LinkType.ETHERNET,
                ether(0x0800, ipv4("10.0.0.1", "192.168.1.2", TCP, tcp(40000, 443, 1, 1, ACK, 512, new byte[16])))))
                .isTrue();
        assertThat(peek.proto).isEqualTo(6);
        assertThat(peek.srcHi).isZero();
        assertThat(peek.srcLo).isEqualTo(PacketView.IPV4_MAPPED_PREFIX | 0x0A000001L);
        assertThat(peek.dstLo).isEqualTo(PacketView.IPV4_MAPPED_PREFIX | 0xC0A80102L);
        assertThat(peek.srcPort).isEqualTo(40000);
        assertThat(peek.dstPort).isEqualTo(443);
    }

    @Test
    void readsThroughTwoVlanTagsAndRawIpv6() {
        byte[] inner = ipv4("10.1.1.1", "10.2.2.2", UDP, udp(53, 5353, new byte[8]));
        byte[] tagged = ether(0x88A8, concat(vlanTag(5, 0x8100), vlanTag(6, 0x0800), inner));
        assertThat(read(LinkType.ETHERNET, tagged)).isTrue();
        assertThat(peek.proto).isEqualTo(17);
        assertThat(peek.dstPort).isEqualTo(5353);

        assertThat(read(LinkType.RAW, ipv6("2001:db8::1", "2001:db8::2", UDP, udp(7, 9, new byte[4])))).isTrue();
        assertThat(peek.srcHi).isEqualTo(0x2001_0db8_0000_0000L);
        assertThat(peek.srcLo).isEqualTo(1);
        assertThat(peek.dstLo).isEqualTo(2);
        assertThat(peek.srcPort).isEqualTo(7);
    }

    @Test
    void declinesFragmentsIcmpExtensionHeadersAndCutFrames() {
        byte[] l4 = udp(1, 2, new byte[300]);
        List<byte[]> declined = List.of(
                ether(0x0800, ipv4("10.9.9.9", "10.8.8.8", UDP, 7, 0, true, new byte[0], l4)),
                ether(0x0800, ipv4("10.9.9.9", "10.8.8.8", UDP, 7, 160, false, new byte[0], l4)),
                ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", 1, icmp(8, 0, new byte[8]))),
                ether(0x86DD, ipv6("2001:db8::9", "2001:db8::8", 0, ext(UDP, 0, new byte[6]), l4)),
                ether(0x0806, new byte[28]),
                Arrays.copyOf(ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 0, 0, ACK, 1, new byte[0]))),
                        14 + 20 + 3));
        for (byte[] f : declined) {
            assertThat(read(LinkType.ETHERNET, f)).as(Arrays.toString(f)).isFalse();
        }
        byte[] ok = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 0, 0, ACK, 1, new byte[0])));
        assertThat(peek.read(LinkType.ETHERNET, ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN), 0, ok.length))
                .as("a little-endian buffer").isFalse();
        assertThat(peek.read(LinkType.ETHERNET, ByteBuffer.wrap(ok), -1, ok.length)).isFalse();
        assertThat(peek.read(LinkType.ETHERNET, ByteBuffer.wrap(ok), ok.length + 1, 0)).isFalse();
        assertThat(peek.read(LinkType.IEEE802_11, ByteBuffer.wrap(ok), 0, ok.length)).isFalse();
    }

    @Test
    void agreesWithTheDecoderOnEveryConformanceFrameItReads() throws IOException {
        int read = 0;
        for (String[] row : Conformance.manifest()) {
            Path trace = Conformance.root().resolve(row[1]);
            if (row[1].contains(";") || !ClassicPcap.isClassic(trace)) {
                continue;
            }
            ClassicPcap pcap = ClassicPcap.read(trace);
            Decoder decoder = new Decoder(true, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                    Decoder.DEFAULT_FRAGMENT_TIMEOUT);
            PacketView v = new PacketView();
            for (ClassicPcap.Frame f : pcap.frames) {
                boolean peeked = peek.read(pcap.linkType, pcap.buffer, f.offset(), f.caplen());
                if (decoder.decode(f.tsNanos(), pcap.linkType, pcap.buffer, f.offset(), f.caplen(), f.wirelen(), v)
                        && peeked && !v.reassembled) {
                    read++;
                    assertThat(new long[] {peek.proto, peek.srcHi, peek.srcLo, peek.srcPort, peek.dstHi, peek.dstLo,
                        peek.dstPort})
                            .as("%s frame at byte %d", row[1], f.offset())
                            .containsExactly(v.ipProto, v.srcHi, v.srcLo, v.srcPort, v.dstHi, v.dstLo, v.dstPort);
                }
            }
        }
        assertThat(read).as("frames whose key was read").isGreaterThan(10_000);
    }

    @Test
    void neverThrowsOnRandomBytesOffsetsAndLengths() {
        SplittableRandom rnd = new SplittableRandom(3);
        ByteBuffer b = ByteBuffer.allocate(256);
        int[] types = {LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.RAW, LinkType.IPV4, LinkType.IPV6};
        for (int i = 0; i < 200_000; i++) {
            for (int j = 0; j < b.capacity(); j++) {
                b.put(j, (byte) rnd.nextInt(256));
            }
            // steer some frames into the deeper layers
            if (rnd.nextBoolean()) {
                b.putShort(12, (short) (rnd.nextBoolean() ? 0x0800 : 0x8100));
                b.put(14, (byte) (rnd.nextBoolean() ? 0x45 : 0x60));
                b.putShort(20, (short) 0);
            }
            b.limit(rnd.nextInt(b.capacity() + 1));
            int off = rnd.nextInt(-4, b.capacity() + 4);
            int len = rnd.nextInt(-4, b.capacity() + 4);
            peek.read(types[rnd.nextInt(types.length)], b, off, len);
            b.clear();
        }
    }
}
