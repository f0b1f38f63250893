package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.DecoderHarness.lo;
import static io.flowkit.core.internal.decode.DecoderHarness.v4;
import static io.flowkit.core.internal.decode.Frames.TCP;
import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.bytes;
import static io.flowkit.core.internal.decode.Frames.concat;
import static io.flowkit.core.internal.decode.Frames.ether;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.put16;
import static io.flowkit.core.internal.decode.Frames.tcp;
import static io.flowkit.core.internal.decode.Frames.udp;
import static io.flowkit.core.internal.decode.Frames.vlanTag;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import org.junit.jupiter.api.Test;

/** One frame per link layer and encapsulation, each checked to reach the right UDP/TCP header. */
class LinkLayerTest {
    private final DecoderHarness h = new DecoderHarness();
    private static final byte[] IP4 = ipv4("10.1.1.1", "10.2.2.2", UDP, udp(1111, 2222, bytes(1, 2, 3, 4)));
    private static final byte[] IP6 = ipv6("2001:db8::a", "2001:db8::b", TCP,
            tcp(3333, 4444, 1, 0, Frames.SYN, 100, new byte[0]));

    private void assertIp4() {
        assertThat(h.view.ipVersion).isEqualTo(4);
        assertThat(h.view.srcLo).isEqualTo(v4("10.1.1.1"));
        assertThat(h.view.dstLo).isEqualTo(v4("10.2.2.2"));
        assertThat(h.view.srcPort).isEqualTo(1111);
        assertThat(h.view.dstPort).isEqualTo(2222);
        assertThat(h.view.payloadLength).isEqualTo(4);
        assertThat(h.view.badChecksum).isFalse();
        assertThat(h.skippedTotal()).isZero();
    }

    private void assertIp6() {
        assertThat(h.view.ipVersion).isEqualTo(6);
        assertThat(h.view.srcLo).isEqualTo(lo("2001:db8::a"));
        assertThat(h.view.srcPort).isEqualTo(3333);
        assertThat(h.view.dstPort).isEqualTo(4444);
        assertThat(h.view.badChecksum).isFalse();
        assertThat(h.skippedTotal()).isZero();
    }

    @Test
    void rawLinkTypeTakesEitherVersionFromTheFirstNibble() {
        assertThat(h.decode(LinkType.RAW, IP4)).isTrue();
        assertIp4();
        assertThat(h.decode(LinkType.RAW, IP6)).isTrue();
        assertIp6();
    }

