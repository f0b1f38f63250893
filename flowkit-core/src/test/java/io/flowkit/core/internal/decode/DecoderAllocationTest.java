package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.Frames.ACK;
import static io.flowkit.core.internal.decode.Frames.ICMP;
import static io.flowkit.core.internal.decode.Frames.ICMP6;
import static io.flowkit.core.internal.decode.Frames.TCP;
import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.concat;
import static io.flowkit.core.internal.decode.Frames.ether;
import static io.flowkit.core.internal.decode.Frames.icmp;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.tcp;
import static io.flowkit.core.internal.decode.Frames.udp;
import static io.flowkit.core.internal.decode.Frames.vlanTag;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.LinkType;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decoder allocates nothing per frame, fragments and checksums included. */
class DecoderAllocationTest {

    private static List<byte[]> mix() {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            String a = "10.0." + i + ".1";
            String b = "192.168.1." + (i + 2);
            frames.add(ether(0x0800, ipv4(a, b, TCP, tcp(40000 + i, 443, i, i, ACK, 512, new byte[i * 8]))));
            frames.add(ether(0x8100, concat(vlanTag(i, 0x0800), ipv4(a, b, UDP, udp(5000 + i, 53, new byte[40])))));
            frames.add(ether(0x0800, ipv4(a, b, ICMP, icmp(8, 0, new byte[60]))));
            frames.add(ether(0x86DD, ipv6("2001:db8::" + (i + 1), "2001:db8:1::2", TCP,
                    tcp(50000, 80, 1, 2, ACK, 100, new byte[200]))));
            frames.add(ether(0x86DD, ipv6("2001:db8::" + (i + 1), "ff02::1", ICMP6, icmp(135, 0, new byte[20]))));
        }
        byte[] l4 = udp(1, 2, new byte[300]);
        for (int id = 1; id <= 4; id++) {
            frames.add(ether(0x0800, ipv4("10.9.9.9", "10.8.8.8", UDP, id, 0, true, new byte[0],
                    Arrays.copyOfRange(l4, 0, 160))));
            frames.add(ether(0x0800, ipv4("10.9.9.9", "10.8.8.8", UDP, id, 160, false, new byte[0],
                    Arrays.copyOfRange(l4, 160, l4.length))));
        }
        return frames;
    }

    /** VXLAN, Geneve, GTP, Teredo, GRE (with ERSPAN II) and IP-in-IP frames, some nested. */
    private static List<byte[]> tunnelled() {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            byte[] inner = ipv4("10.0." + i + ".1", "10.1.0.2", TCP, tcp(40000 + i, 443, i, i, ACK, 512, new byte[64]));
            byte[] inner6 = ipv6("2001:0:4137:9e50::" + (i + 1), "2001:db8::2", UDP, udp(5000 + i, 53, new byte[30]));
            byte[] vxlan = concat(new byte[] {8, 0, 0, 0, 0, 0, 1, 0}, ether(0x0800, inner));
            frames.add(ether(0x0800, ipv4("192.0.2.1", "192.0.2.2", UDP, udp(30000 + i, 4789, vxlan))));
            byte[] geneve = concat(new byte[] {0, 0, 0x08, 0, 0, 0, 1, 0}, inner);
            frames.add(ether(0x0800, ipv4("192.0.2.1", "192.0.2.2", UDP, udp(30000 + i, 6081, geneve))));
            byte[] gtp = concat(new byte[] {0x30, (byte) 0xFF, 0, (byte) inner.length, 0, 0, 0, 1}, inner);
            frames.add(ether(0x0800, ipv4("192.0.2.3", "192.0.2.4", UDP, udp(2152, 2152, gtp))));
            frames.add(ether(0x0800, ipv4("192.0.2.5", "192.0.2.6", UDP, udp(3797, 3544, inner6))));
            byte[] erspan = concat(new byte[] {0x10, 0, (byte) 0x88, (byte) 0xBE, 0, 0, 0, 1}, new byte[8],
                    ether(0x0800, inner));
            frames.add(ether(0x0800, ipv4("198.51.100.1", "198.51.100.2", 47, erspan)));
            byte[] greInGre = concat(new byte[] {0, 0, 8, 0}, ipv4("172.16.0.1", "172.16.0.2", 47,
                    concat(new byte[] {0, 0, 8, 0}, inner)));
            frames.add(ether(0x0800, ipv4("198.51.100.1", "198.51.100.2", 47, greInGre)));
            frames.add(ether(0x86DD, ipv6("2001:db8:f::1", "2001:db8:f::2", 4, new byte[0], inner)));
        }
        return frames;
    }

    /** Decodes every frame and takes off every tunnel layer; returns the innermost packets reached. */
    private static long decapsulateAll(Decoder d, PacketView v, ByteBuffer[] bufs, int rounds) {
        long inner = 0;
        long ts = 0;
        for (int r = 0; r < rounds; r++) {
            for (ByteBuffer b : bufs) {
                if (!d.decode(ts++, LinkType.ETHERNET, b, 0, b.limit(), b.limit(), v)) {
                    continue;
                }
                while (true) {
                    int kind = v.tunnel == PacketView.TUNNEL_IP ? Decoder.ipTunnel(v) : d.udpTunnel(v, v.dstPort);
                    if (kind == Decoder.NOT_A_TUNNEL || d.decapsulate(v, kind) != Decoder.DECAPSULATED) {
                        break;
                    }
                }
                if (v.tunnelDepth > 0) {
                    inner++;
                }
            }
        }
        return inner;
    }

    @Test
    void decapsulatesTunnelsWithoutAllocating() {
        ByteBuffer[] bufs = tunnelled().stream().map(ByteBuffer::wrap).toArray(ByteBuffer[]::new);
        Decoder d = new Decoder(false, List.of(), Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES,
                Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        PacketView v = new PacketView();
        int rounds = 200_000 / bufs.length;
        long firstPass = decapsulateAll(d, v, bufs, rounds);

        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        long secondPass = decapsulateAll(d, v, bufs, rounds);
        long allocated = mx.getThreadAllocatedBytes(tid) - before;

        long total = (long) rounds * bufs.length;
        assertThat(firstPass).as("every frame reaches its inner packet").isEqualTo(total);
        assertThat(secondPass).isEqualTo(firstPass);
        assertThat(d.badChecksums()).isZero();
        assertThat((double) allocated / total).as("bytes allocated per frame over %d frames", total).isLessThan(1.0);
    }

    private static long decodeAll(Decoder d, PacketView v, ByteBuffer[] bufs, int rounds) {
        long delivered = 0;
        long ts = 0;
        for (int r = 0; r < rounds; r++) {
            for (ByteBuffer b : bufs) {
                if (d.decode(ts++, LinkType.ETHERNET, b, 0, b.limit(), b.limit(), v)) {
                    delivered++;
                }
            }
        }
        return delivered;
    }

    @Test
    void decodesHundredsOfThousandsOfFramesWithoutAllocating() {
        List<byte[]> frames = mix();
        ByteBuffer[] bufs = frames.stream().map(ByteBuffer::wrap).toArray(ByteBuffer[]::new);
        Decoder d = new Decoder(false, List.of(io.flowkit.IpNetwork.parse("172.16.0.0/12")),
                Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES, Decoder.DEFAULT_FRAGMENT_TIMEOUT);
        PacketView v = new PacketView();
        int rounds = 300_000 / bufs.length;
        long firstPass = decodeAll(d, v, bufs, rounds);

        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        long secondPass = decodeAll(d, v, bufs, rounds);
        long allocated = mx.getThreadAllocatedBytes(tid) - before;

        long total = (long) rounds * bufs.length;
        assertThat(secondPass).isEqualTo(firstPass);
        assertThat(d.reassembledDatagrams()).isEqualTo(2L * 4 * rounds);
        assertThat(d.badChecksums()).isZero();
        assertThat((double) allocated / total).as("bytes allocated per frame over %d frames", total).isLessThan(1.0);
    }
}
