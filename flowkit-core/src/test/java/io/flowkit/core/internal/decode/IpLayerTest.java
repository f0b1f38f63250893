package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.DecoderHarness.hi;
import static io.flowkit.core.internal.decode.DecoderHarness.lo;
import static io.flowkit.core.internal.decode.DecoderHarness.v4;
import static io.flowkit.core.internal.decode.Frames.ICMP;
import static io.flowkit.core.internal.decode.Frames.ICMP6;
import static io.flowkit.core.internal.decode.Frames.SYN;
import static io.flowkit.core.internal.decode.Frames.TCP;
import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.addr;
import static io.flowkit.core.internal.decode.Frames.bytes;
import static io.flowkit.core.internal.decode.Frames.concat;
import static io.flowkit.core.internal.decode.Frames.ether;
import static io.flowkit.core.internal.decode.Frames.ext;
import static io.flowkit.core.internal.decode.Frames.icmp;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.put16;
import static io.flowkit.core.internal.decode.Frames.tcp;
import static io.flowkit.core.internal.decode.Frames.tcpWithOptions;
import static io.flowkit.core.internal.decode.Frames.udp;
import static io.flowkit.core.internal.decode.Frames.withChecksum;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import org.junit.jupiter.api.Test;

/** IPv4 and IPv6 headers, extension chains, transport headers and ICMP errors, good and bad. */
class IpLayerTest {
    private final DecoderHarness h = new DecoderHarness();

    // ------------------------------------------------------------------ IPv4

