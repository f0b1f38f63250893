package io.flowkit.core.internal.decode;

import static io.flowkit.core.internal.decode.Frames.ACK;
import static io.flowkit.core.internal.decode.Frames.TCP;
import static io.flowkit.core.internal.decode.Frames.UDP;
import static io.flowkit.core.internal.decode.Frames.ether;
import static io.flowkit.core.internal.decode.Frames.fragmentHeader;
import static io.flowkit.core.internal.decode.Frames.ipv4;
import static io.flowkit.core.internal.decode.Frames.ipv6;
import static io.flowkit.core.internal.decode.Frames.tcp;
import static io.flowkit.core.internal.decode.Frames.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowkit.FlowTracker;
import io.flowkit.LinkType;
import io.flowkit.SkipReason;
import io.flowkit.TrackerConfig;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Decoder#addressesOnly} reads the same addresses, and skips the same frames, as a full
 * decoder's {@link Decoder#decodeAddresses}, without building the fragment reassembler.
 */
class AddressesOnlyDecoderTest {
    private static final TrackerConfig CONFIG = FlowTracker.builder().config();

    private static List<byte[]> frames() {
        byte[] l4 = udp(1, 2, new byte[300]);
        return List.of(
                ether(0x0800, ipv4("10.0.0.1", "192.168.1.2", TCP, tcp(40000, 443, 1, 1, ACK, 512, new byte[16]))),
                ether(0x86DD, ipv6("2001:db8::1", "2001:db8:1::2", UDP, udp(5000, 53, new byte[20]))),
                // the second fragment of a datagram: addresses, never reassembly
                ether(0x0800, ipv4("10.9.9.9", "10.8.8.8", UDP, 7, 160, false, new byte[0],
                        Arrays.copyOfRange(l4, 160, l4.length))),
                ether(0x86DD, ipv6("2001:db8::9", "2001:db8::8", 44, fragmentHeader(UDP, 0, true, 77),
                        Arrays.copyOfRange(l4, 0, 160))),
                // cut inside the IPv4 header: skipped
                Arrays.copyOf(ether(0x0800, ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1, 2, new byte[0]))), 24));
    }

    @Test
    void readsTheAddressesAndSkipsWhatAFullDecoderReadsAndSkips() {
        Decoder full = new Decoder(CONFIG);
        Decoder lean = Decoder.addressesOnly(CONFIG);
        PacketView a = new PacketView();
        PacketView b = new PacketView();
        int accepted = 0;
        for (byte[] f : frames()) {
            ByteBuffer buf = ByteBuffer.wrap(f);
            boolean expected = full.decodeAddresses(1, LinkType.ETHERNET, buf, 0, f.length, f.length, a);
            boolean got = lean.decodeAddresses(1, LinkType.ETHERNET, buf, 0, f.length, f.length, b);
            assertThat(got).isEqualTo(expected);
            if (got) {
                accepted++;
                assertThat(new long[] {b.srcHi, b.srcLo, b.dstHi, b.dstLo})
                        .containsExactly(a.srcHi, a.srcLo, a.dstHi, a.dstLo);
            }
        }
        assertThat(accepted).isEqualTo(4);
        for (SkipReason r : SkipReason.values()) {
            assertThat(lean.skipped(r)).as(r.name()).isEqualTo(full.skipped(r));
        }
        assertThat(lean.skipped(SkipReason.TRUNCATED_IP_HEADER)).isEqualTo(1);
        assertThat(lean.reassembliesDropped()).isZero();
    }

    @Test
    void buildsNoFragmentReassembler() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        Decoder.addressesOnly(CONFIG);
        new FragmentReassembler(Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES, 1);
        long before = mx.getThreadAllocatedBytes(tid);
        Decoder lean = Decoder.addressesOnly(CONFIG);
        long leanBytes = mx.getThreadAllocatedBytes(tid) - before;
        before = mx.getThreadAllocatedBytes(tid);
        new FragmentReassembler(Decoder.DEFAULT_FRAGMENT_MEMORY_BYTES, 1);
        long reassemblerBytes = mx.getThreadAllocatedBytes(tid) - before;
        // a decoder of addresses only costs less than the reassembler's tables alone
        assertThat(leanBytes).isLessThan(reassemblerBytes);
        assertThatThrownBy(lean::fragmentGauge).isInstanceOf(IllegalStateException.class);
        byte[] f = frames().get(0);
        assertThatThrownBy(() -> lean.decode(1, LinkType.ETHERNET, ByteBuffer.wrap(f), 0, f.length, f.length,
                new PacketView())).isInstanceOf(IllegalStateException.class).hasMessageContaining("addresses only");
    }
}
