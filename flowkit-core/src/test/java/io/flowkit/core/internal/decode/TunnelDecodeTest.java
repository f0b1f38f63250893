package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.DecoderHarness.lo;
import static io.flowkit.core.internal.decode.DecoderHarness.v4;
import static io.flowkit.core.internal.decode.Frames.ICMP;
import static io.flowkit.core.internal.decode.Frames.SYN;
import static io.flowkit.core.internal.decode.Frames.TCP;
import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.bytes;
import static io.flowkit.core.internal.decode.Frames.concat;
import static io.flowkit.core.internal.decode.Frames.ether;
import static io.flowkit.core.internal.decode.Frames.icmp;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.put16;
import static io.flowkit.core.internal.decode.Frames.put32;
import static io.flowkit.core.internal.decode.Frames.tcp;
import static io.flowkit.core.internal.decode.Frames.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One frame per encapsulation, built byte by byte, taken apart layer by layer; and the hostile
 * cases (bad headers, lying lengths, truncation, nesting past the limit) counted, never thrown.
 */
class TunnelDecodeTest {
    private final DecoderHarness h = new DecoderHarness();

    /** The inner packet most tests carry: UDP 10.9.0.1:1234 -> 10.9.0.2:53 with 4 bytes. */
    private static final byte[] INNER4 = ipv4("10.9.0.1", "10.9.0.2", UDP, udp(1234, 53, bytes(1, 2, 3, 4)));
    private static final byte[] INNER6 = ipv6("2001:db8::1", "2001:db8::2", TCP,
            tcp(4321, 80, 7, 0, SYN, 1000, new byte[0]));

    private static byte[] outerUdp(int sport, int dport, byte[] payload) {
        return ether(0x0800, ipv4("192.0.2.1", "192.0.2.2", UDP, udp(sport, dport, payload)));
    }

    private static byte[] outerIp(int proto, byte[] payload) {
        return ether(0x0800, ipv4("198.51.100.1", "198.51.100.2", proto, payload));
    }

    private static byte[] vxlan(byte[] frame) {
        return concat(bytes(0x08, 0, 0, 0, 0, 0x12, 0x34, 0), frame);
    }

    private static byte[] gre(int flags, int type, int extraWords, byte[] payload) {
        byte[] hd = new byte[4 + 4 * extraWords];
        put16(hd, 0, flags);
        put16(hd, 2, type);
        return concat(hd, payload);
    }

    private static byte[] gtp(int flags, int type, byte[] ext, byte[] payload) {
        byte[] hd = new byte[8];
        hd[0] = (byte) flags;
        hd[1] = (byte) type;
        put16(hd, 2, ext.length + payload.length);
        put32(hd, 4, 0x1122_3344L);
        return concat(hd, ext, payload);
    }

    private int udpKind(int respPort) {
        return h.decoder.udpTunnel(h.view, respPort);
    }

    private void assertInner4(int depth) {
        assertThat(h.view.ipVersion).isEqualTo(4);
        assertThat(h.view.srcLo).isEqualTo(v4("10.9.0.1"));
        assertThat(h.view.dstLo).isEqualTo(v4("10.9.0.2"));
        assertThat(h.view.ipProto).isEqualTo(UDP);
        assertThat(h.view.srcPort).isEqualTo(1234);
        assertThat(h.view.dstPort).isEqualTo(53);
        assertThat(h.view.payloadLength).isEqualTo(4);
        assertThat(h.view.ipLength).isEqualTo(INNER4.length);
        assertThat(h.view.badChecksum).isFalse();
        assertThat(h.view.tunnelDepth).isEqualTo(depth);
    }

    private void assertInner6(int depth) {
        assertThat(h.view.ipVersion).isEqualTo(6);
        assertThat(h.view.srcLo).isEqualTo(lo("2001:db8::1"));
        assertThat(h.view.dstLo).isEqualTo(lo("2001:db8::2"));
        assertThat(h.view.srcPort).isEqualTo(4321);
        assertThat(h.view.dstPort).isEqualTo(80);
        assertThat(h.view.tcpFlags).isEqualTo(SYN);
        assertThat(h.view.tunnelDepth).isEqualTo(depth);
    }

    private int decapsulate(int kind) {
        return h.decoder.decapsulate(h.view, kind);
    }

    // ------------------------------------------------------------------ UDP tunnels