    @Test
    void ipv4OptionsMoveTheTransportHeader() {
        byte[] options = bytes(0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00); // router alert, NOPs, end
        byte[] l4 = withChecksum(addr("10.0.0.1"), addr("10.0.0.2"), UDP, udp(7, 9, bytes(1)));
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", UDP, 1, 0, false, options, l4);
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.srcPort).isEqualTo(7);
        assertThat(h.view.dstPort).isEqualTo(9);
        assertThat(h.view.ipLength).isEqualTo(28 + 9);
        assertThat(h.view.payloadOffset).isEqualTo(28 + 8);
        assertThat(h.view.badChecksum).isFalse();
    }

    @Test
    void skipsIpv4WithIhlBelowFive() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[8]));
        f[0] = 0x44;
        Frames.fixIpv4Checksum4(f);
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_HEADER_LENGTH, 1);
    }

    @Test
    void skipsIpv4WhoseHeaderLengthExceedsItsTotalLength() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[0]));
        f[0] = 0x4F; // 60-byte header in a 28-byte packet
        assertThat(h.decode(LinkType.RAW, concat(f, new byte[40]))).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_HEADER_LENGTH, 1);
    }

    @Test
    void skipsIpv4WhoseTotalLengthLiesBeyondTheWireLength() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[10]));
        put16(f, 2, 1500);
        Frames.fixIpv4Checksum4(f);
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_LENGTH, 1);
    }

    @Test
    void acceptsTotalLengthBeyondTheCaptureWhenTheWireHadIt() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 0, SYN, 1, new byte[1000]));
        assertThat(h.decode(LinkType.RAW, f, 60, f.length)).isTrue();
        assertThat(h.view.ipLength).isEqualTo(1040);
        assertThat(h.view.payloadLength).isEqualTo(1000);
        assertThat(h.view.payloadCaptured).isEqualTo(20);
    }

    @Test
    void skipsIpv4WithTotalLengthBelowTheHeader() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[10]));
        put16(f, 2, 12);
        Frames.fixIpv4Checksum4(f);
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_HEADER_LENGTH, 1);
    }

    @Test
    void zeroTotalLengthFromSegmentationOffloadIsUsableOnlyWithChecksumsIgnored() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 0, SYN, 1, new byte[100]));
        put16(f, 2, 0);
        Frames.fixIpv4Checksum4(f);
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_LENGTH, 1);
        DecoderHarness ignoring = new DecoderHarness(true);
        assertThat(ignoring.decode(LinkType.RAW, f)).isTrue();
        assertThat(ignoring.view.ipLength).isEqualTo(140);
        assertThat(ignoring.view.payloadLength).isEqualTo(100);
    }

    @Test
    void skipsIpHeaderCutByTheCapture() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[10]));
        assertThat(h.decode(LinkType.RAW, f, 19, f.length)).isFalse();
        byte[] withOptions = ipv4("10.0.0.1", "10.0.0.2", UDP, 1, 0, false, new byte[8], udp(1, 2, new byte[0]));
        assertThat(h.decode(LinkType.RAW, withOptions, 24, withOptions.length)).isFalse();
        byte[] six = ipv6("2001:db8::1", "2001:db8::2", UDP, udp(1, 2, new byte[0]));
        assertThat(h.decode(LinkType.RAW, six, 39, six.length)).isFalse();
        assertThat(h.decode(LinkType.ETHERNET, ether(0x0800, new byte[0]))).isFalse();
        h.assertOnlySkipped(SkipReason.TRUNCATED_IP_HEADER, 4);
    }

    @Test
    void skipsUnknownIpVersion() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[0]));
        f[0] = 0x55;
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        assertThat(h.decode(LinkType.ETHERNET, ether(0x0800, ipv6("::1", "::2", UDP, udp(1, 2, new byte[0])))))
                .isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_VERSION, 2);
    }

    @Test
    void skipsIpv6WhosePayloadLengthLiesBeyondTheWireLength() {
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", UDP, udp(1, 2, new byte[4]));
        put16(f, 4, 400);
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_LENGTH, 1);
    }

    @Test
    void ipv6WithZeroPayloadLengthIsReadFromTheCapturedBytesAsZeekDoes() {
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", TCP, tcp(1, 2, 1, 0, Frames.ACK, 1, new byte[30]));
        put16(f, 4, 0);
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.ipLength).isEqualTo(40);
        assertThat(h.view.srcPort).isEqualTo(1);
        assertThat(h.view.payloadLength).isEqualTo(30);
        assertThat(h.view.badChecksum).isFalse();
    }

    // ------------------------------------------------------------------ IPv6 extension headers

    private byte[] udpOver6(String src, String dst) {
        return withChecksum(addr(src), addr(dst), UDP, udp(53, 5353, bytes(1, 2)));
    }

    @Test
    void followsHopByHopDestinationOptionsAndAuthenticationHeaders() {
        byte[] ah = new byte[16];
        ah[0] = (byte) UDP;
        ah[1] = 2; // (2 + 2) * 4 = 16 bytes
        byte[] chain = concat(ext(60, 0, new byte[0]), ext(51, 1, new byte[0]), ah);
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", 0, chain, udpOver6("2001:db8::1", "2001:db8::2"));
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.ipProto).isEqualTo(UDP);
        assertThat(h.view.srcPort).isEqualTo(53);
        assertThat(h.view.ipLength).isEqualTo(f.length);
        assertThat(h.view.payloadLength).isEqualTo(2);
        assertThat(h.view.badChecksum).isFalse();
    }

    @Test
    void routingHeaderWithSegmentsLeftMakesItsLastAddressTheDestination() {
        byte[] rh = new byte[24];
        rh[0] = (byte) UDP;
        rh[1] = 2;
        rh[2] = 0; // type 0
        rh[3] = 1; // segments left
        System.arraycopy(addr("2001:db8::99"), 0, rh, 8, 16);
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", 43, rh, udpOver6("2001:db8::1", "2001:db8::99"));
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.dstHi).isEqualTo(hi("2001:db8::99"));
        assertThat(h.view.dstLo).isEqualTo(lo("2001:db8::99"));
        assertThat(h.view.badChecksum).as("pseudo-header uses the final destination").isFalse();
        rh[3] = 0;
        byte[] done = ipv6("2001:db8::1", "2001:db8::2", 43, rh, udpOver6("2001:db8::1", "2001:db8::2"));
        assertThat(h.decode(LinkType.RAW, done)).isTrue();
        assertThat(h.view.dstLo).isEqualTo(lo("2001:db8::2"));
    }

    @Test
    void homeAddressOptionBecomesTheSource() {
        byte[] body = new byte[22];
        body[0] = 0; // Pad1
        body[1] = 0; // Pad1
        body[2] = 0; // Pad1
        body[3] = (byte) 201;
        body[4] = 16;
        System.arraycopy(addr("2001:db8::77"), 0, body, 5, 16);
        byte[] dstOpts = ext(UDP, 2, body);
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", 60, dstOpts, udpOver6("2001:db8::77", "2001:db8::2"));
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.srcLo).isEqualTo(lo("2001:db8::77"));
        assertThat(h.view.badChecksum).isFalse();
    }

    @Test
    void unknownNextHeaderIsTheTransport() {
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", 0, ext(132, 0, new byte[0]), new byte[16]);
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.ipProto).isEqualTo(132);
        assertThat(h.view.srcPort).isZero();
        assertThat(h.view.payloadLength).isEqualTo(16);
    }

    @Test
    void skipsExtensionChainThatRunsPastThePacket() {
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", 0, ext(UDP, 0, new byte[0]), new byte[0]);
        f[41] = 9; // 80-byte header in an 8-byte payload
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IPV6_EXTENSION, 1);
    }

    @Test
    void skipsExtensionChainLongerThanTheBound() {
        byte[] chain = new byte[0];
        for (int i = 0; i < Decoder.MAX_IPV6_HEADERS + 1; i++) {
            chain = concat(chain, ext(60, 0, new byte[0]));
        }
        byte[] f = ipv6("2001:db8::1", "2001:db8::2", 0, chain, udp(1, 2, new byte[0]));
        assertThat(h.decode(LinkType.RAW, f)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IPV6_EXTENSION, 1);
    }

    @Test
    void espMobilityAndNoNextHeaderHaveNoTransport() {
        assertThat(h.decode(LinkType.RAW, ipv6("2001:db8::1", "2001:db8::2", 59, new byte[0], new byte[0]))).isFalse();
        assertThat(h.decode(LinkType.RAW, ipv6("2001:db8::1", "2001:db8::2", 0, ext(50, 0, new byte[0]), new byte[32])))
                .isFalse();
        assertThat(h.decode(LinkType.RAW, ipv6("2001:db8::1", "2001:db8::2", 135, new byte[0], new byte[8]))).isFalse();
        assertThat(h.decode(LinkType.RAW, ipv4("10.0.0.1", "10.0.0.2", 50, new byte[40]))).isFalse();
        h.assertOnlySkipped(SkipReason.NO_TRANSPORT, 4);
    }

    // ------------------------------------------------------------------ transport

    @Test
    void skipsTransportHeadersShorterThanTheirFixedPart() {
        byte[] shortTcp = ipv4("10.0.0.1", "10.0.0.2", TCP, bytes(0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0));
        assertThat(h.decode(LinkType.RAW, shortTcp)).isFalse();
        byte[] shortUdp = ipv4("10.0.0.1", "10.0.0.2", UDP, bytes(0, 1, 0, 2, 0, 6));
        assertThat(h.decode(LinkType.RAW, shortUdp)).isFalse();
        byte[] shortIcmp = ipv6("2001:db8::1", "2001:db8::2", ICMP6, new byte[0], bytes(128, 0, 0, 0));
        assertThat(h.decode(LinkType.RAW, shortIcmp)).isFalse();
        byte[] cutTcp = ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 0, SYN, 1, new byte[0]));
        assertThat(h.decode(LinkType.RAW, cutTcp, 20 + 19, cutTcp.length)).isFalse();
        h.assertOnlySkipped(SkipReason.TRUNCATED_TRANSPORT_HEADER, 4);
    }

    @Test
    void tcpHeaderCutInsideItsOptionsIsDeliveredAsTruncated() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", TCP,
                tcpWithOptions(443, 50000, SYN | Frames.ACK, new byte[20], new byte[0]));
        assertThat(h.decode(LinkType.RAW, f, 20 + 30, f.length)).isTrue();
        assertThat(h.view.transportTruncated).isTrue();
        assertThat(h.view.srcPort).isEqualTo(443);
        assertThat(h.view.dstPort).isEqualTo(50000);
        assertThat(h.view.tcpFlags).isEqualTo(SYN | Frames.ACK);
        assertThat(h.skippedTotal()).isZero();
    }

    @Test
    void tcpDataOffsetPastTheFrameIsDeliveredAsTruncated() {
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 1, 0, SYN, 1, new byte[4]));
        f[20 + 12] = (byte) 0xF0; // 60-byte header in a 24-byte segment
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.transportTruncated).isTrue();
        f[20 + 12] = 0x40; // 16 bytes: below the minimum
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.transportTruncated).isTrue();
        assertThat(h.view.badChecksum).isFalse();
    }

    @Test
    void tcpOptionsAreNotPayload() {
        byte[] l4 = tcpWithOptions(1, 2, Frames.ACK, new byte[12], bytes(5, 6, 7));
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", TCP, l4);
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.payloadLength).isEqualTo(3);
        assertThat(h.view.payloadOffset).isEqualTo(20 + 32);
        assertThat(h.view.badChecksum).isFalse();
    }

    @Test
    void udpPayloadFollowsTheUdpLengthField() {
        byte[] l4 = udp(1, 2, new byte[10]);
        put16(l4, 4, 12); // claims 4 bytes of payload in a 10-byte datagram
        byte[] f = ipv4("10.0.0.1", "10.0.0.2", UDP, l4);
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.payloadLength).isEqualTo(4);
        put16(l4, 4, 3); // below the header: no payload
        assertThat(h.decode(LinkType.RAW, ipv4("10.0.0.1", "10.0.0.2", UDP, l4))).isTrue();
        assertThat(h.view.payloadLength).isZero();
    }

    @Test
    void icmpUnreachableExposesTheEmbeddedUdpPacket() {
        byte[] original = ipv4("10.0.0.1", "10.9.9.9", UDP, udp(40000, 161, new byte[20]));
        byte[] quoted = java.util.Arrays.copyOf(original, 28);
        byte[] f = ipv4("10.9.9.9", "10.0.0.1", ICMP, icmp(3, 3, concat(new byte[4], quoted)));
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.icmpType).isEqualTo(3);
        assertThat(h.view.icmpCode).isEqualTo(3);
        assertThat(h.view.innerIpVersion).isEqualTo(4);
        assertThat(h.view.innerProto).isEqualTo(UDP);
        assertThat(h.view.innerSrcLo).isEqualTo(v4("10.0.0.1"));
        assertThat(h.view.innerDstLo).isEqualTo(v4("10.9.9.9"));
        assertThat(h.view.innerSrcPort).isEqualTo(40000);
        assertThat(h.view.innerDstPort).isEqualTo(161);
        assertThat(h.view.badChecksum).isFalse();
    }

    @Test
    void icmpv6UnreachableExposesTheEmbeddedTcpPacket() {
        byte[] original = ipv6("2001:db8::1", "2001:db8::9", TCP, tcp(50000, 22, 1, 0, SYN, 1, new byte[0]));
        byte[] f = ipv6("2001:db8::9", "2001:db8::1", ICMP6, icmp(1, 4, concat(new byte[4], original)));
        assertThat(h.decode(LinkType.RAW, f)).isTrue();
        assertThat(h.view.innerIpVersion).isEqualTo(6);
        assertThat(h.view.innerProto).isEqualTo(TCP);
        assertThat(h.view.innerSrcLo).isEqualTo(lo("2001:db8::1"));
        assertThat(h.view.innerDstLo).isEqualTo(lo("2001:db8::9"));
        assertThat(h.view.innerSrcPort).isEqualTo(50000);
        assertThat(h.view.innerDstPort).isEqualTo(22);
        assertThat(h.view.badChecksum).isFalse();
    }

    @Test
    void icmpEchoAndErrorsQuotingTooLittleHaveNoEmbeddedPacket() {
        byte[] echo = ipv4("10.0.0.1", "10.0.0.2", ICMP, icmp(8, 0, new byte[40]));
        assertThat(h.decode(LinkType.RAW, echo)).isTrue();
        assertThat(h.view.innerIpVersion).isZero();
        byte[] stub = ipv4("10.0.0.1", "10.0.0.2", ICMP, icmp(11, 0, concat(new byte[4], bytes(0x45, 0, 0, 20))));
        assertThat(h.decode(LinkType.RAW, stub)).isTrue();
        assertThat(h.view.innerIpVersion).isZero();
        assertThat(h.view.innerSrcPort).isEqualTo(-1);
    }
}
