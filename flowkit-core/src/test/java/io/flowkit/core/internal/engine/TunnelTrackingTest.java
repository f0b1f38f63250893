package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.ConnState;
import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.Protocol;
import io.flowkit.SkipReason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Inner connections are tracked like any other and name their tunnels in
 * {@link Connection#tunnelParents()}, with Zeek's rules for which outer packets are connections.
 * Frames are raw IPv4, built here byte by byte; checksums are not verified.
 */
class TunnelTrackingTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long MS = 1_000_000L;

    private final List<Connection> out = new ArrayList<>();

    private static byte[] ipv4(int src, int dst, int proto, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putInt(0);
        b.put((byte) 64).put((byte) proto).putShort((short) 0).putInt(src).putInt(dst).put(payload);
        return b.array();
    }

    private static byte[] udp(int sport, int dport, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length)).putShort((short) 0);
        return b.put(payload).array();
    }

    private static byte[] icmpEcho(int type) {
        return new byte[] {(byte) type, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g'};
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static byte[] vxlan(byte[] ipPacket) {
        byte[] eth = new byte[14];
        eth[12] = 0x08;
        return concat(new byte[] {0x08, 0, 0, 0, 0, 0, 1, 0}, eth, ipPacket);
    }

    private static byte[] gre(byte[] ipPacket) {
        return concat(new byte[] {0, 0, 0x08, 0}, ipPacket);
    }

    private static void feed(FlowTracker t, long ts, byte[] frame) {
        t.onFrame(ts, LinkType.RAW, ByteBuffer.wrap(frame), 0, frame.length, frame.length);
    }

    private Map<Protocol, List<Connection>> byProtocol() {
        return out.stream().collect(Collectors.groupingBy(Connection::protocol));
    }

    private static final int VTEP_A = 0xC0A8_380B;
    private static final int VTEP_B = 0xC0A8_380C;
    private static final int HOST_A = 0x0A00_0001;
    private static final int HOST_B = 0x0A00_0002;

    @Test
    void innerConnectionNamesEveryOuterConnectionItCameThroughAndGetsXAfterFiveChanges() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).uidSeed(7).connectionListener(out::add).build();
        // requests go A -> B from port 38071, replies B -> A from port 48134: two outer connections
        for (int i = 0; i < 4; i++) {
            feed(t, T0 + (2 * i) * MS, ipv4(VTEP_B, VTEP_A, 17,
                    udp(38071, 4789, vxlan(ipv4(HOST_A, HOST_B, 1, icmpEcho(8))))));
            feed(t, T0 + (2 * i + 1) * MS, ipv4(VTEP_A, VTEP_B, 17,
                    udp(48134, 4789, vxlan(ipv4(HOST_B, HOST_A, 1, icmpEcho(0))))));
        }
        t.close();
        Map<Protocol, List<Connection>> m = byProtocol();
        assertThat(m.get(Protocol.UDP)).hasSize(2).allSatisfy(c -> {
            assertThat(c.tunnelParents()).isEmpty();
            assertThat(c.origPackets()).isEqualTo(4);
            assertThat(c.history()).isEqualTo("D");
        });
        Connection icmp = m.get(Protocol.ICMP).get(0);
        assertThat(m.get(Protocol.ICMP)).hasSize(1);
        assertThat(icmp.tunnelParents()).containsExactlyInAnyOrderElementsOf(
                m.get(Protocol.UDP).stream().map(Connection::uid).collect(Collectors.toList()));
        assertThat(icmp.origPackets()).isEqualTo(4);
        assertThat(icmp.respPackets()).isEqualTo(4);
        // 7 changes of tunnel: the sixth is past Zeek's limit of five
        assertThat(icmp.history()).isEqualTo("X");
    }

    @Test
    void greIsNoConnectionAndItsInnerFlowsShareOneTunnelUidPerAddressPair() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).uidSeed(7).connectionListener(out::add).build();
        feed(t, T0, ipv4(VTEP_A, VTEP_B, 47, gre(ipv4(HOST_A, HOST_B, 17, udp(1000, 53, new byte[10])))));
        feed(t, T0 + MS, ipv4(VTEP_B, VTEP_A, 47, gre(ipv4(HOST_B, HOST_A, 17, udp(53, 1000, new byte[30])))));
        feed(t, T0 + 2 * MS, ipv4(VTEP_A, VTEP_B, 47, gre(ipv4(HOST_A, HOST_B, 17, udp(1001, 53, new byte[10])))));
        t.close();
        assertThat(out).hasSize(2).allSatisfy(c -> assertThat(c.protocol()).isEqualTo(Protocol.UDP));
        Map<Integer, Connection> byPort = out.stream().collect(Collectors.toMap(Connection::origPort, Function.identity()));
        Connection first = byPort.get(1000);
        assertThat(first.state()).isEqualTo(ConnState.SF);
        assertThat(first.respBytes()).isEqualTo(30);
        assertThat(first.tunnelParents()).hasSize(1);
        assertThat(byPort.get(1001).tunnelParents()).isEqualTo(first.tunnelParents());
        assertThat(first.tunnelParents().get(0)).isNotEqualTo(first.uid()).isNotEqualTo(byPort.get(1001).uid());
    }

    @Test
    void tunnelParentsSurviveTheTableGrowing() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).connectionListener(out::add).build();
        for (int i = 0; i < 5000; i++) {
            feed(t, T0 + i * MS, ipv4(VTEP_A, VTEP_B, 47, gre(ipv4(HOST_A, HOST_B, 17,
                    udp(10000 + i, 53, new byte[10])))));
        }
        t.close();
        assertThat(out).hasSize(5000);
        assertThat(out.stream().map(Connection::tunnelParents).distinct()).hasSize(1)
                .allSatisfy(p -> assertThat(p).hasSize(1));
    }

    @Test
    void withDecapsulationOffOuterUdpIsTrackedAndGreIsCountedAsABadTunnel() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).maxTunnelDepth(0).connectionListener(out::add)
                .build();
        feed(t, T0, ipv4(VTEP_B, VTEP_A, 17, udp(38071, 4789, vxlan(ipv4(HOST_A, HOST_B, 1, icmpEcho(8))))));
        feed(t, T0 + MS, ipv4(VTEP_A, VTEP_B, 47, gre(ipv4(HOST_A, HOST_B, 17, udp(1000, 53, new byte[10])))));
        assertThat(t.stats().skipped(SkipReason.BAD_TUNNEL)).isEqualTo(2);
        t.close();
        assertThat(out).hasSize(1);
        Connection outer = out.get(0);
        assertThat(outer.respPort()).isEqualTo(4789);
        assertThat(outer.history()).as("one tunnel too many: Zeek's X").isEqualTo("DX");
    }

    @Test
    void ordinaryUdpOnTheTeredoPortStaysOrdinaryUdp() {
        FlowTracker t = FlowTracker.builder().ignoreChecksums(true).connectionListener(out::add).build();
        byte[] notTeredo = new byte[48];
        notTeredo[0] = 0x12;
        feed(t, T0, ipv4(HOST_A, HOST_B, 17, udp(40000, 3544, notTeredo)));
        feed(t, T0 + MS, ipv4(HOST_B, HOST_A, 17, udp(3544, 40000, notTeredo)));
        t.close();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).tunnelParents()).isEmpty();
        assertThat(out.get(0).state()).isEqualTo(ConnState.SF);
        assertThat(t.stats().skipped(SkipReason.BAD_TUNNEL)).isEqualTo(1);
    }
}