    @Test
    void vxlanCarriesAnEthernetFrame() {
        assertThat(h.decode(LinkType.ETHERNET, outerUdp(40000, 4789, vxlan(ether(0x0800, INNER4))))).isTrue();
        assertThat(h.view.tunnel).isEqualTo(PacketView.TUNNEL_UDP);
        assertThat(h.view.dstPort).isEqualTo(4789);
        assertThat(udpKind(4789)).isEqualTo(Decoder.VXLAN);
        assertThat(decapsulate(Decoder.VXLAN)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
        assertThat(h.skippedTotal()).isZero();
    }

    @Test
    void vxlanWithoutItsIFlagIsAViolation() {
        byte[] body = vxlan(ether(0x0800, INNER4));
        body[0] = 0;
        h.decode(LinkType.ETHERNET, outerUdp(40000, 4789, body));
        assertThat(decapsulate(Decoder.VXLAN)).isEqualTo(Decoder.VIOLATION);
        h.assertOnlySkipped(SkipReason.BAD_TUNNEL, 1);
    }

    @Test
    void geneveSkipsItsOptionsAndCarriesIpv6Directly() {
        byte[] hd = bytes(0x02, 0, 0x86, 0xDD, 0, 0, 7, 0);
        byte[] options = new byte[8];
        h.decode(LinkType.ETHERNET, outerUdp(12345, 6081, concat(hd, options, INNER6)));
        assertThat(udpKind(6081)).isEqualTo(Decoder.GENEVE);
        assertThat(decapsulate(Decoder.GENEVE)).isEqualTo(Decoder.DECAPSULATED);
        assertInner6(1);
    }

    @Test
    void geneveOptionsLongerThanThePacketAreAViolation() {
        h.decode(LinkType.ETHERNET, outerUdp(12345, 6081, concat(bytes(0x3F, 0, 0x65, 0x58, 0, 0, 7, 0), INNER4)));
        assertThat(decapsulate(Decoder.GENEVE)).isEqualTo(Decoder.VIOLATION);
        h.assertOnlySkipped(SkipReason.BAD_TUNNEL, 1);
    }

    @Test
    void gtpUserPlaneWithAnExtensionHeaderCarriesIp() {
        // E flag: sequence, N-PDU and next-extension-type bytes, then one 4-byte extension (PDU session container)
        byte[] ext = bytes(0, 1, 0, 0x85, 1, 0x10, 0x09, 0);
        h.decode(LinkType.ETHERNET, outerUdp(2152, 2152, gtp(0x34, 0xFF, ext, INNER4)));
        assertThat(udpKind(2152)).isEqualTo(Decoder.GTPV1);
        assertThat(decapsulate(Decoder.GTPV1)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
    }

    @Test
    void gtpWhoseInnerPacketClaimsMoreThanIsThereIsAViolation() {
        byte[] inner = INNER4.clone();
        put16(inner, 2, inner.length + 10);
        h.decode(LinkType.ETHERNET, outerUdp(2152, 2152, gtp(0x30, 0xFF, new byte[0], inner)));
        assertThat(decapsulate(Decoder.GTPV1)).isEqualTo(Decoder.VIOLATION);
        h.assertOnlySkipped(SkipReason.BAD_TUNNEL, 1);
    }

    @Test
    void gtpSignallingCarriesNoPacketAndIsNotCountedAsBad() {
        h.decode(LinkType.ETHERNET, outerUdp(2123, 2123, gtp(0x32, 0x01, bytes(0, 1, 0, 0), new byte[0])));
        assertThat(decapsulate(Decoder.GTPV1)).isEqualTo(Decoder.FAILED);
        assertThat(h.skippedTotal()).isZero();
    }

    @Test
    void teredoWithOriginIndicationCarriesIpv6() {
        byte[] origin = bytes(0, 0, 0xF0, 0x1F, 0x3F, 0x57, 0xFE, 0xFD);
        h.decode(LinkType.ETHERNET, outerUdp(3797, 3544, concat(origin, INNER6)));
        assertThat(udpKind(3544)).isEqualTo(Decoder.TEREDO);
        assertThat(decapsulate(Decoder.TEREDO)).isEqualTo(Decoder.DECAPSULATED);
        assertInner6(1);
    }

    @Test
    void teredoIsFoundByContentOnAnyPortWhenAnAddressIsATeredoAddress() {
        byte[] inner = ipv6("2001:0:4137:9e50::1", "2001:db8::2", TCP, tcp(4321, 80, 7, 0, SYN, 1000, new byte[0]));
        h.decode(LinkType.ETHERNET, outerUdp(3797, 32900, inner));
        assertThat(udpKind(32900)).isEqualTo(Decoder.TEREDO);
        assertThat(decapsulate(Decoder.TEREDO)).isEqualTo(Decoder.DECAPSULATED);
        assertThat(h.view.srcPort).isEqualTo(4321);
    }

    @Test
    void ordinaryIpv6InUdpOnAnotherPortIsNoTunnel() {
        h.decode(LinkType.ETHERNET, outerUdp(3797, 32900, INNER6));
        assertThat(udpKind(32900)).isEqualTo(Decoder.NOT_A_TUNNEL);
    }

    @Test
    void ordinaryUdpOnTunnelPortsIsNotTakenForATunnel() {
        byte[] dnsLike = bytes(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1);
        for (int port : new int[] {3544, 2152, 5072}) {
            h.decode(LinkType.ETHERNET, outerUdp(40000, port, dnsLike));
            int kind = udpKind(port);
            assertThat(decapsulate(kind)).as("port %d", port).isNotEqualTo(Decoder.DECAPSULATED);
        }
        h.decode(LinkType.ETHERNET, outerUdp(40000, 53, dnsLike));
        assertThat(udpKind(53)).isEqualTo(Decoder.NOT_A_TUNNEL);
    }

    @Test
    void teredoBubbleMayCarryTrailingBytesButOtherPacketsMayNot() {
        byte[] bubble = ipv6("2001:0:4137:9e50::1", "2001:db8::2", 59, new byte[0], new byte[0]);
        h.decode(LinkType.ETHERNET, outerUdp(3797, 3544, concat(bubble, new byte[16])));
        assertThat(decapsulate(Decoder.TEREDO)).isEqualTo(Decoder.FAILED);
        assertThat(h.decoder.skipped(SkipReason.NO_TRANSPORT)).isEqualTo(1);
        assertThat(h.decoder.skipped(SkipReason.BAD_TUNNEL)).isZero();
        h.decode(LinkType.ETHERNET, outerUdp(3797, 3544, concat(INNER6, new byte[16])));
        assertThat(decapsulate(Decoder.TEREDO)).isEqualTo(Decoder.VIOLATION);
        assertThat(h.decoder.skipped(SkipReason.BAD_TUNNEL)).isEqualTo(1);
    }

    @Test
    void ayiyaSkipsIdentityAndSignature() {
        // identity length 2^1 = 2, signature 5 x 4 bytes (SHA-1), opcode 1 (forward), next header 41 (IPv6)
        byte[] hd = concat(bytes(0x11, 0x52, 0x11, 41, 0, 0, 0, 0), new byte[2 + 20]);
        h.decode(LinkType.ETHERNET, outerUdp(53859, 5072, concat(hd, INNER6)));
        assertThat(udpKind(5072)).isEqualTo(Decoder.AYIYA);
        assertThat(decapsulate(Decoder.AYIYA)).isEqualTo(Decoder.DECAPSULATED);
        assertInner6(1);
    }

    @Test
    void ayiyaIsFoundByContentOnAnyPort() {
        h.decode(LinkType.ETHERNET, outerUdp(53859, 6000, concat(bytes(0x01, 0x52, 0x11, 4, 0, 0, 0, 0), new byte[1 + 20], INNER4)));
        assertThat(udpKind(6000)).isEqualTo(Decoder.AYIYA);
        assertThat(decapsulate(Decoder.AYIYA)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
    }

    @Test
    void greOverUdpCarriesIp() {
        h.decode(LinkType.ETHERNET, outerUdp(36527, 4754, gre(0, 0x0800, 0, INNER4)));
        assertThat(udpKind(4754)).isEqualTo(Decoder.GRE);
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
    }

    // ------------------------------------------------------------------ IP tunnels

    @Test
    void greWithChecksumKeyAndSequenceCarriesIpv4() {
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0xB000, 0x0800, 3, INNER4)));
        assertThat(h.view.tunnel).isEqualTo(PacketView.TUNNEL_IP);
        assertThat(Decoder.ipTunnel(h.view)).isEqualTo(Decoder.GRE);
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
    }