    @Test
    void rawIpv4AndIpv6LinkTypesRejectTheOtherVersion() {
        assertThat(h.decode(LinkType.IPV4, IP4)).isTrue();
        assertIp4();
        assertThat(h.decode(LinkType.IPV6, IP6)).isTrue();
        assertIp6();
        assertThat(h.decode(LinkType.IPV4, IP6)).isFalse();
        assertThat(h.decode(LinkType.IPV6, IP4)).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_VERSION, 2);
    }

    @Test
    void nullLoopbackReadsTheFamilyInEitherByteOrder() {
        assertThat(h.decode(LinkType.NULL, concat(bytes(2, 0, 0, 0), IP4))).isTrue();
        assertIp4();
        assertThat(h.decode(LinkType.NULL, concat(bytes(0, 0, 0, 2), IP4))).isTrue();
        assertIp4();
        for (int family : new int[] {24, 28, 30}) {
            assertThat(h.decode(LinkType.NULL, concat(bytes(family, 0, 0, 0), IP6))).isTrue();
            assertIp6();
        }
    }

    @Test
    void openBsdLoopHasTheFamilyInNetworkOrder() {
        assertThat(h.decode(LinkType.LOOP, concat(bytes(0, 0, 0, 2), IP4))).isTrue();
        assertIp4();
        assertThat(h.decode(LinkType.LOOP, concat(bytes(0, 0, 0, 24), IP6))).isTrue();
        assertIp6();
    }

    @Test
    void loopbackWithUnknownFamilyIsNotIp() {
        assertThat(h.decode(LinkType.NULL, concat(bytes(7, 0, 0, 0), IP4))).isFalse();
        h.assertOnlySkipped(SkipReason.NOT_IP, 1);
    }

    @Test
    void loopbackFamilyMustMatchTheIpVersion() {
        assertThat(h.decode(LinkType.NULL, concat(bytes(2, 0, 0, 0), IP6))).isFalse();
        h.assertOnlySkipped(SkipReason.BAD_IP_VERSION, 1);
    }

    @Test
    void pppWithAndWithoutHdlcAddressAndControl() {
        assertThat(h.decode(LinkType.PPP, concat(bytes(0x00, 0x21), IP4))).isTrue();
        assertIp4();
        assertThat(h.decode(LinkType.PPP, concat(bytes(0xFF, 0x03, 0x00, 0x57), IP6))).isTrue();
        assertIp6();
        assertThat(h.decode(LinkType.PPP_HDLC, concat(bytes(0xFF, 0x03, 0x00, 0x21), IP4))).isTrue();
        assertIp4();
    }

    @Test
    void pppControlProtocolsAreNotIp() {
        assertThat(h.decode(LinkType.PPP, concat(bytes(0xC0, 0x21), new byte[20]))).isFalse();
        h.assertOnlySkipped(SkipReason.NOT_IP, 1);
    }

    @Test
    void pppoeSessionOverEthernet() {
        byte[] pppoe = bytes(0x11, 0x00, 0x12, 0x34, 0, 0, 0x00, 0x21);
        put16(pppoe, 4, IP4.length + 2);
        assertThat(h.decode(LinkType.ETHERNET, ether(0x8864, concat(pppoe, IP4)))).isTrue();
        assertIp4();
    }

    @Test
    void pppoeInsideQinQ() {
        byte[] pppoe = bytes(0x11, 0x00, 0x12, 0x34, 0, 0, 0x00, 0x57);
        put16(pppoe, 4, IP6.length + 2);
        byte[] f = ether(0x88A8, concat(vlanTag(100, 0x8100), vlanTag(200, 0x8864), pppoe, IP6));
        assertThat(h.decode(LinkType.ETHERNET, f)).isTrue();
        assertIp6();
        assertThat(h.view.vlan).isEqualTo(100);
        assertThat(h.view.innerVlan).isEqualTo(200);
    }

    @Test
    void linuxCookedCaptures() {
        byte[] sll = new byte[16];
        put16(sll, 2, 1); // ARPHRD_ETHER
        put16(sll, 4, 6);
        put16(sll, 14, 0x0800);
        assertThat(h.decode(LinkType.LINUX_SLL, concat(sll, IP4))).isTrue();
        assertIp4();
        byte[] sll2 = new byte[20];
        put16(sll2, 0, 0x86DD);
        put16(sll2, 8, 1);
        assertThat(h.decode(LinkType.LINUX_SLL2, concat(sll2, IP6))).isTrue();
        assertIp6();
    }

    @Test
    void mplsLabelStacksGuessTheVersionAfterTheBottomLabel() {
        byte[] twoLabels = bytes(0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40);
        assertThat(h.decode(LinkType.ETHERNET, ether(0x8847, concat(twoLabels, IP4)))).isTrue();
        assertIp4();
        assertThat(h.decode(LinkType.ETHERNET, ether(0x8848, concat(bytes(0, 0, 0x11, 0x40), IP6)))).isTrue();
        assertIp6();
        assertThat(h.decode(LinkType.ETHERNET, ether(0x8100, concat(vlanTag(5, 0x8847), bytes(0, 0, 1, 1), IP4))))
                .isTrue();
        assertIp4();
        assertThat(h.view.vlan).isEqualTo(5);
    }

    @Test
    void vnTagBetweenVlanTags() {
        byte[] vntag = bytes(0x80, 0x01, 0x00, 0x02, 0x81, 0x00);
        byte[] f = ether(0x8100, concat(vlanTag(10, 0x8926), vntag, vlanTag(20, 0x0800), IP4));
        assertThat(h.decode(LinkType.ETHERNET, f)).isTrue();
        assertIp4();
        assertThat(h.view.vlan).isEqualTo(10);
        assertThat(h.view.innerVlan).isEqualTo(20);
    }

    @Test
    void ciscoFabricPathOuterHeaderIsSkipped() {
        byte[] outer = new byte[16];
        put16(outer, 12, 0x8903);
        assertThat(h.decode(LinkType.ETHERNET, concat(outer, ether(0x0800, IP4)))).isTrue();
        assertIp4();
    }

    @Test
    void providerBackboneBridgingCarriesTheCustomerFrame() {
        byte[] itag = bytes(0x00, 0x01, 0x02, 0x03);
        byte[] f = ether(0x88A8, concat(vlanTag(30, 0x88E7), itag, ether(0x8100, concat(vlanTag(40, 0x86DD), IP6))));
        assertThat(h.decode(LinkType.ETHERNET, f)).isTrue();
        assertIp6();
        assertThat(h.view.vlan).isEqualTo(30);
        assertThat(h.view.innerVlan).isEqualTo(40);
    }

    @Test
    void ieee8023WithSnapCarriesAnEtherType() {
        byte[] snap = bytes(0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00);
        byte[] body = concat(snap, IP4);
        assertThat(h.decode(LinkType.ETHERNET, ether(body.length, body))).isTrue();
        assertIp4();
    }

    @Test
    void ieee8023WithPlainLlcIsNotIp() {
        byte[] llc = bytes(0x42, 0x42, 0x03, 0, 0, 0, 0, 0);
        assertThat(h.decode(LinkType.ETHERNET, ether(38, concat(llc, new byte[30])))).isFalse();
        h.assertOnlySkipped(SkipReason.NOT_IP, 1);
    }

    @Test
    void arpIsNotIp() {
        assertThat(h.decode(LinkType.ETHERNET, ether(0x0806, new byte[28]))).isFalse();
        h.assertOnlySkipped(SkipReason.NOT_IP, 1);
    }

    private static byte[] wifiHeader(int fc0, int fc1, int length) {
        byte[] w = new byte[length];
        w[0] = (byte) fc0;
        w[1] = (byte) fc1;
        return w;
    }

    private static final byte[] SNAP_IP4 = bytes(0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00);
    private static final byte[] SNAP_IP6 = bytes(0xAA, 0xAA, 0x03, 0, 0, 0, 0x86, 0xDD);

    @Test
    void ieee80211DataFramesWithLlcSnap() {
        assertThat(h.decode(LinkType.IEEE802_11, concat(wifiHeader(0x08, 0x01, 24), SNAP_IP4, IP4))).isTrue();
        assertIp4();
        // QoS data, from DS and to DS: four addresses and a QoS field
        assertThat(h.decode(LinkType.IEEE802_11, concat(wifiHeader(0x88, 0x03, 32), SNAP_IP6, IP6))).isTrue();
        assertIp6();
    }

    @Test
    void ieee80211WithRadiotapHeader() {
        byte[] radiotap = bytes(0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(h.decode(LinkType.IEEE802_11_RADIOTAP, concat(radiotap, wifiHeader(0x88, 0x02, 26), SNAP_IP4, IP4)))
                .isTrue();
        assertIp4();
    }

    @Test
    void ieee80211ManagementNullDataProtectedAndAggregatedFramesAreNotIp() {
        assertThat(h.decode(LinkType.IEEE802_11, concat(wifiHeader(0x80, 0x00, 24), new byte[40]))).isFalse();
        assertThat(h.decode(LinkType.IEEE802_11, concat(wifiHeader(0x48, 0x01, 24), new byte[40]))).isFalse();
        assertThat(h.decode(LinkType.IEEE802_11, concat(wifiHeader(0x08, 0x41, 24), SNAP_IP4, IP4))).isFalse();
        byte[] amsdu = wifiHeader(0x88, 0x01, 26);
        amsdu[24] = (byte) 0x80;
        assertThat(h.decode(LinkType.IEEE802_11, concat(amsdu, SNAP_IP4, IP4))).isFalse();
        h.assertOnlySkipped(SkipReason.NOT_IP, 4);
    }

    @Test
    void unknownLinkTypeIsCounted() {
        assertThat(h.decode(147, IP4)).isFalse();
        h.assertOnlySkipped(SkipReason.UNKNOWN_LINK_TYPE, 1);
    }

    @Test
    void truncatedLinkHeadersOfEveryKind() {
        int n = 0;
        int[][] cases = {
            {LinkType.ETHERNET, 13}, {LinkType.NULL, 3}, {LinkType.LOOP, 2}, {LinkType.PPP, 1},
            {LinkType.LINUX_SLL, 15}, {LinkType.LINUX_SLL2, 19}, {LinkType.IEEE802_11, 23},
            {LinkType.IEEE802_11_RADIOTAP, 3},
        };
        for (int[] c : cases) {
            assertThat(h.decode(c[0], new byte[c[1]])).as("link type %d", c[0]).isFalse();
            n++;
        }
        byte[] vlanCut = ether(0x8100, bytes(0, 5));
        assertThat(h.decode(LinkType.ETHERNET, vlanCut)).isFalse();
        byte[] mplsNoBottom = ether(0x8847, bytes(0, 0, 0, 0x40, 0, 0, 0, 0x40));
        assertThat(h.decode(LinkType.ETHERNET, mplsNoBottom)).isFalse();
        byte[] radiotapTooLong = bytes(0, 0, 0xFF, 0x00, 0, 0, 0, 0);
        assertThat(h.decode(LinkType.IEEE802_11_RADIOTAP, radiotapTooLong)).isFalse();
        h.assertOnlySkipped(SkipReason.TRUNCATED_LINK_HEADER, n + 3);
    }
}
