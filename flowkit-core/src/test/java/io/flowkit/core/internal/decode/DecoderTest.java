package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.Frames.ACK;
import static io.flowkit.core.internal.decode.Frames.ICMP;
import static io.flowkit.core.internal.decode.Frames.ICMP6;
import static io.flowkit.core.internal.decode.Frames.SYN;
import static io.flowkit.core.internal.decode.Frames.TCP;
import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.bytes;
import static io.flowkit.core.internal.decode.Frames.concat;
import static io.flowkit.core.internal.decode.Frames.ether;
import static io.flowkit.core.internal.decode.Frames.icmp;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.tcp;
import static io.flowkit.core.internal.decode.Frames.udp;
import static io.flowkit.core.internal.decode.Frames.vlanTag;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.IpNetwork;
import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecoderTest {
    private Decoder decoder = new Decoder(false, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
            Decoder.DEFAULT_FRAGMENT_TIMEOUT);
    private final PacketView view = new PacketView();

    private boolean decode(int linkType, byte[] frame) {
        return decode(linkType, frame, frame.length, frame.length);
    }

    private boolean decode(int linkType, byte[] frame, int caplen, int wirelen) {
        ByteBuffer buf = ByteBuffer.wrap(frame);
        boolean r = decoder.decode(1_000L, linkType, buf, 0, caplen, wirelen, view);
        assertThat(buf.position()).isZero();
        assertThat(buf.limit()).isEqualTo(frame.length);
        return r;
    }

    private long total(Decoder d) {
        long sum = 0;
        for (SkipReason r : SkipReason.values()) {
            sum += d.skipped(r);
        }
        return sum;
    }

    private static long v4(String a) {
        byte[] b = Frames.addr(a);
        return PacketView.IPV4_MAPPED_PREFIX | ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8)
                | (b[3] & 0xFFL);
    }

    private static long hi(String a) {
        return ByteBuffer.wrap(Frames.addr(a)).getLong(0);
    }

    private static long lo(String a) {
        return ByteBuffer.wrap(Frames.addr(a)).getLong(8);
    }

    private void assertSkipped(SkipReason reason) {
        assertThat(decoder.skipped(reason)).as(reason.name()).isEqualTo(1);
        assertThat(total(decoder)).as("exactly one reason counted").isEqualTo(1);
    }

    // ------------------------------------------------------------------ basics

    @Test
    void decodesEthernetIpv4TcpFields() {
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "192.168.1.2", TCP,
                tcp(40000, 80, 0xFFFF_FFF0L, 7, SYN | ACK, 512, bytes(1, 2, 3))));
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.ipVersion).isEqualTo(4);
        assertThat(view.ipProto).isEqualTo(TCP);
        assertThat(view.srcHi).isZero();
        assertThat(view.srcLo).isEqualTo(v4("10.0.0.1"));
        assertThat(view.dstLo).isEqualTo(v4("192.168.1.2"));
        assertThat(PacketView.isIpv4(view.srcHi, view.srcLo)).isTrue();
        assertThat(view.srcPort).isEqualTo(40000);
        assertThat(view.dstPort).isEqualTo(80);
        assertThat(view.seq).isEqualTo(0xFFFF_FFF0L);
        assertThat(view.ack).isEqualTo(7);
        assertThat(view.tcpFlags).isEqualTo(SYN | ACK);
        assertThat(view.window).isEqualTo(512);
        assertThat(view.ipLength).isEqualTo(20 + 20 + 3);
        assertThat(view.payloadLength).isEqualTo(3);
        assertThat(view.payloadCaptured).isEqualTo(3);
        assertThat(view.buffer.get(view.payloadOffset)).isEqualTo((byte) 1);
        assertThat(view.badChecksum).isFalse();
        assertThat(view.transportTruncated).isFalse();
        assertThat(view.reassembled).isFalse();
        assertThat(view.vlan).isEqualTo(-1);
        assertThat(view.icmpType).isEqualTo(-1);
        assertThat(view.timestampNanos).isEqualTo(1_000L);
        assertThat(total(decoder)).isZero();
    }

    @Test
    void decodesUdpPayloadFromUdpLengthAndIgnoresEthernetPadding() {
        byte[] ip = ipv4("10.0.0.1", "10.0.0.2", UDP, udp(5353, 53, bytes(9, 9)));
        byte[] f = concat(ether(0x0800, ip), new byte[20]); // padding to the minimum frame size
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.ipProto).isEqualTo(UDP);
        assertThat(view.srcPort).isEqualTo(5353);
        assertThat(view.dstPort).isEqualTo(53);
        assertThat(view.ipLength).isEqualTo(30);
        assertThat(view.payloadLength).isEqualTo(2);
        assertThat(view.payloadCaptured).isEqualTo(2);
        assertThat(view.badChecksum).isFalse();
    }

    @Test
    void tcpPayloadExcludesEthernetPadding() {
        byte[] ip = ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, bytes(7)));
        byte[] f = concat(ether(0x0800, ip), new byte[5]);
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.payloadLength).isEqualTo(1);
        assertThat(view.badChecksum).isFalse();
    }

    @Test
    void decodesIpv6UdpAddresses() {
        byte[] f = ether(0x86DD, ipv6("2001:db8::1", "2001:db8::2", UDP, udp(1000, 2000, new byte[10])));
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.ipVersion).isEqualTo(6);
        assertThat(view.srcHi).isEqualTo(hi("2001:db8::1"));
        assertThat(view.srcLo).isEqualTo(lo("2001:db8::1"));
        assertThat(view.dstLo).isEqualTo(lo("2001:db8::2"));
        assertThat(view.ipLength).isEqualTo(40 + 18);
        assertThat(view.payloadLength).isEqualTo(10);
        assertThat(view.badChecksum).isFalse();
    }

    @Test
    void decodesIcmpTypeAndCodeWithoutPorts() {
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", ICMP, icmp(8, 0, new byte[12])));
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.ipProto).isEqualTo(ICMP);
        assertThat(view.icmpType).isEqualTo(8);
        assertThat(view.icmpCode).isZero();
        assertThat(view.srcPort).isZero();
        assertThat(view.payloadLength).isEqualTo(8);
        assertThat(view.innerIpVersion).isZero();
        assertThat(view.badChecksum).isFalse();
    }

    @Test
    void decodesIcmpv6WithPseudoHeaderChecksum() {
        byte[] f = ether(0x86DD, ipv6("fe80::1", "ff02::1", ICMP6, icmp(135, 0, new byte[20])));
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.ipProto).isEqualTo(ICMP6);
        assertThat(view.icmpType).isEqualTo(135);
        assertThat(view.badChecksum).isFalse();
    }

    @Test
    void otherProtocolsHaveNoPortsAndIpPayloadLength() {
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "224.0.0.5", 89, new byte[24]));
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.ipProto).isEqualTo(89);
        assertThat(view.srcPort).isZero();
        assertThat(view.dstPort).isZero();
        assertThat(view.payloadLength).isEqualTo(24);
    }

    @Test
    void readsLittleEndianBuffersWithoutChangingTheirOrder() {
        byte[] f = ether(0x0800, ipv4("10.1.2.3", "10.4.5.6", TCP, tcp(1, 2, 0x01020304L, 0, SYN, 1, new byte[0])));
        ByteBuffer buf = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(decoder.decode(0, LinkType.ETHERNET, buf, 0, f.length, f.length, view)).isTrue();
        assertThat(buf.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(view.srcLo).isEqualTo(v4("10.1.2.3"));
        assertThat(view.seq).isEqualTo(0x01020304L);
        assertThat(view.badChecksum).isFalse();
    }

    @Test
    void decodesFrameAtAnOffsetInsideALargerBuffer() {
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[3])));
        byte[] big = new byte[f.length + 100];
        System.arraycopy(f, 0, big, 37, f.length);
        Arrays.fill(big, 0, 37, (byte) 0xEE);
        ByteBuffer buf = ByteBuffer.wrap(big);
        assertThat(decoder.decode(0, LinkType.ETHERNET, buf, 37, f.length, f.length, view)).isTrue();
        assertThat(view.payloadOffset).isEqualTo(37 + 14 + 28);
        assertThat(view.badChecksum).isFalse();
    }

    // ------------------------------------------------------------------ VLAN

    @Test
    void recordsFirstTwoVlanIdsOfAnyDepthStack() {
        byte[] ip = ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[0]));
        byte[] f = ether(0x88A8, concat(vlanTag(13, 0x8100), vlanTag(10, 0x9100), vlanTag(7, 0x0800), ip));
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.vlan).isEqualTo(13);
        assertThat(view.innerVlan).isEqualTo(10);
        assertThat(view.srcPort).isEqualTo(1);
    }

    // ------------------------------------------------------------------ addresses only

    @Test
    void decodeAddressesReadsNoFurtherThanTheIpAddresses() {
        // bad IP header and TCP checksums: decode would skip it, decodeAddresses does not look
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, bytes(1, 2))));
        f[14 + 20 + 16] ^= 0x40;
        f[14 + 10] ^= 1;
        assertThat(decoder.decodeAddresses(0, LinkType.ETHERNET, ByteBuffer.wrap(f), 0, f.length, f.length, view))
                .isTrue();
        assertThat(view.srcLo).isEqualTo(PacketView.IPV4_MAPPED_PREFIX | 0x0A000001L);
        assertThat(view.dstLo).isEqualTo(PacketView.IPV4_MAPPED_PREFIX | 0x0A000002L);
        // a middle fragment: its addresses, and nothing held for reassembly
        byte[] frag = ether(0x0800, ipv4("10.0.0.4", "10.0.0.3", UDP, 7, 64, true, new byte[0], new byte[16]));
        assertThat(decoder.decodeAddresses(0, LinkType.ETHERNET, ByteBuffer.wrap(frag), 0, frag.length, frag.length,
                view)).isTrue();
        assertThat(view.dstLo).isEqualTo(PacketView.IPV4_MAPPED_PREFIX | 0x0A000003L);
        assertThat(decoder.badChecksums()).isZero();
        assertThat(decoder.fragments()).isZero();
        assertThat(total(decoder)).isZero();
        // cut inside the IP header: skipped, with the reason decode gives
        assertThat(decoder.decodeAddresses(0, LinkType.ETHERNET, ByteBuffer.wrap(f), 0, 24, 24, view)).isFalse();
        assertThat(decoder.skipped(SkipReason.TRUNCATED_IP_HEADER)).isEqualTo(1);
        assertThat(decode(LinkType.ETHERNET, f, 24, 24)).isFalse();
        assertThat(decoder.skipped(SkipReason.TRUNCATED_IP_HEADER)).isEqualTo(2);
    }

    // ------------------------------------------------------------------ checksums

    @Test
    void flagsBadTcpChecksumButDeliversThePacket() {
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, bytes(1, 2))));
        f[14 + 20 + 16] ^= 0x40;
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.badChecksum).isTrue();
        assertThat(decoder.badChecksums()).isEqualTo(1);
        assertThat(total(decoder)).isZero();
    }

    @Test
    void acceptsAllOnesTcpChecksumFieldWhereZeroIsComputedAndCountsOthersBad() {
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, bytes(0, 0, 7, 9, 3))));
        int field = 14 + 20 + 16;
        int word = 14 + 20 + 20;
        // move the checksum into the first payload word: the sum stays the same and the field,
        // now 0, is the right checksum
        f[word] = f[field];
        f[word + 1] = f[field + 1];
        f[field] = 0;
        f[field + 1] = 0;
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.badChecksum).as("field 0x0000").isFalse();
        // 0xFFFF is the other zero of one's complement: Zeek's sum is 0xFFFF either way
        f[field] = (byte) 0xFF;
        f[field + 1] = (byte) 0xFF;
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.badChecksum).as("field 0xFFFF").isFalse();
        for (int bad : new int[] {0xFFFE, 0x0001, 0x0100, 0xFEFF}) {
            f[field] = (byte) (bad >>> 8);
            f[field + 1] = (byte) bad;
            assertThat(decode(LinkType.ETHERNET, f)).isTrue();
            assertThat(view.badChecksum).as("field %04x", bad).isTrue();
        }
        assertThat(decoder.badChecksums()).isEqualTo(4);
        assertThat(total(decoder)).isZero();
    }

    @Test
    void verifiesChecksumsOfSegmentsOfEveryLengthAtEveryFrameAlignment() {
        for (int len = 0; len < 70; len++) {
            byte[] payload = new byte[len];
            for (int i = 0; i < len; i++) {
                payload[i] = (byte) (0xF7 - 13 * i);
            }
            byte[] ip = ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, payload));
            for (int shift = 0; shift < 8; shift++) {
                // the frame starts `shift` bytes into the buffer, as frames in a capture file do
                byte[] buffer = new byte[shift + 14 + ip.length];
                System.arraycopy(ether(0x0800, ip), 0, buffer, shift, 14 + ip.length);
                ByteBuffer b = ByteBuffer.wrap(buffer);
                assertThat(decoder.decode(0, LinkType.ETHERNET, b, shift, 14 + ip.length, 14 + ip.length, view))
                        .isTrue();
                assertThat(view.badChecksum).as("length %d shift %d", len, shift).isFalse();
                if (len > 0) {
                    buffer[buffer.length - 1] ^= 0x20;
                    assertThat(decoder.decode(0, LinkType.ETHERNET, b, shift, 14 + ip.length, 14 + ip.length, view))
                            .isTrue();
                    assertThat(view.badChecksum).as("flipped, length %d shift %d", len, shift).isTrue();
                }
            }
        }
        assertThat(decoder.badChecksums()).isEqualTo(69 * 8);
        assertThat(total(decoder)).isZero();
    }

    @Test
    void skipsPacketWithBadIpHeaderChecksum() {
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[0])));
        f[14 + 10] ^= 1;
        assertThat(decode(LinkType.ETHERNET, f)).isFalse();
        assertSkipped(SkipReason.BAD_IP_CHECKSUM);
    }

    @Test
    void acceptsAnyChecksumWhenChecksumsAreIgnored() {
        decoder = new Decoder(true, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES, Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, bytes(1, 2))));
        f[14 + 10] ^= 1;
        f[14 + 20 + 16] ^= 1;
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.badChecksum).isFalse();
    }

    @Test
    void ignoresChecksumsOnlyForConfiguredSourceNetworks() {
        decoder = new Decoder(false, List.of(IpNetwork.parse("192.168.0.0/16")), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        byte[] fromIgnored = ether(0x0800, ipv4("192.168.1.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, bytes(1))));
        fromIgnored[14 + 20 + 16] ^= 1;
        assertThat(decode(LinkType.ETHERNET, fromIgnored)).isTrue();
        assertThat(view.badChecksum).isFalse();
        byte[] toIgnored = ether(0x0800, ipv4("10.0.0.2", "192.168.1.1", TCP, tcp(2, 1, 1, 1, ACK, 1, bytes(1))));
        toIgnored[14 + 20 + 16] ^= 1;
        assertThat(decode(LinkType.ETHERNET, toIgnored)).isTrue();
        assertThat(view.badChecksum).isTrue();
    }

    @Test
    void takesChecksumSettingsFromTheTrackerConfig() {
        byte[] f = ether(0x0800, ipv4("192.168.1.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, bytes(1))));
        f[14 + 20 + 16] ^= 1;
        decoder = new Decoder(io.flowkit.FlowTracker.builder().config());
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.badChecksum).isTrue();
        decoder = new Decoder(io.flowkit.FlowTracker.builder().ignoreChecksums(true).config());
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.badChecksum).isFalse();
        decoder = new Decoder(io.flowkit.FlowTracker.builder().ignoreChecksumsFor("192.168.0.0/16").config());
        assertThat(decode(LinkType.ETHERNET, f)).isTrue();
        assertThat(view.badChecksum).isFalse();
    }

    @Test
    void ignoresChecksumsForIpv6SourceNetworks() {
        decoder = new Decoder(false, List.of(IpNetwork.parse("2001:db8:1::/48")), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        byte[] inside = ether(0x86DD, ipv6("2001:db8:1::5", "2001:db8::2", UDP, udp(1, 2, bytes(5))));
        inside[inside.length - 1] ^= 1;
        assertThat(decode(LinkType.ETHERNET, inside)).isTrue();
        assertThat(view.badChecksum).isFalse();
        byte[] outside = ether(0x86DD, ipv6("2001:db8:2::5", "2001:db8::2", UDP, udp(1, 2, bytes(5))));
        outside[outside.length - 1] ^= 1;
        assertThat(decode(LinkType.ETHERNET, outside)).isTrue();
        assertThat(view.badChecksum).isTrue();
    }

    @Test
    void rejectsNonPositiveFragmentTimeout() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> new Decoder(false, List.of(), 1_000_000, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fragmentTimeout");
    }

    @Test
    void zeroUdpChecksumMeansNoneOverIpv4ButIsBadOverIpv6() {
        byte[] v4 = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, bytes(5))));
        Frames.put16(v4, 14 + 20 + 6, 0);
        assertThat(decode(LinkType.ETHERNET, v4)).isTrue();
        assertThat(view.badChecksum).isFalse();
        byte[] v6 = ether(0x86DD, ipv6("2001:db8::1", "2001:db8::2", UDP, udp(1, 2, bytes(5))));
        Frames.put16(v6, 14 + 40 + 6, 0);
        assertThat(decode(LinkType.ETHERNET, v6)).isTrue();
        assertThat(view.badChecksum).isTrue();
    }

    @Test
    void flagsBadUdpIcmpAndIcmpv6Checksums() {
        byte[] u = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, bytes(5))));
        u[u.length - 1] ^= 1;
        assertThat(decode(LinkType.ETHERNET, u)).isTrue();
        assertThat(view.badChecksum).isTrue();
        byte[] i = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", ICMP, icmp(8, 0, new byte[8])));
        i[i.length - 1] ^= 1;
        assertThat(decode(LinkType.ETHERNET, i)).isTrue();
        assertThat(view.badChecksum).isTrue();
        byte[] i6 = ether(0x86DD, ipv6("2001:db8::1", "2001:db8::2", ICMP6, icmp(128, 0, new byte[8])));
        i6[i6.length - 1] ^= 1;
        assertThat(decode(LinkType.ETHERNET, i6)).isTrue();
        assertThat(view.badChecksum).isTrue();
        assertThat(decoder.badChecksums()).isEqualTo(3);
    }

    @Test
    void doesNotVerifyChecksumOfSegmentCutBySnapLength() {
        byte[] f = ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 1, ACK, 1, new byte[100])));
        f[f.length - 1] ^= 1; // would be a bad checksum if it were captured
        assertThat(decode(LinkType.ETHERNET, f, f.length - 50, f.length)).isTrue();
        assertThat(view.badChecksum).isFalse();
        assertThat(view.payloadLength).isEqualTo(100);
        assertThat(view.payloadCaptured).isEqualTo(50);
    }
}