    @Test
    void greTransparentEthernetBridgingCarriesAFrame() {
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0x2000, 0x6558, 1, ether(0x86DD, INNER6))));
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.DECAPSULATED);
        assertInner6(1);
    }

    @Test
    void pptpEnhancedGreCarriesPpp() {
        // version 1, key (payload length, call id) and sequence present, then PPP FF 03 0021
        byte[] g = gre(0x3001, 0x880B, 2, concat(bytes(0xFF, 0x03, 0x00, 0x21), INNER4));
        h.decode(LinkType.ETHERNET, outerIp(47, g));
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
    }

    @Test
    void erspanTypesOneTwoAndThreeCarryFrames() {
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0, 0x88BE, 0, ether(0x0800, INNER4))));
        assertThat(decapsulate(Decoder.GRE)).as("type I").isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0x1000, 0x88BE, 1, concat(new byte[8], ether(0x0800, INNER4)))));
        assertThat(decapsulate(Decoder.GRE)).as("type II").isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
        byte[] type3 = new byte[12];
        type3[11] = 0x01; // O bit: an 8-byte platform-specific subheader follows
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0x1000, 0x22EB, 1,
                concat(type3, new byte[8], ether(0x0800, INNER4)))));
        assertThat(decapsulate(Decoder.GRE)).as("type III").isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
        assertThat(h.skippedTotal()).isZero();
    }

    @Test
    void ipInIpCoversFourInFourSixInFourFourInSixAndSixInSix() {
        h.decode(LinkType.ETHERNET, outerIp(4, INNER4));
        assertThat(Decoder.ipTunnel(h.view)).isEqualTo(Decoder.IP_IN_IP);
        assertThat(decapsulate(Decoder.IP_IN_IP)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
        h.decode(LinkType.ETHERNET, outerIp(41, INNER6));
        assertThat(decapsulate(Decoder.IP_IN_IP)).isEqualTo(Decoder.DECAPSULATED);
        assertInner6(1);
        h.decode(LinkType.ETHERNET, ether(0x86DD, ipv6("2001:db8:f::1", "2001:db8:f::2", 4, new byte[0], INNER4)));
        assertThat(decapsulate(Decoder.IP_IN_IP)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(1);
        h.decode(LinkType.ETHERNET, ether(0x86DD, ipv6("2001:db8:f::1", "2001:db8:f::2", 41, new byte[0], INNER6)));
        assertThat(decapsulate(Decoder.IP_IN_IP)).isEqualTo(Decoder.DECAPSULATED);
        assertInner6(1);
        assertThat(h.skippedTotal()).isZero();
    }

    @Test
    void nestedTunnelsAreTakenOffOneLayerAtATime() {
        byte[] innerVxlan = ipv4("172.16.0.1", "172.16.0.2", UDP, udp(5555, 4789, vxlan(ether(0x0800, INNER4))));
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0, 0x0800, 0, innerVxlan)));
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.DECAPSULATED);
        assertThat(h.view.tunnelDepth).isEqualTo(1);
        assertThat(h.view.dstPort).isEqualTo(4789);
        assertThat(udpKind(4789)).isEqualTo(Decoder.VXLAN);
        assertThat(decapsulate(Decoder.VXLAN)).isEqualTo(Decoder.DECAPSULATED);
        assertInner4(2);
    }

    // ------------------------------------------------------------------ hostile input

    @Test
    void encapsulationLoopsEndAtTheDepthLimit() {
        byte[] p = INNER4;
        for (int i = 0; i < 20; i++) {
            p = ipv4("198.51.100." + (i + 1), "198.51.100.200", 4, p);
        }
        h.decode(LinkType.RAW, p);
        int layers = 0;
        int r;
        while ((r = decapsulate(Decoder.ipTunnel(h.view))) == Decoder.DECAPSULATED) {
            layers++;
        }
        assertThat(layers).isEqualTo(4);
        assertThat(r).isEqualTo(Decoder.TOO_DEEP);
        h.assertOnlySkipped(SkipReason.BAD_TUNNEL, 1);
    }

    @Test
    void aDepthOfZeroDecapsulatesNothing() {
        h.decoder = new Decoder(false, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT, 0);
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0, 0x0800, 0, INNER4)));
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.TOO_DEEP);
        h.assertOnlySkipped(SkipReason.BAD_TUNNEL, 1);
    }

    @Test
    void greHeadersThatDoNotDecodeAreCountedNotThrown() {
        int[][] bad = {
            {0x4000, 0x0800}, // routing present
            {0x0002, 0x0800}, // version 2
            {0x0008, 0x0800}, // reserved flag
            {0x0001, 0x0800}, // version 1 must carry PPP
        };
        for (int[] f : bad) {
            h.decode(LinkType.ETHERNET, outerIp(47, gre(f[0], f[1], 0, INNER4)));
            assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.VIOLATION);
        }
        h.decode(LinkType.ETHERNET, outerIp(47, bytes(0, 0)));
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.VIOLATION);
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0xB000, 0x0800, 0, new byte[0])));
        assertThat(decapsulate(Decoder.GRE)).as("flags promise 12 bytes that are not there").isEqualTo(Decoder.VIOLATION);
        h.assertOnlySkipped(SkipReason.BAD_TUNNEL, 6);
    }

    @Test
    void anInnerPacketThatLiesAboutItsLengthIsSkippedForItsOwnReason() {
        byte[] inner = INNER4.clone();
        put16(inner, 2, 1400);
        Frames.fixIpv4Checksum4(inner);
        h.decode(LinkType.ETHERNET, outerIp(47, gre(0, 0x0800, 0, inner)));
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.FAILED);
        h.assertOnlySkipped(SkipReason.BAD_IP_LENGTH, 1);
    }

    @Test
    void aCaptureCutInsideTheInnerHeaderCannotBeReadPastItsEnd() {
        byte[] frame = outerUdp(40000, 4789, vxlan(ether(0x0800, INNER4)));
        int cut = frame.length - INNER4.length + 10; // 10 bytes of the inner IPv4 header
        h.decode(LinkType.ETHERNET, frame, cut, frame.length);
        assertThat(decapsulate(Decoder.VXLAN)).isEqualTo(Decoder.FAILED);
        h.assertOnlySkipped(SkipReason.TRUNCATED_IP_HEADER, 1);
    }

    @Test
    void mutatedAndCutTunnelFramesNeverThrowAndNeverGoPastTheDepthLimit() {
        byte[] nested = ipv4("172.16.0.1", "172.16.0.2", UDP, udp(5555, 4789, vxlan(ether(0x0800, INNER4))));
        List<byte[]> seeds = List.of(
                outerUdp(40000, 4789, vxlan(ether(0x0800, INNER4))),
                outerUdp(12345, 6081, concat(bytes(0x02, 0, 0x86, 0xDD, 0, 0, 7, 0), new byte[8], INNER6)),
                outerUdp(2152, 2152, gtp(0x34, 0xFF, bytes(0, 1, 0, 0x85, 1, 0x10, 0x09, 0), INNER4)),
                outerUdp(3797, 3544, concat(bytes(0, 0, 0xF0, 0x1F, 0x3F, 0x57, 0xFE, 0xFD), INNER6)),
                outerUdp(53859, 5072, concat(bytes(0x11, 0x52, 0x11, 41, 0, 0, 0, 0), new byte[22], INNER6)),
                outerIp(47, gre(0x3001, 0x880B, 2, concat(bytes(0xFF, 0x03, 0x00, 0x21), INNER4))),
                outerIp(47, gre(0x1000, 0x22EB, 1, concat(new byte[20], ether(0x0800, INNER4)))),
                outerIp(47, gre(0, 0x0800, 0, nested)));
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(42);
        long inner = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] f = seeds.get(rnd.nextInt(seeds.size())).clone();
            for (int m = rnd.nextInt(4); m >= 0; m--) {
                int at = 34 + rnd.nextInt(f.length - 34); // past the outer Ethernet and IPv4 headers
                f[at] = (byte) rnd.nextInt(256);
            }
            int cap = rnd.nextInt(4) == 0 ? rnd.nextInt(f.length + 1) : f.length;
            if (!h.decode(LinkType.ETHERNET, f, cap, f.length)) {
                continue;
            }
            while (true) {
                int kind = h.view.tunnel == PacketView.TUNNEL_IP ? Decoder.ipTunnel(h.view)
                        : h.decoder.udpTunnel(h.view, h.view.dstPort);
                if (kind == Decoder.NOT_A_TUNNEL || decapsulate(kind) != Decoder.DECAPSULATED) {
                    break;
                }
                assertThat(h.view.tunnelDepth).isLessThanOrEqualTo(4);
                assertThat(h.view.payloadOffset + h.view.payloadCaptured).isLessThanOrEqualTo(cap);
                inner++;
            }
        }
        assertThat(inner).as("most mutations leave a decodable inner packet").isGreaterThan(5_000);
        assertThat(h.decoder.skipped(SkipReason.BAD_TUNNEL)).isPositive();
    }

    @Test
    void anIcmpPacketIsNoTunnel() {
        h.decode(LinkType.ETHERNET, ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", ICMP, icmp(8, 0, new byte[8]))));
        assertThat(h.view.tunnel).isEqualTo(PacketView.NO_TUNNEL);
        assertThat(decapsulate(Decoder.GRE)).isEqualTo(Decoder.FAILED);
        assertThat(h.skippedTotal()).isZero();
    }
}
